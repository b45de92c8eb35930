//! The verification code, typed by the approver: on a terminal, `approve`
//! asks for the code the requesting program shows after showing the login,
//! so that approving takes reading it off the requester's screen. The
//! service allows one try: a wrong code denies the login, so the approver
//! is told before typing.

use std::io::{BufRead, IsTerminal as _, Write};

use countersign_core::VerificationCode;

use crate::error::CliError;

/// What the approver is told first: there is no second try.
pub const ONE_TRY: &str = "One try: a code other than the one the program shows denies this login.";
/// What the approver is asked.
pub const QUESTION: &str = "Type the code the program shows: ";
/// How many malformed answers are asked again before giving up.
const TRIES: usize = 3;

/// Asks on the terminal (the prompt on stderr, the answer from stdin).
pub fn ask_on_terminal() -> Result<VerificationCode, CliError> {
    let stdin = std::io::stdin();
    // The command line was checked for this already (`Cli::check`): a
    // script without a terminal must give --code.
    if !stdin.is_terminal() {
        return Err(CliError::Code(
            "no --code, and stdin is not a terminal to ask it on".into(),
        ));
    }
    ask(&mut stdin.lock(), &mut std::io::stderr().lock())
}

/// Asks on `prompt` and reads the answer from `input`: two digits. A
/// malformed answer is explained and asked again, up to [`TRIES`] times
/// (it is never sent, so it costs no try); no answer at all (end of input)
/// is no approval. A well-formed code is not checked here: only the
/// service knows the requester's, and it denies the login if this is not it.
pub fn ask(input: &mut dyn BufRead, prompt: &mut dyn Write) -> Result<VerificationCode, CliError> {
    let _ = writeln!(prompt, "{ONE_TRY}");
    let mut last = String::new();
    for _ in 0..TRIES {
        let _ = write!(prompt, "{QUESTION}");
        let _ = prompt.flush();
        let mut line = String::new();
        let read = input
            .read_line(&mut line)
            .map_err(|_| CliError::NotConfirmed)?;
        if read == 0 {
            let _ = writeln!(prompt);
            return Err(CliError::NotConfirmed);
        }
        match parse(&line) {
            Ok(code) => return Ok(code),
            Err(why) => {
                let _ = writeln!(prompt, "{why}");
                last = why;
            }
        }
    }
    Err(CliError::Code(last))
}

/// Two digits, 10 to 99, with blanks around allowed.
fn parse(line: &str) -> Result<VerificationCode, String> {
    let typed = line.trim();
    let number = (typed.len() == 2 && typed.bytes().all(|b| b.is_ascii_digit()))
        .then(|| typed.parse::<u8>().ok())
        .flatten();
    number
        .and_then(|n| VerificationCode::new(n).ok())
        .ok_or_else(|| {
            "a code is two digits, 10 to 99, as the requesting program shows it".to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers `typed` to the question; the result and what was shown.
    fn asked(typed: &str) -> (Result<u8, String>, String) {
        let mut shown = Vec::new();
        let got = ask(&mut typed.as_bytes(), &mut shown)
            .map(VerificationCode::value)
            .map_err(|e| e.code().to_string());
        (got, String::from_utf8(shown).unwrap())
    }

    #[test]
    fn two_digits_are_the_code() {
        let (got, shown) = asked("42\n");
        assert_eq!(got, Ok(42));
        assert_eq!(shown, format!("{ONE_TRY}\n{QUESTION}"));
        assert_eq!(asked("  17 \r\n").0, Ok(17));
        assert_eq!(asked("99").0, Ok(99));
    }

    #[test]
    fn a_malformed_answer_is_explained_and_asked_again() {
        let (got, shown) = asked("4\n\n123\n05\nx1\n");
        assert_eq!(got, Err("bad_input".into()));
        assert_eq!(shown.matches(QUESTION).count(), 3, "{shown}");
        assert_eq!(shown.matches("a code is two digits").count(), 3);
        let (got, shown) = asked("4 2\n42\n");
        assert_eq!(got, Ok(42));
        assert_eq!(shown.matches(QUESTION).count(), 2, "{shown}");
    }

    #[test]
    fn no_answer_is_no_approval() {
        assert_eq!(asked("").0, Err("not_confirmed".into()));
        assert_eq!(asked("x\n").0, Err("not_confirmed".into()));
    }
}
