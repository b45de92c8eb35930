//! What can go wrong in the browser glue, as one typed error.

use countersign_core::StatementError;
use countersign_core::client::{ClientCode, Code, Failure, Refusal};
use wasm_bindgen::JsCast as _;
use wasm_bindgen::JsValue;

/// An error from the browser or the service.
///
/// The service's refusals are kept as every client reads them (core's
/// [`Refusal`]); the other variants are the browser's own failures, each
/// with its code from core's table ([`BrowserError::code`]), which each
/// client names for its users (the web app in words, the npm package with
/// the code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// The service refused, with its stable code and message.
    #[error("{}", .0.message)]
    Service(Refusal),
    /// The service could not be reached.
    #[error("the service could not be reached: {0}")]
    Network(String),
    /// The service answered something this code cannot read.
    #[error("the service's answer could not be read: {0}")]
    BadAnswer(String),
    /// The browser lacks something needed (IndexedDB, WebCrypto).
    #[error("this browser cannot do it: {0}")]
    Unsupported(String),
    /// The key store failed.
    #[error("the key store failed: {0}")]
    Storage(String),
    /// No key for this device is kept in this browser.
    #[error("this browser holds no key for that device")]
    NoSuchDevice,
    /// The statement to sign cannot be made (such as a decision on a
    /// session whose keys are cleared).
    #[error(transparent)]
    Statement(#[from] StatementError),
    /// A request could not be built.
    #[error("{0}")]
    Invalid(String),
    /// The passkey's gesture failed: cancelled or timed out
    /// (`NotAllowedError`), or refused by the authenticator.
    #[error("the passkey was not used: {message}")]
    Passkey {
        /// The DOMException's name (`NotAllowedError`, ...), empty if none.
        name: String,
        /// What the browser said.
        message: String,
    },
}

impl BrowserError {
    /// What a requester's wait ([`countersign_core::client::Waiting`]) makes
    /// of this error: `None` for a failure in this browser, which no retry
    /// changes.
    pub fn wait_failure(&self) -> Option<Failure> {
        match self {
            Self::Service(refusal) => Some(Failure::Service(refusal.clone())),
            Self::Network(_) => Some(Failure::Network),
            Self::BadAnswer(_) => Some(Failure::Unreadable),
            Self::Unsupported(_)
            | Self::Storage(_)
            | Self::NoSuchDevice
            | Self::Statement(_)
            | Self::Invalid(_)
            | Self::Passkey { .. } => None,
        }
    }

    /// The code a client reports for this error: the service's for its
    /// refusals and for a statement that cannot be made (the service
    /// refuses it alike), else the browser's own from core's table. A
    /// passkey's gesture that failed was cancelled or timed out, which is
    /// all a page learns.
    pub fn code(&self) -> Code {
        match self {
            Self::Service(refusal) => Code::Service(refusal.code),
            Self::Statement(error) => Code::Service(error.code()),
            Self::Network(_) => Code::Client(ClientCode::Network),
            Self::BadAnswer(_) => Code::Client(ClientCode::BadAnswer),
            Self::Unsupported(_) => Code::Client(ClientCode::Unsupported),
            Self::Storage(_) => Code::Client(ClientCode::Storage),
            Self::NoSuchDevice => Code::Client(ClientCode::NoSuchDevice),
            Self::Invalid(_) => Code::Client(ClientCode::Invalid),
            Self::Passkey { .. } => Code::Client(ClientCode::Cancelled),
        }
    }
}

/// A readable description of a thrown JavaScript value.
pub(crate) fn describe(value: &JsValue) -> String {
    // A DOMException is also an Error in every engine, so it is asked first:
    // its name is what the engines agree on, while the message is each
    // engine's own (Firefox's are generic, "The operation failed for an
    // operation-specific reason"; Chromium's are sometimes empty).
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
