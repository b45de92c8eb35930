//! `ErrorCode`: every error code the service answers, each with its one HTTP
//! status, in one table. A new refusal in the service is a new row here
//! first; the service, its OpenAPI document and every client take the list
//! from [`ErrorCode::ALL`].

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Writes the enum, [`ErrorCode::ALL`], [`ErrorCode::as_str`] and
/// [`ErrorCode::http_status`] from one table, so that a code cannot be
/// added without its text and its status.
macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, $status:literal; )*) => {
        /// A stable error code, for programs to branch on: the `code` of every
        /// error answer ([`super::ErrorDetail`]).
        ///
        /// In JSON and in every client it is the snake_case text of
        /// [`ErrorCode::as_str`]. Each variant says when the service answers
        /// it; [`ErrorCode::http_status`] is the one status it comes with.
        ///
        /// Forward compatibility: a client reading a code it does not know
        /// (from a newer service) reads it as [`ErrorCode::Unrecognised`]
        /// rather than failing to read the error body, and keeps the HTTP
        /// status and message it got.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
            /// A code this build does not know, read from a newer service.
            /// Only deserialisation makes it: the service never answers it,
            /// it is not in [`ErrorCode::ALL`] and [`FromStr`] refuses its
            /// text. Judge such an error by its HTTP status.
            Unrecognised,
        }

        impl ErrorCode {
            /// Every code the service can answer, grouped by HTTP status.
            /// [`ErrorCode::Unrecognised`] is not one of them.
            pub const ALL: &[ErrorCode] = &[$(ErrorCode::$variant),*];

            /// The code as it is written in JSON: `"bad_field"`, ...
            /// [`ErrorCode::Unrecognised`] is `"unrecognised"`, which the
            /// service never sends.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ErrorCode::$variant => $text,)*
                    ErrorCode::Unrecognised => "unrecognised",
                }
            }

            /// The HTTP status the service answers this code with. For
            /// [`ErrorCode::Unrecognised`], which the service never sends,
            /// it is 500; a client has the real status of the answer.
            pub const fn http_status(self) -> u16 {
                match self {
                    $(ErrorCode::$variant => $status,)*
                    ErrorCode::Unrecognised => 500,
                }
            }
        }
    };
}

