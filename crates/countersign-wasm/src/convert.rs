//! Between JavaScript values and core types: times as milliseconds since the
//! epoch, uids as strings, JSON given as a string or an object, and the
//! options objects that functions take.

use chrono::{DateTime, Utc};
use countersign_core::api::ErrorCode;
use countersign_core::{LoginSession, TokenSet};
use js_sys::{Array, JSON, Object, Reflect, Uint8Array};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{CountersignError, Failure};

/// A time as JavaScript keeps it: milliseconds since the epoch.
pub(crate) fn ms(time: DateTime<Utc>) -> f64 {
    // Milliseconds since the epoch fit in an f64 exactly for ±285,000 years.
    #[allow(clippy::cast_precision_loss)]
    let ms = time.timestamp_millis() as f64;
    ms
}

/// Reads milliseconds since the epoch, as `Date.now()` gives them.
pub(crate) fn from_ms(ms: f64) -> Result<DateTime<Utc>, CountersignError> {
    if !ms.is_finite() || ms.abs() > 8.64e15 {
        return Err(Failure::BadTime.into());
    }
    // Checked above: a whole number of milliseconds well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    let whole = ms.trunc() as i64;
    DateTime::from_timestamp_millis(whole).ok_or_else(|| Failure::BadTime.into())
}

/// Reads a uid.
pub(crate) fn uid(text: &str) -> Result<Uuid, CountersignError> {
    Uuid::parse_str(text.trim())
        .map_err(|_| Failure::BadUid(text.chars().take(64).collect()).into())
}

/// JSON given as a string, or as the object `JSON.parse` would make of it,
/// as a JavaScript value: the text is parsed by JavaScript's own `JSON`, so
/// the wasm carries no JSON parser.
pub(crate) fn json_value(value: &JsValue) -> Result<JsValue, CountersignError> {
    if let Some(text) = value.as_string() {
        return JSON::parse(&text).map_err(|e| {
            CountersignError::service(
                ErrorCode::BadJson,
                format!("invalid JSON: {}", js_message(&e)),
            )
        });
    }
    if !value.is_object() {
        return Err(Failure::BadArgument("expected JSON text or an object".into()).into());
    }
    Ok(value.clone())
}

/// Reads a core type from JSON given as a string or an object, through
/// serde-wasm-bindgen.
pub(crate) fn from_json<T: DeserializeOwned>(value: &JsValue) -> Result<T, CountersignError> {
    serde_wasm_bindgen::from_value(json_value(value)?).map_err(bad_json)
}

/// Reads a session from JSON given as a string or an object, keeping the
/// core's distinction between malformed JSON and an inconsistent session.
pub(crate) fn session(value: &JsValue) -> Result<LoginSession, CountersignError> {
    let value = json_value(value)?;
    Ok(LoginSession::decode(
        serde_wasm_bindgen::Deserializer::from(value),
    )?)
}

/// A core type as the plain object `JSON.parse` makes of its JSON: objects
/// for maps, `null` for nothing, numbers for numbers.
pub(crate) fn to_object<T: Serialize>(value: &T) -> JsValue {
    // The core types serialize to strings, numbers, null, lists and
    // objects with string keys, which a JavaScript value always holds.
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .unwrap_or(JsValue::NULL)
}

/// A value that could not be read as the type asked for.
fn bad_json(error: serde_wasm_bindgen::Error) -> CountersignError {
    CountersignError::service(ErrorCode::BadJson, error.to_string())
}

