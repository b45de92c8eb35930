//! The exit codes scripts branch on, and their description for `--help`.

use std::process::ExitCode;

use countersign_core::Status;

/// How the program ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The command did what it was asked; `login` was approved.
    Success,
    /// Something failed; the message says what.
    Error,
    /// The approver denied the login.
    Denied,
    /// The approver reported the login as suspicious ("this wasn't me").
    Suspicious,
    /// No one decided before the login request expired.
    Expired,
    /// `login` was interrupted (Ctrl-C) and its request cancelled. 130 is
    /// the shell's code for a command ended by SIGINT.
    Cancelled,
}

/// The exit codes, as `--help` shows them. Code 2 is clap's own, for a
/// command line it cannot parse.
pub const EXIT_CODES: &str = "\
Exit codes:
  0  success (for login: approved)
  1  error (the message says what; with --json also one {\"error\": ...} line);
     plain http:// to a service other than this machine, without
     --insecure-http, is this error, with the code insecure_http
  2  usage: the command line could not be parsed, or approve has no --code
     and stdin is not a terminal to ask for it on
  3  login denied by the approver
  4  login reported as suspicious by the approver
  5  login request expired before anyone decided
  130  login interrupted (Ctrl-C) while waiting: the request was cancelled and
       can no longer be approved (if it could not be cancelled: 1, with the
       code not_cancelled)";

impl Exit {
    /// The number the process exits with.
    pub fn code(self) -> u8 {
        match self {
            Self::Success => 0,
            Self::Error => 1,
            Self::Denied => 3,
            Self::Suspicious => 4,
            Self::Expired => 5,
            Self::Cancelled => 130,
        }
    }

    /// How a wait that ended in `status` ends the program: `None` for a
    /// status a wait cannot end in.
    pub fn after_wait(status: Status) -> Option<Self> {
        match status {
            Status::Approved => Some(Self::Success),
            Status::Denied => Some(Self::Denied),
            Status::Suspicious => Some(Self::Suspicious),
            Status::Expired => Some(Self::Expired),
            Status::Pending | Status::LoggedOut => None,
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> Self {
        ExitCode::from(exit.code())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_documented_once() {
        let all = [
            Exit::Success,
            Exit::Error,
            Exit::Denied,
            Exit::Suspicious,
            Exit::Expired,
            Exit::Cancelled,
        ];
        for exit in all {
            let line = format!("\n  {}  ", exit.code());
            assert_eq!(EXIT_CODES.matches(&line).count(), 1, "{exit:?}");
        }
        assert!(EXIT_CODES.contains("\n  2  usage"));
    }

    #[test]
    fn a_wait_ends_in_a_decision_or_expiry() {
        assert_eq!(Exit::after_wait(Status::Approved), Some(Exit::Success));
        assert_eq!(Exit::after_wait(Status::Denied), Some(Exit::Denied));
        assert_eq!(Exit::after_wait(Status::Suspicious), Some(Exit::Suspicious));
        assert_eq!(Exit::after_wait(Status::Expired), Some(Exit::Expired));
        assert_eq!(Exit::after_wait(Status::LoggedOut), None);
        assert_eq!(Exit::after_wait(Status::Pending), None);
    }
}
