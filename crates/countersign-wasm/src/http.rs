//! Timing for the requester's long poll: the poll's length and a sleep on
//! the global `setTimeout` (browsers, workers and Node alike). The calls
//! themselves are `countersign_browser::api::Api`'s, shared with the web app.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// How long one long poll asks the service to hold the request, in seconds.
pub(crate) const WAIT_TIMEOUT_S: u32 = 25;

/// Resolves after `ms` milliseconds, with the global `setTimeout`.
pub(crate) async fn sleep(ms: u32) {
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
