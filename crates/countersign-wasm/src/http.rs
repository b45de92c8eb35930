//! The requester's calls to the service that `countersign_browser::api::Api`
//! does not make (asking for a login, the long poll, the seed's `load`),
//! with the same error handling: the service's stable code and message, or a
//! network failure. `fetch` comes from the global object, so this works in
//! browsers, workers and Node alike.

use countersign_browser::BrowserError;
use countersign_core::api::{ErrorBody, RequestAnswer};
use countersign_core::{LoginRequest, LoginSession, Narrowing, ShortUid, Status, TokenSet};
use js_sys::{Function, Promise, Reflect};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, Request, RequestInit, Response};

/// How long one long poll asks the service to hold the request, in seconds.
pub(crate) const WAIT_TIMEOUT_S: u32 = 25;

fn describe(value: &JsValue) -> String {
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        return String::from(error.message());
    }
    value.as_string().unwrap_or_else(|| "unknown error".into())
}

async fn wait(promise: Promise) -> Result<JsValue, BrowserError> {
    JsFuture::from(promise)
        .await
        .map_err(|e| BrowserError::Network(describe(&e)))
}

/// Calls `url` and reads its JSON answer, or the service's error.
async fn call<T: DeserializeOwned>(
    method: &str,
    url: &str,
    body: Option<String>,
    signal: Option<&AbortSignal>,
) -> Result<T, BrowserError> {
    let text = fetch_text(method, url, body, signal).await?;
    serde_json::from_str(&text).map_err(|e| BrowserError::BadAnswer(e.to_string()))
}

/// Calls `url` and answers with the text of a successful answer, or the
/// service's error. Not generic, so that its code is in the module once.
async fn fetch_text(
    method: &str,
    url: &str,
    body: Option<String>,
    signal: Option<&AbortSignal>,
) -> Result<String, BrowserError> {
    let init = RequestInit::new();
    init.set_method(method);
    if let Some(body) = &body {
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(signal) = signal {
        init.set_signal(Some(signal));
    }
    let request = Request::new_with_str_and_init(url, &init)
        .map_err(|e| BrowserError::Invalid(describe(&e)))?;
    if body.is_some() {
        request
            .headers()
            .set("content-type", "application/json")
            .map_err(|e| BrowserError::Invalid(describe(&e)))?;
    }
    let global = js_sys::global();
    let fetch = Reflect::get(&global, &JsValue::from_str("fetch"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| BrowserError::Unsupported("no fetch".into()))?;
    let promise = fetch
        .call1(&global, &request)
        .map_err(|e| BrowserError::Network(describe(&e)))?
        .dyn_into::<Promise>()
        .map_err(|_| BrowserError::Unsupported("fetch did not return a promise".into()))?;
    let response: Response = wait(promise)
        .await?
        .dyn_into()
        .map_err(|_| BrowserError::BadAnswer("not a response".into()))?;
    let text = response
        .text()
        .map_err(|e| BrowserError::BadAnswer(describe(&e)))?;
    let text = wait(text).await?.as_string().unwrap_or_default();
    if response.ok() {
        Ok(text)
    } else {
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => BrowserError::Service {
                status: response.status(),
                code: body.error.code,
                message: body.error.message,
            },
            Err(_) => BrowserError::BadAnswer(format!("HTTP {}", response.status())),
        })
    }
}

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// Asks the service at `base` for a login.
pub(crate) async fn request(
    base: &str,
    request: &LoginRequest,
) -> Result<RequestAnswer, BrowserError> {
    let body = serde_json::to_string(request).map_err(|e| BrowserError::Invalid(e.to_string()))?;
    call("POST", &format!("{base}/api/sessions"), Some(body), None).await
}

/// One long poll: answers when the session is no longer pending, or after
/// about [`WAIT_TIMEOUT_S`] seconds with the session still pending.
pub(crate) async fn wait_once(
    base: &str,
    uid: Uuid,
    signal: &AbortSignal,
) -> Result<LoginSession, BrowserError> {
    let url = format!(
        "{base}/api/sessions/{uid}/wait?status={}&timeout_s={WAIT_TIMEOUT_S}",
        Status::Pending
    );
    call("GET", &url, None, Some(signal)).await
}

fn narrowing_query(narrowing: &Narrowing) -> String {
    let part = |name: &str, set: &Option<TokenSet>| {
        set.as_ref()
            .map(|s| format!("&{name}={}", encode(&s.joined())))
            .unwrap_or_default()
    };
    format!(
        "{}{}",
        part("scope", &narrowing.scope),
        part("permissions", &narrowing.permissions)
    )
}

/// The seed's `load` by uid, narrowed.
pub(crate) async fn load(
    base: &str,
    uid: Uuid,
    narrowing: &Narrowing,
) -> Result<LoginSession, BrowserError> {
    let query = narrowing_query(narrowing);
    let url = format!(
        "{base}/api/sessions/{uid}?{}",
        query.trim_start_matches('&')
    );
    call("GET", url.trim_end_matches('?'), None, None).await
}

#[derive(Deserialize)]
struct Sessions {
    sessions: Vec<LoginSession>,
}

/// The seed's `load` by short uid and status, narrowed.
pub(crate) async fn load_by_short_uid(
    base: &str,
    short: ShortUid,
    status: Status,
    narrowing: &Narrowing,
) -> Result<Vec<LoginSession>, BrowserError> {
    let url = format!(
        "{base}/api/sessions?short_uid={short}&status={status}{}",
        narrowing_query(narrowing)
    );
    let found: Sessions = call("GET", &url, None, None).await?;
    Ok(found.sessions)
}

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
