//! `Refusal`: the service's refusal as a client holds it. The service
//! answers every refusal with the error body `{"error": {"code",
//! "message"}}` ([`ErrorBody`]); a client keeps that code and message with
//! the two things of the answer it needs to decide what to do next, the
//! HTTP status and the `Retry-After` header. The command line and the
//! browser glue (so the web app and the npm package) read refusals into
//! this one type, and a waiting client judges it by
//! [`Refusal::is_worth_retrying`].

use crate::api::{ErrorBody, ErrorCode};

/// A refusal of the service, as a client read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The HTTP status of the answer.
    pub status: u16,
    /// The code of the error body ([`ErrorCode::Unrecognised`] for a code
    /// from a newer service).
    pub code: ErrorCode,
    /// The message of the error body, written for people by the service.
    /// It is the service's text: a client that prints it to a terminal
    /// escapes it first.
    pub message: String,
    /// The `Retry-After` header in seconds, if the answer had one in that
    /// form (see [`parse_retry_after`]).
    pub retry_after_s: Option<u64>,
}

impl Refusal {
    /// The refusal of an answer with HTTP `status`, error body `body` and,
    /// if it had one, the `Retry-After` header's text.
    pub fn new(status: u16, body: ErrorBody, retry_after: Option<&str>) -> Self {
        Self {
            status,
            code: body.error.code,
            message: body.error.message,
            retry_after_s: retry_after.and_then(parse_retry_after),
        }
    }

    /// Whether asking again may be answered otherwise: the service failing
    /// inside (any 5xx, whatever the code, since a gateway may wrap a
    /// refusal in one, or `internal`) or asking to slow down
    /// (`rate_limited`). Any other refusal is the service's final word.
    pub fn is_worth_retrying(&self) -> bool {
        self.status >= 500 || matches!(self.code, ErrorCode::Internal | ErrorCode::RateLimited)
    }
}

/// Reads a `Retry-After` header given in seconds, as the service sends it.
/// The HTTP-date form and anything else read as `None` (the back-off
/// alone then decides).
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    value.parse().ok()
}
