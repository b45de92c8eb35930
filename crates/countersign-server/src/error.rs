//! The one error type of the HTTP API: a stable code, a clear message, and
//! every status code decided in one `match`. Internal causes are logged,
//! never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_core::{SessionError, StatementError};

use crate::store::StoreError;

/// An error answered to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// The request is malformed: bad JSON, a bad field, a bad id.
    BadRequest {
        /// Stable code.
        code: &'static str,
        /// What to fix.
        message: String,
    },
    /// Nothing is known by that id (and nothing is said about others).
    NotFound,
    /// The enrollment link is unknown, used or expired (which one is not
    /// said: a link is a secret, and guessing should learn nothing).
    LinkUnusable,
    /// The signature or signer is not accepted.
    Forbidden {
        /// Stable code.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// The session's state does not allow this now.
    Conflict {
        /// Stable code.
        code: &'static str,
        /// Why.
        message: String,
    },
    /// The session expired.
    Expired,
    /// The body is larger than the service accepts.
    TooLarge,
    /// Too many requests from this address.
    TooManyRequests {
        /// Seconds until a request may succeed.
        retry_after_s: u64,
    },
    /// Something failed inside; the cause is in the log.
    Internal,
}

impl ApiError {
    /// A bad request.
    pub fn bad(code: &'static str, message: impl Into<String>) -> Self {
        Self::BadRequest {
            code,
            message: message.into(),
        }
    }

    /// The stable code clients branch on.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadRequest { code, .. }
            | Self::Forbidden { code, .. }
            | Self::Conflict { code, .. } => code,
            Self::NotFound | Self::LinkUnusable => "not_found",
            Self::Expired => "expired",
            Self::TooLarge => "too_large",
            Self::TooManyRequests { .. } => "rate_limited",
            Self::Internal => "internal",
        }
    }

    fn status_and_message(&self) -> (StatusCode, String) {
        match self {
            Self::BadRequest { message, .. } => (StatusCode::BAD_REQUEST, message.clone()),
            Self::NotFound => (
                StatusCode::NOT_FOUND,
                "no such login session, user or device".into(),
            ),
            Self::LinkUnusable => (
                StatusCode::NOT_FOUND,
                "this enrollment link is unknown, already used or expired; ask for a new one"
                    .into(),
            ),
            Self::Forbidden { message, .. } => (StatusCode::FORBIDDEN, message.clone()),
            Self::Conflict { message, .. } => (StatusCode::CONFLICT, message.clone()),
            Self::Expired => (StatusCode::GONE, "the login session has expired".into()),
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "the request body is too large".into(),
            ),
            Self::TooManyRequests { retry_after_s } => (
                StatusCode::TOO_MANY_REQUESTS,
                format!("too many requests; try again in {retry_after_s} s"),
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the service failed; the cause is in its log".into(),
            ),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, message) = self.status_and_message();
        let body = serde_json::json!({ "error": { "code": self.code(), "message": message } });
        let mut response = (status, Json(body)).into_response();
        if let Self::TooManyRequests { retry_after_s } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after_s));
        }
        response
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
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
        let (code, message) = (error.code().as_str(), error.to_string());
        match error {
            // Not the statement's fault: the session is over.
            StatementError::SessionClosed => Self::Conflict { code, message },
            _ => Self::Forbidden { code, message },
        }
    }
}

impl From<SessionError> for ApiError {
    fn from(error: SessionError) -> Self {
        match error {
            SessionError::Expired(_) => Self::Expired,
            SessionError::Field(field) => Self::bad("bad_field", field.to_string()),
            SessionError::BadLifetime => Self::bad("bad_lifetime", error.to_string()),
            SessionError::Transition(_) | SessionError::NotYetExpired(_) => Self::Conflict {
                code: "transition_refused",
                message: error.to_string(),
            },
            SessionError::ProofMismatch => Self::Forbidden {
                code: "wrong_statement",
                message: error.to_string(),
            },
        }
    }
}
