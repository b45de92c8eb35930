//! Why an authorisation was not made, read or accepted, with the stable code
//! for each reason.

use crate::api::ErrorCode;
use chrono::{DateTime, SecondsFormat, Utc};

/// Why an authorisation was not made, read or accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthorisationError {
    /// The token or header is malformed (`bad_token`): not two base64 parts,
    /// too long, or bytes that are not exactly an authorisation.
    #[error("malformed authorisation token: {0}")]
    BadToken(&'static str),
    /// The resource cannot be authorised (`bad_resource`).
    #[error("the resource is not valid: {0}")]
    BadResource(&'static str),
    /// The service URL is not an `http://` or `https://` URL of visible ASCII
    /// of at most 256 bytes (`bad_service`).
    #[error("the service URL is not valid")]
    BadService,
    /// The signature does not verify with the session's `public_cert`
    /// (`bad_signature`).
    #[error("the signature does not match the authorisation and the session's key")]
    BadSignature,
    /// Signed longer ago than the freshness window allows (`stale`).
    #[error("the authorisation is too old (signed at {})", time(.0))]
    Stale(DateTime<Utc>),
    /// Signed further ahead of the verifier's clock than the window allows.
    /// Its code is `stale` too: either way it is outside the window, and a
    /// relying party does the same thing (ask for a new one).
    #[error("the authorisation is dated in the future (signed at {})", time(.0))]
    FromTheFuture(DateTime<Utc>),
    /// Made for another identity service (`wrong_service`).
    #[error("the authorisation is for another identity service")]
    WrongService,
    /// Made for another resource than the one the relying party expects
    /// (`wrong_resource`).
    #[error("the authorisation is for another resource")]
    WrongResource,
    /// The body the relying party received is not the one whose digest was
    /// signed (`wrong_body`).
    #[error("the request body is not the one that was signed")]
    WrongBody,
    /// Made under another session than the one checked against
    /// (`wrong_session`).
    #[error("the authorisation is for another session")]
    WrongSession,
    /// Names another user than the one who approved the session
    /// (`wrong_user`).
    #[error("the authorisation names another user than the session's")]
    WrongUser,
    /// The session is not approved: pending, denied, never approved before
    /// it expired, or approved only after the authorisation was signed
    /// (`session_not_approved`).
    #[error("the session was not approved when the authorisation was signed")]
    SessionNotApproved,
    /// The session is logged out, or its request was cancelled
    /// (`logged_out`). Tokens signed before the logout are refused too.
    #[error("the session is logged out")]
    LoggedOut,
    /// The session was reported suspicious ("this wasn't me") and grants
    /// nothing (`suspicious`).
    #[error("the session was reported suspicious")]
    Suspicious,
    /// The approved session is past its login lifetime (`expired`).
    #[error("the login has expired")]
    Expired,
    /// The session holds no certificate key any more, so nothing can be
    /// checked against it (`session_closed`). Approved sessions always hold
    /// one; this guards a session read from a damaged record.
    #[error("the session is closed: its keys have been cleared")]
    SessionClosed,
}

fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl AuthorisationError {
    /// The stable code the service answers with, and the JavaScript package
    /// throws, for this error. (`already_used` is the service's: only it
    /// records nonces.)
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadToken(_) => ErrorCode::BadToken,
            Self::BadResource(_) => ErrorCode::BadResource,
            Self::BadService => ErrorCode::BadService,
            Self::BadSignature => ErrorCode::BadSignature,
            Self::Stale(_) | Self::FromTheFuture(_) => ErrorCode::Stale,
            Self::WrongService => ErrorCode::WrongService,
            Self::WrongResource => ErrorCode::WrongResource,
            Self::WrongBody => ErrorCode::WrongBody,
            Self::WrongSession => ErrorCode::WrongSession,
            Self::WrongUser => ErrorCode::WrongUser,
            Self::SessionNotApproved => ErrorCode::SessionNotApproved,
            Self::LoggedOut => ErrorCode::LoggedOut,
            Self::Suspicious => ErrorCode::Suspicious,
            Self::Expired => ErrorCode::Expired,
            Self::SessionClosed => ErrorCode::SessionClosed,
        }
    }
}
