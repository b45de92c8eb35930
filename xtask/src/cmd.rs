//! Running commands: echoed before they run, their failures turned into
//! errors that name them, and cargo test's result lines counted.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The workspace root (the parent of `xtask/`).
pub fn root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

/// `cargo`, as the one that runs this xtask.
pub fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

fn describe(command: &Command) -> String {
    let mut text = command.get_program().to_string_lossy().into_owned();
    for arg in command.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Runs a command to completion, failing if it fails.
pub fn run(command: &mut Command) -> Result<(), String> {
    let text = describe(command);
    eprintln!("$ {text}");
    let status = command
        .status()
        .map_err(|e| format!("could not start `{text}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{text}` failed ({status})"))
    }
}

/// What the test binaries of one run reported.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Self) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.ignored += other.ignored;
    }
}

/// Runs a `cargo test`-like command, echoing its output while adding up its
/// `test result:` lines. Fails if the command fails or ran no test.
pub fn run_tests(command: &mut Command) -> Result<Counts, String> {
    let text = describe(command);
    eprintln!("$ {text}");
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not start `{text}`: {e}"))?;
    let mut counts = Counts::default();
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout();
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = writeln!(out, "{line}");
            if let Some(found) = parse_result_line(&line) {
                counts += found;
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| format!("`{text}` did not finish: {e}"))?;
    if !status.success() {
        return Err(format!("`{text}` failed ({status})"));
    }
    if counts.passed + counts.failed == 0 {
        return Err(format!("`{text}` ran no test"));
    }
    Ok(counts)
}

/// Reads cargo's `test result: ok. 12 passed; 0 failed; 1 ignored; ...`, or
/// one of node's closing `# pass 12` / `# fail 0` / `# skipped 0` lines.
fn parse_result_line(line: &str) -> Option<Counts> {
    let node = |prefix: &str| {
        line.trim()
            .strip_prefix(prefix)
            .and_then(|n| n.trim().parse::<u64>().ok())
    };
    if let Some(n) = node("# pass ") {
        return Some(Counts {
            passed: n,
            ..Counts::default()
        });
    }
    if let Some(n) = node("# fail ") {
        return Some(Counts {
            failed: n,
            ..Counts::default()
        });
    }
    if let Some(n) = node("# skipped ") {
        return Some(Counts {
            ignored: n,
            ..Counts::default()
        });
    }
    let rest = line.trim().strip_prefix("test result: ")?;
    let number_before = |word: &str| -> u64 {
        rest.split(';')
            .find_map(|part| part.trim().strip_suffix(word))
            .and_then(|n| n.trim().rsplit(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    Some(Counts {
        passed: number_before(" passed"),
        failed: number_before(" failed"),
        ignored: number_before(" ignored"),
    })
}

/// Runs a command and returns what it printed, or `None` if it could not run
/// or failed.
pub fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Finds a program on `PATH`.
pub fn which(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cargo_and_wasm_bindgen_result_lines() {
        let cargo = "test result: ok. 12 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.66s";
        let c = parse_result_line(cargo).unwrap();
        assert_eq!((c.passed, c.failed, c.ignored), (12, 1, 2));
        let wasm =
            "test result: ok. 9 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.49s";
        assert_eq!(parse_result_line(wasm).unwrap().passed, 9);
        assert!(parse_result_line("running 9 tests").is_none());
        assert_eq!(parse_result_line("# pass 14").unwrap().passed, 14);
        assert_eq!(parse_result_line("# fail 2").unwrap().failed, 2);
    }
}
