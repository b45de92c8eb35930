//! Small helpers over js-sys: awaiting promises, reading and writing object
//! properties, copying byte buffers, calling `fetch`.

use js_sys::{Function, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::error::{BrowserError, describe};

/// Awaits a promise, turning a rejection into `make(description)`.
pub(crate) async fn wait(
    promise: js_sys::Promise,
    make: fn(String) -> BrowserError,
) -> Result<JsValue, BrowserError> {
    JsFuture::from(promise)
        .await
        .map_err(|e| make(describe(&e)))
}

/// Reads `object[key]`.
pub(crate) fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Reads `object[key]` as a string.
pub(crate) fn get_string(object: &JsValue, key: &str) -> Option<String> {
    get(object, key).as_string()
}

/// Reads `object[key]` as an instance of `T`.
pub(crate) fn get_as<T: JsCast>(object: &JsValue, key: &str) -> Option<T> {
    get(object, key).dyn_into::<T>().ok()
}

/// Builds a plain object from key-value pairs.
pub(crate) fn object(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (key, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object
}

/// Copies a JavaScript buffer (ArrayBuffer or view) into exactly `N` bytes.
pub(crate) fn bytes<const N: usize>(value: &JsValue, what: &str) -> Result<[u8; N], BrowserError> {
    let array = Uint8Array::new(value);
    let mut out = [0u8; N];
    if array.length() as usize != N {
        return Err(BrowserError::BadAnswer(format!(
            "{what} has {} bytes, expected {N}",
            array.length()
        )));
    }
    array.copy_to(&mut out);
    Ok(out)
}

/// Copies bytes into a new `Uint8Array`.
pub(crate) fn uint8(bytes: &[u8]) -> Uint8Array {
    Uint8Array::from(bytes)
}

/// Calls the global `fetch` with `request`. It is taken from the global
/// object rather than from `window`, so that calls to the service also work
/// where there is no window: in workers and in Node.
pub(crate) fn fetch(request: &web_sys::Request) -> Result<Promise, BrowserError> {
    let global = js_sys::global();
    let fetch: Function =
        get_as(&global, "fetch").ok_or_else(|| BrowserError::Unsupported("no fetch".into()))?;
    fetch
        .call1(&global, request)
        .map_err(|e| BrowserError::Network(describe(&e)))?
        .dyn_into::<Promise>()
        .map_err(|_| BrowserError::Unsupported("fetch did not return a promise".into()))
}

/// The browser's window.
pub(crate) fn window() -> Result<web_sys::Window, BrowserError> {
    web_sys::window().ok_or_else(|| BrowserError::Unsupported("no window".into()))
}
