//! The one error class JavaScript sees: `CountersignError`, with a stable
//! `code` to branch on and a `message` for people. Every core and service
//! error becomes one through an exhaustive `match` per error type, so a new
//! variant anywhere fails to compile here until it is given a code.

use countersign_browser::BrowserError;
use countersign_core::client::LinkError;
use countersign_core::{
    BadCode, DecodeError, EncodingError, FieldError, LoadError, SessionError, ShortUidError,
    StatementError, TransitionError, UnknownStatus, UsernameError,
};
use wasm_bindgen::prelude::*;

use crate::session::LoginSession;

/// An error from countersign: a stable `code` and a `message`.
///
/// In JavaScript it is a class whose prototype chain includes
/// `Error.prototype`, so both `e instanceof CountersignError` and
/// `e instanceof Error` hold. Waiting for a decision fails with the codes
/// `denied`, `suspicious`, `expired`, `logged_out` or `cancelled`, and
/// then `session` holds the session as the service last answered it.
#[wasm_bindgen(js_name = CountersignError)]
#[derive(Debug, Clone)]
pub struct CountersignError {
    code: String,
    message: String,
    // Boxed: most errors have none, and a small error keeps every
    // `Result` small.
    session: Option<Box<countersign_core::LoginSession>>,
}

#[wasm_bindgen(js_class = CountersignError)]
impl CountersignError {
    /// An error with this code and message (for apps that pass errors on).
    #[wasm_bindgen(constructor)]
    pub fn new(code: String, message: String) -> CountersignError {
        inherit_from_error();
        Self {
            code,
            message,
            session: None,
        }
    }

    /// The stable code, such as `denied`, `bad_signature` or `network`.
    #[wasm_bindgen(getter, js_name = code)]
    pub fn code(&self) -> String {
        self.code.clone()
    }

    /// What went wrong, for people.
    #[wasm_bindgen(getter, js_name = message)]
    pub fn message(&self) -> String {
        self.message.clone()
    }

    /// `"CountersignError"`, as `Error.prototype.toString` expects.
    #[wasm_bindgen(getter, js_name = name)]
    pub fn name(&self) -> String {
        "CountersignError".to_owned()
    }

    /// The session the error is about, where there is one: the denied,
    /// suspicious or expired session a wait ended with.
    #[wasm_bindgen(getter, js_name = session)]
    pub fn session(&self) -> Option<LoginSession> {
        self.session.as_deref().cloned().map(LoginSession::from)
    }

    /// `CountersignError [code]: message`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_js_string(&self) -> String {
        format!("CountersignError [{}]: {}", self.code, self.message)
    }
}

impl CountersignError {
    /// An error with a code and a message.
    pub fn of(code: &str, message: impl Into<String>) -> Self {
        Self::new(code.to_owned(), message.into())
    }

    /// The stable code, for Rust callers and tests.
    pub fn code_str(&self) -> &str {
        &self.code
    }

    /// The message, for Rust callers and tests.
    pub fn message_str(&self) -> &str {
        &self.message
    }

    /// The same error, about `session`.
    pub(crate) fn about(mut self, session: countersign_core::LoginSession) -> Self {
        self.session = Some(Box::new(session));
        self
    }
}

/// The package's own failures, beside those of the core and the service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The approver denied the login.
    Denied,
    /// The approver reported the login as suspicious ("this wasn't me").
    Suspicious,
    /// No one decided before the session expired.
    Expired,
    /// The session was approved and logged out before the wait saw it.
    LoggedOut,
    /// The app stopped waiting.
    Cancelled,
    /// An argument has the wrong shape.
    BadArgument(String),
    /// A text is not a uid.
    BadUid(String),
    /// A number is not a time in milliseconds since the epoch.
    BadTime,
    /// A text is not an enrollment link (`.../enroll?token=...`).
    NotEnrollmentLink,
    /// Several device keys could sign and none was named.
    DeviceRequired,
    /// No secure random source.
    NoRandom(String),
    /// The service answered with a session other than the one asked for.
    BadAnswer(String),
}

impl From<Failure> for CountersignError {
    fn from(failure: Failure) -> Self {
        let (code, message) = match failure {
            Failure::Denied => ("denied", "the login was denied".to_owned()),
            Failure::Suspicious => (
                "suspicious",
                "the login was reported as suspicious".to_owned(),
            ),
            Failure::Expired => (
                "expired",
                "the login expired before it was approved".to_owned(),
            ),
            Failure::LoggedOut => ("logged_out", "the login was logged out".to_owned()),
            Failure::Cancelled => ("cancelled", "stopped waiting for a decision".to_owned()),
            Failure::BadArgument(why) => ("bad_argument", why),
            Failure::BadUid(text) => ("bad_uid", format!("not a uid: {text:?}")),
            Failure::BadTime => (
                "bad_time",
                "not a time in milliseconds since the epoch".to_owned(),
            ),
            Failure::NotEnrollmentLink => (
                "not_enrollment_link",
                "not an enrollment link: expected .../enroll?token=...".to_owned(),
            ),
            Failure::DeviceRequired => (
                "device_required",
                "several device keys could sign: name one with deviceUid".to_owned(),
            ),
            Failure::NoRandom(why) => ("no_random", format!("no secure random source: {why}")),
            Failure::BadAnswer(why) => ("bad_answer", why),
        };
        Self::of(code, message)
    }
}

