//! The one error class JavaScript sees: `CountersignError`, with a stable
//! `code` to branch on and a `message` for people. A core error keeps the
//! code the service answers it with (its `code()`), a service error its
//! `ErrorCode`, and the package's own failures one of core's `ClientCode`s
//! (those of `codes.rs`), so there is one list of codes and no client keeps
//! its own.

use countersign_browser::BrowserError;
use countersign_core::api::ErrorCode;
use countersign_core::client::{ClientCode, Code, LinkError, WatchError};
use countersign_core::{
    AuthorisationError, BadCode, DecodeError, EncodingError, FieldError, LoadError, SessionError,
    ShortUidError, StatementError, TransitionError, UnknownStatus, UsernameError,
};
use wasm_bindgen::prelude::*;

/// An error from countersign: a stable `code` and a `message`.
///
/// In JavaScript it is a class whose prototype chain includes
/// `Error.prototype`, so both `e instanceof CountersignError` and
/// `e instanceof Error` hold. Waiting for a decision fails with the codes
/// `denied`, `suspicious`, `expired`, `logged_out` or `cancelled`, and
/// then `session` holds the session as the service last answered it. A
/// refused authorisation has the service's code for the refusal
/// (`logged_out`, `stale`, `wrong_resource`, ...), or `out_of_touch` when a
/// `SessionWatch` has not heard from the service for too long.
#[wasm_bindgen(js_name = CountersignError)]
#[derive(Debug, Clone)]
pub struct CountersignError {
    // Text rather than a code type: the package makes it from an
    // `ErrorCode` or a `ClientCode` only, but an app may pass an error on
    // with the constructor, and it keeps the code it was given.
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
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ErrorCode")] code: String,
        message: String,
    ) -> CountersignError {
        inherit_from_error();
        Self {
            code,
            message,
            session: None,
        }
    }

    /// The stable code, such as `denied`, `bad_signature` or `network`:
    /// one of the `ErrorCode` union.
    #[wasm_bindgen(getter, unchecked_return_type = "ErrorCode", js_name = code)]
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

    /// `CountersignError [code]: message`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_js_string(&self) -> String {
        format!("CountersignError [{}]: {}", self.code, self.message)
    }
}

impl CountersignError {
    /// An error the service answers (or would answer) with `code`.
    pub fn service(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(code.as_str().to_owned(), message.into())
    }

    /// One of the package's own failures.
    pub fn client(code: ClientCode, message: impl Into<String>) -> Self {
        Self::new(code.as_str().to_owned(), message.into())
    }

    /// An error with `code`, of either kind.
    pub fn coded(code: Code, message: impl Into<String>) -> Self {
        Self::new(code.as_str().to_owned(), message.into())
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

    /// The session the error is about, if any. JavaScript reads it as
    /// `session`, a `LoginSession`: that getter is with the `LoginSession`
    /// class (`session.rs`), which is made of this file's errors.
    pub(crate) fn session_about(&self) -> Option<&countersign_core::LoginSession> {
        self.session.as_deref()
    }
}

/// What went wrong in the package itself, with what the message needs.
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
    /// The app stopped waiting, or cancelled the request.
    Cancelled,
    /// An authorisation accepted `once` was presented again.
    AlreadyUsed,
    /// An argument has the wrong shape.
    BadArgument(String),
    /// A text is not a uid.
    BadUid(String),
    /// A number is not a time in milliseconds since the epoch.
    BadTime,
    /// A text is not an enrollment link, and why.
    NotEnrollmentLink(LinkError),
    /// A text is not a login URL, and why.
    NotLoginUrl(LinkError),
    /// Several device keys could sign and none was named.
    DeviceRequired,
    /// No secure random source.
    NoRandom(String),
    /// The service answered with a session other than the one asked for.
    BadAnswer(String),
}

impl From<Failure> for CountersignError {
    fn from(failure: Failure) -> Self {
        use ClientCode as C;
        match failure {
            Failure::Denied => Self::client(C::Denied, "the login was denied"),
            // The same ends as the service's refusals of a session so
            // ended, so the same codes.
            Failure::Suspicious => Self::service(
                ErrorCode::Suspicious,
                "the login was reported as suspicious",
            ),
            Failure::Expired => Self::service(
                ErrorCode::Expired,
                "the login expired before it was approved",
            ),
            Failure::LoggedOut => Self::service(ErrorCode::LoggedOut, "the login was logged out"),
            Failure::Cancelled => Self::client(C::Cancelled, "stopped waiting for a decision"),
            // The service's code for the same refusal, so a relying party
            // handles both alike.
            Failure::AlreadyUsed => Self::service(
                ErrorCode::AlreadyUsed,
                "this authorisation was already used",
            ),
            Failure::BadArgument(why) => Self::client(C::BadArgument, why),
            Failure::BadUid(text) => {
                Self::service(ErrorCode::BadUid, format!("not a uid: {text:?}"))
            }
            Failure::BadTime => {
                Self::client(C::BadTime, "not a time in milliseconds since the epoch")
            }
            Failure::NotEnrollmentLink(why) => Self::client(C::NotEnrollmentLink, why.to_string()),
            Failure::NotLoginUrl(why) => Self::client(C::NotLoginUrl, why.to_string()),
            Failure::DeviceRequired => Self::client(
                C::DeviceRequired,
                "several device keys could sign: name one with deviceUid",
            ),
            Failure::NoRandom(why) => {
                Self::client(C::NoRandom, format!("no secure random source: {why}"))
            }
            Failure::BadAnswer(why) => Self::client(C::BadAnswer, why),
        }
    }
}

/// Core errors keep the code the service answers them with.
macro_rules! with_core_code {
    ($($error:ty),* $(,)?) => {
        $(
            impl From<$error> for CountersignError {
                fn from(error: $error) -> Self {
                    Self::service(error.code(), error.to_string())
                }
            }
        )*
    };
}

with_core_code!(
    ShortUidError,
    UsernameError,
    FieldError,
    EncodingError,
    StatementError,
    TransitionError,
    SessionError,
    LoadError,
    DecodeError,
    BadCode,
    UnknownStatus,
    LinkError,
    AuthorisationError,
);

impl From<WatchError> for CountersignError {
    fn from(error: WatchError) -> Self {
        match error {
            WatchError::Refused(refused) => refused.into(),
            out @ WatchError::OutOfTouch { .. } => {
                Self::client(ClientCode::OutOfTouch, out.to_string())
            }
        }
    }
}

impl From<BrowserError> for CountersignError {
    /// The browser glue's code (the service's own for its refusals, with
    /// its message as it is), and its message.
    fn from(error: BrowserError) -> Self {
        Self::coded(error.code(), error.to_string())
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