error_codes! {
    // 400: the request is malformed; fix it before sending it again.

    /// The request body could not be read (cut short, not UTF-8, or
    /// otherwise unreadable).
    BadBody = "bad_body", 400;
    /// A JSON body was sent without `Content-Type: application/json`.
    BadContentType = "bad_content_type", 400;
    /// The body is not well-formed JSON.
    BadJson = "bad_json", 400;
    /// The body is JSON, but a field is missing, of the wrong type or
    /// invalid: a username, a key, a hostname, a message, a scope or
    /// permission token, a device name, a statement's form. The core's
    /// field, username, encoding, code and decode errors are answered so.
    BadField = "bad_field", 400;
    /// A session lifetime outside 1 second to 1 day
    /// (`SessionError::BadLifetime`).
    BadLifetime = "bad_lifetime", 400;
    /// The query string is malformed: an unknown status, a timeout that is
    /// not a number, a scope or permission list with a bad token.
    BadQuery = "bad_query", 400;
    /// A short id in the path or the query is not `xx.xx.xx.xx`.
    BadShortUid = "bad_short_uid", 400;
    /// A uid in the path is not a uuid.
    BadUid = "bad_uid", 400;
    /// A signed statement was sent to a route that takes another claim
    /// (such as an `invite_device` statement to `POST /api/devices/revoke`).
    WrongClaim = "wrong_claim", 400;
    /// `POST /api/devices`: the sponsoring device and the new device did
    /// not sign the same enrollment.
    ClaimsDiffer = "claims_differ", 400;
    /// An authorisation token is not one: malformed, too long, or not in
    /// the exact canonical form.
    BadToken = "bad_token", 400;
    /// The resource named is empty, too long or holds control characters.
    BadResource = "bad_resource", 400;
    /// The service URL named is not an http(s) URL.
    BadService = "bad_service", 400;
    /// A signed statement is in a format this service no longer accepts
    /// (`countersign-statement/1`, or no format marker): the client that
    /// signed it must be updated.
    UnsupportedFormat = "unsupported_format", 400;

    // 403: the statement or its signer is refused.

    /// A statement's signature does not verify with its signer's key.
    BadSignature = "bad_signature", 403;
    /// A statement is older than the service's freshness window.
    StaleStatement = "stale_statement", 403;
    /// A statement is dated ahead of the service's clock by more than the
    /// allowed skew.
    FutureStatement = "future_statement", 403;
    /// A statement is about another session than the one in the path.
    WrongSession = "wrong_session", 403;
    /// The session's details differ from those the approver signed: the
    /// approver saw something else.
    DetailsChanged = "details_changed", 403;
    /// An approval typed another verification code than the requester's:
    /// the service has denied the request (`deny_reason` `wrong_code`).
    WrongCode = "wrong_code", 403;
    /// A statement sent about a session is not about a session (an account
    /// or device claim).
    NotAboutASession = "not_about_a_session", 403;
    /// The signer may not make this statement: the requester signing
    /// anything but its logout, a device claim signed by the requester, or
    /// an enrollment not signed by the new device's own key.
    WrongSigner = "wrong_signer", 403;
    /// A checked statement was for another session or action than the one
    /// applied (`SessionError::ProofMismatch`).
    WrongStatement = "wrong_statement", 403;
    /// The device or enrollment link belongs to another user than the one
    /// the statement is about.
    WrongUser = "wrong_user", 403;
    /// The signing device is not registered, or belongs to another user
    /// than the session's.
    UnknownDevice = "unknown_device", 403;
    /// The signing device has been revoked.
    DeviceRevoked = "device_revoked", 403;
    /// The user is disabled by an operator: requests for them and
    /// statements from their devices are refused until they are enabled.
    UserDisabled = "user_disabled", 403;
    /// The service requires user verification (`serve
    /// --require-user-verification`) and the signing device has no
    /// passkey, or the statement carries no assertion from it.
    UserVerificationRequired = "user_verification_required", 403;
    /// A passkey's assertion (or a new passkey's attestation) does not
    /// verify: another origin or relying party, a challenge that is not
    /// the statement's, no user presence or verification, a bad signature
    /// or another credential than the device's.
    BadAssertion = "bad_assertion", 403;
    /// A passkey's signature counter did not grow past the one last
    /// accepted: the assertion is replayed or the authenticator cloned.
    CounterRegressed = "counter_regressed", 403;
    /// The scope or permissions asked for are wider than those the session
    /// was granted (a narrowed read).
    NotGranted = "not_granted", 403;
    /// An authorisation was signed outside the freshness window (too old,
    /// or too far ahead of the verifier's clock).
    Stale = "stale", 403;
    /// An authorisation (or statement) names another countersign service.
    WrongService = "wrong_service", 403;
    /// An authorisation names another resource than the one expected.
    WrongResource = "wrong_resource", 403;
    /// An authorisation's body digest is not that of the request's body.
    WrongBody = "wrong_body", 403;
    /// The session behind an authorisation was not approved when it was
    /// signed (or is not approved at all).
    SessionNotApproved = "session_not_approved", 403;
    /// The session behind an authorisation has been logged out.
    LoggedOut = "logged_out", 403;
    /// The session behind an authorisation was reported as suspicious.
    Suspicious = "suspicious", 403;

    // 404.

    /// Nothing is known by that id (session, user, device), the enrollment
    /// link is unknown, used or expired, or the route does not exist.
    NotFound = "not_found", 404;

    // 409: the request is sound, but the session's state refuses it now.

    /// The session's status does not allow this action (it is already
    /// decided, logged out, or not yet run out).
    TransitionRefused = "transition_refused", 409;
    /// The session's keys have been cleared (it is denied or logged out),
    /// so no statement can be checked against it.
    SessionClosed = "session_closed", 409;
    /// The session kept changing while the statement was applied; sending
    /// it again usually gets the real answer.
    Conflict = "conflict", 409;
    /// Several sessions match a short id where one was needed
    /// (`LoadError::Ambiguous`).
    Ambiguous = "ambiguous", 409;
    /// The device is already revoked.
    AlreadyRevoked = "already_revoked", 409;
    /// `POST /api/devices`: this device uid or key is already registered.
    DeviceExists = "device_exists", 409;
    /// `POST /api/enrollments/redeem`: the link was already used, or the
    /// device is already registered.
    EnrollmentUsed = "enrollment_used", 409;
    /// A single-use authorisation was already used (the seed's
    /// `assert_once`), or an account statement (`invite_device`,
    /// `read_account`, `revoke_device`, `enroll_device`) was already
    /// accepted once: sign a new one.
    AlreadyUsed = "already_used", 409;

    // The rest, one status each.

    /// The session expired before the action arrived.
    Expired = "expired", 410;
    /// The request body is larger than the service accepts (16 KiB).
    TooLarge = "too_large", 413;
    /// Too many requests from this address; the `Retry-After` header says
    /// how many seconds to wait.
    RateLimited = "rate_limited", 429;
    /// Too many requests for this username are pending (`serve
    /// --max-pending-per-user`): a new one is refused until some are
    /// decided or expire, so nobody can flood a user's account view.
    TooManyPending = "too_many_pending", 429;
    /// The service failed inside; the cause is in its log, never in the
    /// answer. Trying again later may succeed.
    Internal = "internal", 500;
    /// `GET /healthz`: the service cannot serve now: its database does not
    /// answer, or (on PostgreSQL) it is not listening for other instances'
    /// changes. The message says which; the cause is in its log.
    Unavailable = "unavailable", 503;
}

/// The text is not a code the service answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown error code {0:?}")]
pub struct UnknownErrorCode(pub String);

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    /// Reads one of [`ErrorCode::ALL`] strictly; `"unrecognised"` and any
    /// other text are refused. (Deserialising is lenient instead.)
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|code| code.as_str() == text)
            .ok_or_else(|| UnknownErrorCode(text.chars().take(64).collect()))
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    /// Any string: a known code, or [`ErrorCode::Unrecognised`], so that an
    /// error body from a newer service is still read.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <Cow<'de, str>>::deserialize(d)?;
        Ok(text.parse().unwrap_or(ErrorCode::Unrecognised))
    }
}
