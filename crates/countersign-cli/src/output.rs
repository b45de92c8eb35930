//! What the program prints: text for people, or, with `--json`, one JSON
//! object per line for scripts, each flushed at once so a script can act on
//! it while the command goes on.

use std::io::Write as _;

use serde_json::{Value, json};

use crate::error::CliError;

/// Where and how results are printed.
#[derive(Debug, Clone, Copy)]
pub struct Output {
    json: bool,
}

impl Output {
    /// Prints JSON lines with `json`, else text.
    pub fn new(json: bool) -> Self {
        Self { json }
    }

    /// Whether results are JSON lines.
    pub fn is_json(self) -> bool {
        self.json
    }

    /// Prints one JSON object on its own line, in JSON mode.
    pub fn json(self, value: &Value) {
        if self.json {
            emit(&value.to_string());
        }
    }

    /// Prints a line of text, in text mode.
    pub fn text(self, line: &str) {
        if !self.json {
            emit(line);
        }
    }

    /// Reports an error: always as text on stderr, and in JSON mode also as
    /// an `{"error": {"code", "message"}}` line on stdout, the same shape as
    /// the service's errors.
    pub fn error(self, error: &CliError) {
        note(&format!("countersign: {error}"));
        self.json(&json!({ "error": { "code": error.code(), "message": error.to_string() } }));
    }
}

/// Writes a line to stdout and flushes it. A reader that went away (a
/// script that read the first line and closed the pipe) is not a reason to
/// stop: the command still finishes its work, such as keeping a session.
fn emit(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Writes a line to stderr. A closed stderr is no reason to fail a command
/// (`eprintln!` would panic).
pub fn note(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{line}");
    let _ = err.flush();
}