impl From<ShortUidError> for CountersignError {
    fn from(error: ShortUidError) -> Self {
        let code = match error {
            ShortUidError::Empty | ShortUidError::Malformed => "bad_short_uid",
            ShortUidError::NotLoginUrl => "not_login_url",
        };
        Self::of(code, error.to_string())
    }
}

impl From<UsernameError> for CountersignError {
    fn from(error: UsernameError) -> Self {
        let code = match error {
            UsernameError::Empty
            | UsernameError::TooLong
            | UsernameError::ControlCharacter
            | UsernameError::SurroundingBlank => "bad_username",
        };
        Self::of(code, error.to_string())
    }
}

impl From<FieldError> for CountersignError {
    fn from(error: FieldError) -> Self {
        // The service's code for every invalid field.
        let code = match error {
            FieldError::BadToken { .. }
            | FieldError::TooManyTokens { .. }
            | FieldError::TooLong { .. }
            | FieldError::Empty { .. }
            | FieldError::ControlCharacter { .. }
            | FieldError::BadHostname => "bad_field",
        };
        Self::of(code, error.to_string())
    }
}

impl From<EncodingError> for CountersignError {
    fn from(error: EncodingError) -> Self {
        let code = match error {
            EncodingError::NotBase64 { .. } | EncodingError::Length { .. } => "bad_encoding",
            EncodingError::InvalidKey => "bad_key",
        };
        Self::of(code, error.to_string())
    }
}

impl From<StatementError> for CountersignError {
    fn from(error: StatementError) -> Self {
        // The same codes the service answers with.
        Self::of(error.code().as_str(), error.to_string())
    }
}

impl From<TransitionError> for CountersignError {
    fn from(error: TransitionError) -> Self {
        Self::of("transition_refused", error.to_string())
    }
}

impl From<SessionError> for CountersignError {
    fn from(error: SessionError) -> Self {
        // The same codes the service answers with.
        let code = match &error {
            SessionError::Transition(_) | SessionError::NotYetExpired(_) => "transition_refused",
            SessionError::Expired(_) => "expired",
            SessionError::ProofMismatch => "wrong_statement",
            SessionError::Field(field) => return field.clone().into(),
            SessionError::BadLifetime => "bad_lifetime",
        };
        Self::of(code, error.to_string())
    }
}

impl From<LoadError> for CountersignError {
    fn from(error: LoadError) -> Self {
        let code = match error {
            LoadError::NotFound => "not_found",
            LoadError::NotGranted => "not_granted",
            LoadError::Ambiguous(_) => "ambiguous",
        };
        Self::of(code, error.to_string())
    }
}

impl From<DecodeError> for CountersignError {
    fn from(error: DecodeError) -> Self {
        let code = match &error {
            DecodeError::Json(_) => "bad_json",
            DecodeError::Field(field) => return field.clone().into(),
            DecodeError::Inconsistent(_) => "inconsistent_session",
        };
        Self::of(code, error.to_string())
    }
}

impl From<BadCode> for CountersignError {
    fn from(error: BadCode) -> Self {
        Self::of("bad_code", error.to_string())
    }
}

impl From<UnknownStatus> for CountersignError {
    fn from(error: UnknownStatus) -> Self {
        Self::of("bad_status", error.to_string())
    }
}

impl From<BrowserError> for CountersignError {
    fn from(error: BrowserError) -> Self {
        // The codes are those of `BrowserError::code`, which the tests hold
        // equal; the service's own code and message pass through as they are.
        let code = match &error {
            BrowserError::Service { code, message, .. } => {
                return Self::of(code.as_str(), message.clone());
            }
            BrowserError::Statement(error) => return error.clone().into(),
            BrowserError::Network(_) => "network",
            BrowserError::BadAnswer(_) => "bad_answer",
            BrowserError::Unsupported(_) => "unsupported",
            BrowserError::Storage(_) => "storage",
            BrowserError::NoSuchDevice => "no_such_device",
            BrowserError::Invalid(_) => "invalid",
        };
        Self::of(code, error.to_string())
    }
}

impl From<LinkError> for CountersignError {
    fn from(error: LinkError) -> Self {
        Self::of(error.code().as_str(), error.to_string())
    }
}

impl From<serde_json::Error> for CountersignError {
    fn from(error: serde_json::Error) -> Self {
        Self::of("bad_json", error.to_string())
    }
}

/// Makes `CountersignError.prototype` inherit from `Error.prototype`, so
/// that errors thrown by the package are `instanceof Error`, print as
/// errors and work with `assert.rejects` and the like. Done once, before
/// the first error is made (a `start` function would also be exported to
/// JavaScript as `start()`).
fn inherit_from_error() {
    #[cfg(target_arch = "wasm32")]
    {
        thread_local! {
            static DONE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
        }
        if DONE.with(|done| done.replace(true)) {
            return;
        }
        let probe = JsValue::from(CountersignError {
            code: String::new(),
            message: String::new(),
            session: None,
        });
        let prototype = js_sys::Object::get_prototype_of(&probe);
        let error_prototype = js_sys::Object::get_prototype_of(&js_sys::Error::new(""));
        js_sys::Object::set_prototype_of(&prototype, &error_prototype);
    }
}
