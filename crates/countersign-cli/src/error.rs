//! Every way a command can fail, each with a message for people and a
//! stable code for scripts: the service's [`ErrorCode`] for what the
//! service refused, and a [`ClientCode`] (core's one table of the clients'
//! own codes) for the rest.

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use countersign_core::api::ErrorCode;
use countersign_core::client::{ClientCode, LinkError};
use countersign_core::{AuthorisationError, FieldError, ShortUid, Status, UsernameError};
use serde::Serialize;

use crate::api::ApiError;
use crate::files::FileError;
use crate::show::when;
use crate::transport::InsecureHttp;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A call to the service failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A service URL, login URL or enrollment link is malformed.
    #[error("invalid {what} {text:?}: {error}")]
    Url {
        /// What it should have been: "service URL", ...
        what: &'static str,
        /// The text as given, cut short.
        text: String,
        /// What is wrong with it.
        error: LinkError,
    },
    /// A username is invalid.
    #[error("invalid username: {0}")]
    Username(#[from] UsernameError),
    /// A scope, permission list or device name is invalid.
    #[error("invalid {0}")]
    Field(#[from] FieldError),
    /// Plain http to a service that is not on this machine, without
    /// `--insecure-http`.
    #[error(transparent)]
    InsecureHttp(#[from] InsecureHttp),
    /// A verification code is not a two-digit number.
    #[error("invalid verification code: {0}")]
    Code(String),
    /// The system gave no random bytes.
    #[error("the system gave no random bytes: {0}")]
    Random(#[from] getrandom::Error),
    /// No place for kept sessions: neither `$XDG_CONFIG_HOME` nor `$HOME`.
    #[error("cannot find a config directory: set XDG_CONFIG_HOME or HOME")]
    NoConfigDir,
    /// A kept session or key file could not be read.
    #[error("{} is not a valid {what}: {detail}", path.display())]
    BadFile {
        /// The file.
        path: PathBuf,
        /// What it should be.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// No session is kept.
    #[error("no session is kept; `countersign login` makes one")]
    NoKeptSession,
    /// Several sessions are kept and none was named.
    #[error("{} sessions are kept; name one: {}", .0.len(), .0.join(", "))]
    WhichSession(Vec<String>),
    /// The named session is not kept.
    #[error("no kept session is named {0:?}; kept: {1}")]
    UnknownSession(String, String),
    /// An action needs confirmation and there is no one to ask.
    #[error(
        "refusing to {0} without confirmation: stdin is not a terminal; pass --yes to confirm in advance"
    )]
    NoTerminal(&'static str),
    /// The person did not confirm.
    #[error("not confirmed; nothing was signed")]
    NotConfirmed,
    /// The login URL is on another service than the device key's.
    #[error(
        "this login is on {login}, but the device key is enrolled with {key}; refusing to sign for another service"
    )]
    OtherServer {
        /// The login's service.
        login: String,
        /// The key's service.
        key: String,
    },
    /// The login is for another user than the device key's.
    #[error("this login is for {login:?}, but the device key is {key:?}'s; it cannot approve it")]
    OtherUser {
        /// The login's user.
        login: String,
        /// The key's user.
        key: String,
    },
    /// What the service shows does not match what it asks to sign.
    #[error(
        "the service's details digest for {0} does not match the details it shows; refusing to sign"
    )]
    DigestMismatch(ShortUid),
    /// The session's keys are gone, so no statement can be made about it.
    #[error("session {0} is closed: nothing can be signed about it any more")]
    Closed(ShortUid),
    /// The service stayed unreachable until the session's end.
    #[error("gave up waiting: {0}; the session's outcome is unknown")]
    GaveUp(ApiError),
    /// A wait ended in a status it should not.
    #[error("the session is {0}, which this command did not expect")]
    Unexpected(Status),
    /// The enrollment link was refused when read.
    #[error(
        "the enrollment link was refused: {0}; it may have been used already, have expired, or be mistyped"
    )]
    LinkRefused(ApiError),
    /// The enrollment was sent but its answer was lost.
    #[error("the enrollment's outcome is unknown ({error}); the key is kept in {}: if approving with it fails, delete the file and ask for a new link", path.display())]
    EnrollmentUnknown {
        /// The key file.
        path: PathBuf,
        /// What failed.
        error: ApiError,
    },
    /// The session was approved but could not be kept.
    #[error("the login was approved but could not be kept ({0}); {1}")]
    NotKept(Box<CliError>, String),
    /// An authorisation could not be made: an invalid resource, or a kept
    /// session whose service URL cannot be signed for.
    #[error("refusing to sign: {0}")]
    Authorisation(#[from] AuthorisationError),
    /// The kept session is not approved (its service says so, for a
    /// session kept by an earlier version), so nothing may be signed with it.
    #[error("session {0} is {1}, not approved: nothing can be signed with it")]
    NotApproved(ShortUid, Status),
    /// The kept session's login has ended.
    #[error("the login of session {short} expired at {}; `countersign login` asks for a new one", when(*.at))]
    LoginExpired {
        /// The session.
        short: ShortUid,
        /// When its login ended.
        at: DateTime<Utc>,
    },
    /// `login` was interrupted and the request could not be cancelled.
    #[error("interrupted, but the request could not be cancelled ({error}); it stays approvable until {}", when(*.expires_at))]
    NotCancelled {
        /// Why the cancel failed.
        error: Box<CliError>,
        /// When the request stops being approvable.
        expires_at: DateTime<Utc>,
    },
}

