//! Asking the person at the terminal before signing anything.

use std::io::{BufRead as _, IsTerminal as _, Write as _};

use crate::error::CliError;

/// Asks `question` on the terminal and returns once the answer is yes.
/// With `assume_yes` nothing is asked. Without a terminal to ask on, it
/// refuses: a script must say `--yes` in advance rather than have a pipe
/// answer for it.
pub fn confirm(verb: &'static str, question: &str, assume_yes: bool) -> Result<(), CliError> {
    if assume_yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NoTerminal(verb));
    }
    {
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question} [y/N] ");
        let _ = err.flush();
    }
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|_| CliError::NotConfirmed)?;
    if is_yes(&answer) {
        Ok(())
    } else {
        Err(CliError::NotConfirmed)
    }
}

fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_clear_yes_is_yes() {
        for yes in ["y\n", "Y", " yes ", "YES\n"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yess", "ye", "sure"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }
}
