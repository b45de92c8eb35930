//! What can go wrong in the browser glue, as one typed error.

use wasm_bindgen::JsCast as _;
use wasm_bindgen::JsValue;

/// An error from the browser or the service.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BrowserError {
    /// The service refused, with its stable code and message.
    #[error("{message}")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The service's stable code.
        code: String,
        /// The service's message.
        message: String,
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
    /// A value from the core was refused.
    #[error("{0}")]
    Invalid(String),
}

impl BrowserError {
    /// The stable code: the service's, or one of this crate's own.
    pub fn code(&self) -> &str {
        match self {
            Self::Service { code, .. } => code,
            Self::Network(_) => "network",
            Self::BadAnswer(_) => "bad_answer",
            Self::Unsupported(_) => "unsupported",
            Self::Storage(_) => "storage",
            Self::NoSuchDevice => "no_such_device",
            Self::Invalid(_) => "invalid",
        }
    }
}

/// A readable description of a thrown JavaScript value.
pub(crate) fn describe(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", exception.name(), exception.message());
    }
    value.as_string().unwrap_or_else(|| format!("{value:?}"))
}
