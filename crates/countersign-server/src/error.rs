//! The one error type of the HTTP API: a stable [`ErrorCode`] and a clear
//! message. The code decides the HTTP status, in core's one table
//! ([`ErrorCode::http_status`]); the message is decided here, in one
//! `match`. The body is core's [`ErrorBody`]. Internal causes are logged,
//! never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_core::api::{ErrorBody, ErrorCode};
use countersign_core::{AuthorisationError, LoadError, SessionError, StatementError};

use crate::store::StoreError;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// A refusal that says what was wrong: a bad request, a refused
    /// statement or signer, a state that does not allow it now.
    Refused {
        /// Stable code, which decides the status.
        code: ErrorCode,
        /// What to fix, or why.
        message: String,
    },
    /// Nothing is known by that id (and nothing is said about others).
    NotFound,
    /// The enrollment link is unknown, used or expired (which one is not
    /// said: a link is a secret, and guessing should learn nothing).
    LinkUnusable,
    /// The session expired.
    Expired,
    /// The body is larger than the service accepts.
    TooLarge,
    /// Too many requests from this address.
    TooManyRequests {
        /// Seconds until a request may succeed.
        retry_after_s: u64,
    },
    /// Too many requests for one username are pending.
    TooManyPending {
        /// How many are.
        pending: i64,
        /// Seconds until the oldest of them runs out.
        retry_after_s: u64,
    },
    /// Something failed inside; the cause is in the log.
    Internal,
}

impl ApiError {
    /// A refusal with `code` and a message saying what was wrong.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::Refused {
            code,
            message: message.into(),
        }
    }

    /// The stable code clients branch on, and the message people read.
    pub fn code_and_message(&self) -> (ErrorCode, String) {
        match self {
            Self::Refused { code, message } => (*code, message.clone()),
            Self::NotFound => (
                ErrorCode::NotFound,
                "no such login session, user or device".into(),
            ),
            Self::LinkUnusable => (
                ErrorCode::NotFound,
                "this enrollment link is unknown, already used or expired; ask for a new one"
                    .into(),
            ),
            Self::Expired => (ErrorCode::Expired, "the login session has expired".into()),
            Self::TooLarge => (ErrorCode::TooLarge, "the request body is too large".into()),
            Self::TooManyRequests { retry_after_s } => (
                ErrorCode::RateLimited,
                format!("too many requests; try again in {retry_after_s} s"),
            ),
            Self::TooManyPending {
                pending,
                retry_after_s,
            } => (
                ErrorCode::TooManyPending,
                format!(
                    "{pending} requests for this user are pending already; try again in \
                     {retry_after_s} s, or once they are decided"
                ),
            ),
            Self::Internal => (
                ErrorCode::Internal,
                "the service failed; the cause is in its log".into(),
            ),
        }
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> ErrorCode {
        self.code_and_message().0
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (code, message) = self.code_and_message();
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(ErrorBody::new(code, message))).into_response();
        if let Self::TooManyRequests { retry_after_s }
        | Self::TooManyPending { retry_after_s, .. } = self
        {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if let StoreError::StatementUsed = error {
            return Self::new(
                ErrorCode::AlreadyUsed,
                "this statement was already accepted once; sign a new one",
            );
        }
        tracing::error!(%error, "storage failed");
        Self::Internal
    }
}

impl From<getrandom::Error> for ApiError {
    fn from(error: getrandom::Error) -> Self {
        tracing::error!(%error, "no random bytes");
        Self::Internal
    }
}

impl From<StatementError> for ApiError {
    fn from(error: StatementError) -> Self {
        Self::new(error.code(), error.to_string())
    }
}

impl From<AuthorisationError> for ApiError {
    fn from(error: AuthorisationError) -> Self {
        Self::new(error.code(), error.to_string())
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Expired(_) => Self::Expired,
            _ => Self::new(error.code(), error.to_string()),
        }
    }
}

impl From<LoadError> for ApiError {
    fn from(error: LoadError) -> Self {
        match error {
            LoadError::NotFound => Self::NotFound,
            _ => Self::new(error.code(), error.to_string()),
        }
    }
}