/// The message of a thrown JavaScript error (such as `JSON.parse`'s
/// `SyntaxError`).
fn js_message(error: &JsValue) -> String {
    error
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

/// An options object, read by hand rather than through serde: the readers
/// are a few lines each, where a serde deserializer per options type
/// weighed kilobytes of wasm.
pub(crate) struct Options {
    object: JsValue,
}

impl Options {
    /// Checks that `value` is an object holding only `known` keys (so a
    /// misspelt option is an error, not silently ignored).
    pub(crate) fn read(value: JsValue, known: &[&str]) -> Result<Self, CountersignError> {
        if !value.is_object() {
            return Err(Failure::BadArgument("expected an options object".into()).into());
        }
        let keys = Object::keys(value.unchecked_ref::<Object>());
        for key in keys.iter() {
            let key = key.as_string().unwrap_or_default();
            if !known.contains(&key.as_str()) {
                return Err(Failure::BadArgument(format!(
                    "unknown option {key:?}; expected one of {}",
                    known.join(", ")
                ))
                .into());
            }
        }
        Ok(Self { object: value })
    }

    /// An options object that may be left out (`undefined` or `null`) and
    /// then reads as empty.
    pub(crate) fn read_opt(value: JsValue, known: &[&str]) -> Result<Self, CountersignError> {
        if value.is_undefined() || value.is_null() {
            return Ok(Self {
                object: Object::new().into(),
            });
        }
        Self::read(value, known)
    }

    /// The value of `key`; `None` when absent or `undefined`/`null`.
    pub(crate) fn get(&self, key: &str) -> Option<JsValue> {
        let value = Reflect::get(&self.object, &JsValue::from_str(key)).ok()?;
        (!value.is_undefined() && !value.is_null()).then_some(value)
    }

    fn wrong(key: &str, expected: &str) -> CountersignError {
        Failure::BadArgument(format!("option {key:?} must be {expected}")).into()
    }

    /// A string that may be left out.
    pub(crate) fn opt_string(&self, key: &str) -> Result<Option<String>, CountersignError> {
        self.get(key)
            .map(|v| v.as_string().ok_or_else(|| Self::wrong(key, "a string")))
            .transpose()
    }

    /// A string that must be given.
    pub(crate) fn string(&self, key: &str) -> Result<String, CountersignError> {
        self.opt_string(key)?
            .ok_or_else(|| Failure::BadArgument(format!("option {key:?} is missing")).into())
    }

    /// A yes or no that may be left out.
    pub(crate) fn opt_bool(&self, key: &str) -> Result<Option<bool>, CountersignError> {
        self.get(key)
            .map(|v| v.as_bool().ok_or_else(|| Self::wrong(key, "true or false")))
            .transpose()
    }

    /// Bytes that may be left out: a string (its UTF-8 bytes, as `fetch`
    /// sends a string body) or a `Uint8Array` (a Node `Buffer` is one).
    pub(crate) fn opt_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, CountersignError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        if let Some(text) = value.as_string() {
            return Ok(Some(text.into_bytes()));
        }
        value
            .dyn_into::<Uint8Array>()
            .map(|bytes| Some(bytes.to_vec()))
            .map_err(|_| Self::wrong(key, "a string or a Uint8Array"))
    }

    /// A whole number from 0 to 255 that may be left out.
    #[cfg_attr(not(feature = "devices"), allow(dead_code))]
    pub(crate) fn opt_u8(&self, key: &str) -> Result<Option<u8>, CountersignError> {
        self.get(key)
            .map(|v| {
                v.as_f64()
                    .filter(|n| n.fract() == 0.0 && (0.0..=255.0).contains(n))
                    // Checked just above: a whole number in u8's range.
                    .map(|n| {
                        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                        let n = n as u8;
                        n
                    })
                    .ok_or_else(|| Self::wrong(key, "a whole number"))
            })
            .transpose()
    }

    /// Scope or permission tokens that may be left out: a list of strings,
    /// or one string of tokens separated by blanks or commas.
    pub(crate) fn opt_tokens(
        &self,
        key: &'static str,
    ) -> Result<Option<TokenSet>, CountersignError> {
        let Some(value) = self.get(key) else {
            return Ok(None);
        };
        if let Some(text) = value.as_string() {
            return Ok(Some(TokenSet::parse_list(key, &text)?));
        }
        let list = value
            .dyn_into::<Array>()
            .map_err(|_| Self::wrong(key, "a list of strings or a string"))?;
        let tokens = list
            .iter()
            .map(|t| {
                t.as_string()
                    .ok_or_else(|| Self::wrong(key, "a list of strings or a string"))
            })
            .collect::<Result<Vec<String>, _>>()?;
        Ok(Some(TokenSet::new(key, tokens)?))
    }
}

/// Builds a plain object from key-value pairs.
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

/// An optional string, `undefined` when absent.
#[cfg_attr(not(feature = "devices"), allow(dead_code))]
pub(crate) fn opt_str(value: Option<&str>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// An optional time, in milliseconds, `undefined` when absent.
#[cfg_attr(not(feature = "devices"), allow(dead_code))]
pub(crate) fn opt_ms(value: Option<DateTime<Utc>>) -> JsValue {
    value.map_or(JsValue::UNDEFINED, |t| JsValue::from_f64(ms(t)))
}
