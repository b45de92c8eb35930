//! Where the admin commands print: every line goes through [`say`], which
//! turns a reader that went away (`admin audit | head -1`) into
//! [`Failure::ReaderGone`], so that the command stops quietly where
//! `println!` would panic on the broken pipe.

use std::fmt;
use std::io::{ErrorKind, Write as _};

/// Why an admin command stopped before its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// It failed; the message says why, for the operator.
    Failed(String),
    /// Whoever read its output closed the pipe: there is no one left to
    /// tell anything, and nothing is wrong (`main` exits with success).
    ReaderGone,
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Self::Failed(message)
    }
}

impl From<&str> for Failure {
    fn from(message: &str) -> Self {
        Self::Failed(message.to_owned())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failed(message) => f.write_str(message),
            Self::ReaderGone => f.write_str("the output's reader went away"),
        }
    }
}

/// Prints `line` and a newline on standard output. Standard output is
/// line-buffered, so a reader that has gone is found at the line it
/// missed, and the command stops there.
pub fn say(line: impl fmt::Display) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{line}") {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == ErrorKind::BrokenPipe => Err(Failure::ReaderGone),
        Err(error) => Err(Failure::Failed(format!("cannot write the output: {error}"))),
    }
}
