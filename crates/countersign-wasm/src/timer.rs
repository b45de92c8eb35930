//! A pause for the requester's wait and the session watch: a sleep on the
//! global `setTimeout`, so that it works in browsers, workers and Node
//! alike. How long to pause is the core's `Waiting` and `Polling`; the
//! calls themselves are `countersign_browser`'s.

use core::time::Duration;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The longest delay `setTimeout` takes as it is.
const MAX_TIMEOUT_MS: u32 = 0x7fff_ffff;

/// Resolves after `pause`, with the global `setTimeout`. A pause beyond
/// `setTimeout`'s limit (2^31 - 1 ms, about 24 days), which it would read
/// as no pause at all, is cut to that limit.
pub(crate) async fn sleep(pause: Duration) {
    let ms = u32::try_from(pause.as_millis()).map_or(MAX_TIMEOUT_MS, |ms| ms.min(MAX_TIMEOUT_MS));
    let promise = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout = Reflect::get(&global, &JsValue::from_str("setTimeout"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok());
        match set_timeout {
            Some(set_timeout) => {
                let _ = set_timeout.call2(&global, &resolve, &JsValue::from(ms));
            }
            None => {
                let _ = resolve.call0(&JsValue::NULL);
            }
        }
    });
    let _ = JsFuture::from(promise).await;
}
