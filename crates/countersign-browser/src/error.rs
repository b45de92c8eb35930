//! What can go wrong in the browser glue, as one typed error.

use countersign_core::StatementError;
use countersign_core::api::ErrorCode;
use countersign_core::client::Failure;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::JsValue;

/// An error from the browser or the service.
///
/// The service's refusals keep its [`ErrorCode`]; the other variants are
/// the browser's own failures, which each client names for its users (the
/// web app in words, the npm package with its own codes).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// The service refused, with its stable code and message.
    #[error("{message}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The service's stable code ([`ErrorCode::Unrecognised`] for a
        /// code from a newer service).
        code: ErrorCode,
        /// The service's message.
        message: String,
        /// The `Retry-After` header, in seconds, if the answer had one.
        retry_after_s: Option<u64>,
    },
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
            Self::Service {
                status,
                code,
                retry_after_s,
                ..
            } => Some(Failure::Service {
                status: *status,
                code: *code,
                retry_after_s: *retry_after_s,
            }),
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