impl CliError {
    /// A malformed URL or link, quoting (the start of) what was given.
    pub fn url(what: &'static str, text: &str, error: LinkError) -> Self {
        Self::Url {
            what,
            text: text.chars().take(200).collect(),
            error,
        }
    }

    /// The stable code for scripts (the `code` of `--json`'s error line).
    pub fn code(&self) -> Code {
        match self {
            Self::Api(error)
            | Self::GaveUp(error)
            | Self::LinkRefused(error)
            | Self::EnrollmentUnknown { error, .. } => match error {
                ApiError::Service(refusal) => Code::Service(refusal.code),
                ApiError::Status { status } => Code::Http(*status),
                ApiError::Network { .. } => Code::Client(ClientCode::Network),
                ApiError::BadAnswer { .. } => Code::Client(ClientCode::BadAnswer),
            },
            // Checked here before anything is signed, but the same refusal
            // as the service's, so scripts see one code for it.
            Self::DigestMismatch(_) => Code::Service(ErrorCode::DetailsChanged),
            Self::Closed(_) => Code::Service(ErrorCode::SessionClosed),
            Self::File(_) | Self::BadFile { .. } | Self::NoConfigDir => {
                Code::Client(ClientCode::File)
            }
            Self::Url { .. } | Self::Username(_) | Self::Field(_) | Self::Code(_) => {
                Code::Client(ClientCode::BadInput)
            }
            Self::InsecureHttp(_) => Code::Client(ClientCode::InsecureHttp),
            Self::Random(_) => Code::Client(ClientCode::NoRandom),
            Self::NoKeptSession | Self::WhichSession(_) | Self::UnknownSession(..) => {
                Code::Client(ClientCode::NoSuchSession)
            }
            Self::NoTerminal(_) | Self::NotConfirmed => Code::Client(ClientCode::NotConfirmed),
            Self::OtherServer { .. } | Self::OtherUser { .. } => Code::Client(ClientCode::WrongKey),
            Self::Unexpected(_) => Code::Client(ClientCode::UnexpectedStatus),
            Self::NotKept(..) => Code::Client(ClientCode::NotKept),
            // The same refusals as a relying party's, so scripts see one
            // code for each.
            Self::Authorisation(error) => Code::Service(error.code()),
            Self::NotApproved(..) => Code::Service(ErrorCode::SessionNotApproved),
            Self::LoginExpired { .. } => Code::Service(ErrorCode::Expired),
            Self::NotCancelled { .. } => Code::Client(ClientCode::NotCancelled),
        }
    }
}

/// The code of a failed command, as `--json` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The service refused, with this code (its `ErrorCode`).
    Service(ErrorCode),
    /// An error status without the service's error body (a proxy's page):
    /// `http_502`, ...
    Http(u16),
    /// A failure here, not at the service.
    Client(ClientCode),
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service(code) => f.write_str(code.as_str()),
            Self::Http(status) => write!(f, "http_{status}"),
            Self::Client(code) => f.write_str(code.as_str()),
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use countersign_core::client::Refusal;

    use super::*;

    #[test]
    fn client_codes_never_look_like_a_bare_status() {
        // `http_502`, ... is this program's code for an error status without
        // the service's body; no other code may read like one.
        for code in ClientCode::ALL {
            assert!(!code.as_str().starts_with("http_"), "{code}");
        }
    }

    #[test]
    fn every_code_of_this_program_keeps_its_text() {
        // Scripts rely on these: core's table holds them, this pins the
        // ones this program gives.
        let given = [
            (ClientCode::Network, "network"),
            (ClientCode::BadAnswer, "bad_answer"),
            (ClientCode::File, "file"),
            (ClientCode::BadInput, "bad_input"),
            (ClientCode::NoRandom, "no_random"),
            (ClientCode::InsecureHttp, "insecure_http"),
            (ClientCode::NoSuchSession, "no_such_session"),
            (ClientCode::NotConfirmed, "not_confirmed"),
            (ClientCode::WrongKey, "wrong_key"),
            (ClientCode::UnexpectedStatus, "unexpected_status"),
            (ClientCode::NotKept, "not_kept"),
            (ClientCode::NotCancelled, "not_cancelled"),
        ];
        for (code, text) in given {
            assert_eq!(Code::Client(code).to_string(), text);
        }
    }

    #[test]
    fn codes_print_as_scripts_read_them() {
        let json = |code: Code| serde_json::to_value(code).unwrap();
        assert_eq!(json(Code::Service(ErrorCode::WrongCode)), "wrong_code");
        assert_eq!(json(Code::Http(503)), "http_503");
        assert_eq!(json(Code::Client(ClientCode::Network)), "network");
        let closed = CliError::Closed(ShortUid::parse("ab.cd.ef.01").unwrap());
        assert_eq!(closed.code().to_string(), "session_closed");
        let refused = CliError::LinkRefused(ApiError::Service(Refusal {
            status: 404,
            code: ErrorCode::NotFound,
            message: "no such link".into(),
            retry_after_s: None,
        }));
        assert_eq!(refused.code().to_string(), "not_found");
    }

    #[test]
    fn plain_http_refused_is_insecure_http_in_the_transports_words() {
        let refusal = InsecureHttp {
            service: "http://countersign.example".into(),
            from: "given with --server".into(),
        };
        let refused = CliError::from(refusal.clone());
        assert_eq!(refused.code().to_string(), "insecure_http");
        assert_eq!(refused.to_string(), refusal.to_string());
    }
}
