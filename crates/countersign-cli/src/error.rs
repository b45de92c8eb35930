//! Every way a command can fail, each with a message for people and a
//! stable code for scripts.

use std::path::PathBuf;

use countersign_core::{FieldError, ShortUid, Status, UsernameError};

use crate::api::ApiError;
use crate::files::FileError;
use crate::server_url::UrlError;

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A call to the service failed.
    #[error(transparent)]
    Api(#[from] ApiError),
    /// A file could not be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// A URL or link is malformed.
    #[error(transparent)]
    Url(#[from] UrlError),
    /// A username is invalid.
    #[error("invalid username: {0}")]
    Username(#[from] UsernameError),
    /// A scope, permission list or device name is invalid.
    #[error("invalid {0}")]
    Field(#[from] FieldError),
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
    Link(ApiError),
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
}

impl CliError {
    /// A stable code for scripts: the service's own code for its errors.
    pub fn code(&self) -> &str {
        match self {
            Self::Api(error)
            | Self::GaveUp(error)
            | Self::Link(error)
            | Self::EnrollmentUnknown { error, .. } => match error {
                ApiError::Service { code, .. } => code,
                ApiError::Network { .. } => "network",
                ApiError::BadAnswer { .. } => "bad_answer",
            },
            Self::File(_) | Self::BadFile { .. } | Self::NoConfigDir => "file",
            Self::Url(_) | Self::Username(_) | Self::Field(_) | Self::Code(_) => "bad_input",
            Self::Random(_) => "no_random",
            Self::NoKeptSession | Self::WhichSession(_) | Self::UnknownSession(..) => {
                "no_such_session"
            }
            Self::NoTerminal(_) | Self::NotConfirmed => "not_confirmed",
            Self::OtherServer { .. } | Self::OtherUser { .. } => "wrong_key",
            Self::DigestMismatch(_) => "details_changed",
            Self::Closed(_) => "session_closed",
            Self::Unexpected(_) => "unexpected_status",
            Self::NotKept(..) => "not_kept",
        }
    }
}
