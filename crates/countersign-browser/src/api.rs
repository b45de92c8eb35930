//! Typed calls to the countersign service from the browser, with the
//! service's errors kept as stable codes and messages.

use countersign_core::api::{
    AccountView, ApprovalView, DeviceInfo, EnrollmentInfo, ErrorBody, Invite, RequestAnswer,
};
use countersign_core::{
    LoginRequest, LoginSession, Narrowing, ShortUid, SignedStatement, Status, TokenSet,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Request, RequestInit, Response};

use crate::error::{BrowserError, describe};
use crate::js;

/// The service at an origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    base: String,
}

impl Api {
    /// The service at `base`, such as `https://cs.example`.
    pub fn new(base: &str) -> Self {
        Self {
            base: base.trim_end_matches('/').to_owned(),
        }
    }

    /// The service that served this page (in a browser window only; the
    /// calls themselves also work in workers and Node).
    pub fn same_origin() -> Result<Self, BrowserError> {
        let origin = js::window()?
            .location()
            .origin()
            .map_err(|e| BrowserError::Unsupported(describe(&e)))?;
        Ok(Self::new(&origin))
    }

    /// The service's origin.
    pub fn base(&self) -> &str {
        &self.base
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
    ) -> Result<T, BrowserError> {
        let text = self.send(method, path, body, None).await?;
        serde_json::from_str(&text).map_err(|e| BrowserError::BadAnswer(e.to_string()))
    }

    /// Sends one request and answers with the text of a successful answer,
    /// or the service's error. Not generic, so its code is in a module once.
    async fn send(
        &self,
        method: &str,
        path: &str,
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
        let url = format!("{}{path}", self.base);
        let request = Request::new_with_str_and_init(&url, &init)
            .map_err(|e| BrowserError::Invalid(describe(&e)))?;
        if body.is_some() {
            request
                .headers()
                .set("content-type", "application/json")
                .map_err(|e| BrowserError::Invalid(describe(&e)))?;
        }
        let response = js::wait(js::fetch(&request)?, BrowserError::Network).await?;
        let response: Response = response
            .dyn_into()
            .map_err(|_| BrowserError::BadAnswer("not a response".into()))?;
        let text = response
            .text()
            .map_err(|e| BrowserError::BadAnswer(describe(&e)))?;
        let text = js::wait(text, BrowserError::Network)
            .await?
            .as_string()
            .unwrap_or_default();
        if response.ok() {
            Ok(text)
        } else {
            Err(match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => BrowserError::Service {
                    status: response.status(),
                    code: body.error.code.to_string(),
                    message: body.error.message,
                },
                Err(_) => BrowserError::BadAnswer(format!("HTTP {}", response.status())),
            })
        }
    }

    /// Asks for a login.
    pub async fn request_login(
        &self,
        request: &LoginRequest,
    ) -> Result<RequestAnswer, BrowserError> {
        self.post("/api/sessions", request).await
    }

    /// One long poll: answers when the session's status is no longer `seen`,
    /// or after about `timeout_s` seconds with it unchanged. `signal` aborts it.
    pub async fn wait_once(
        &self,
        uid: Uuid,
        seen: Status,
        timeout_s: u32,
        signal: Option<&AbortSignal>,
    ) -> Result<LoginSession, BrowserError> {
        let path = format!("/api/sessions/{uid}/wait?status={seen}&timeout_s={timeout_s}");
        let text = self.send("GET", &path, None, signal).await?;
        serde_json::from_str(&text).map_err(|e| BrowserError::BadAnswer(e.to_string()))
    }

    /// The seed's `load` by uid, narrowed to a scope and permissions.
    pub async fn load(
        &self,
        uid: Uuid,
        narrowing: &Narrowing,
    ) -> Result<LoginSession, BrowserError> {
        let query = narrowing_query(narrowing);
        let path = format!("/api/sessions/{uid}?{}", query.trim_start_matches('&'));
        self.call("GET", path.trim_end_matches('?'), None).await
    }

    /// The seed's `load` by short uid and status, each session narrowed.
    pub async fn load_by_short_uid(
        &self,
        short: ShortUid,
        status: Status,
        narrowing: &Narrowing,
    ) -> Result<Vec<LoginSession>, BrowserError> {
        #[derive(serde::Deserialize)]
        struct Sessions {
            sessions: Vec<LoginSession>,
        }
        let path = format!(
            "/api/sessions?short_uid={short}&status={status}{}",
            narrowing_query(narrowing)
        );
        let found: Sessions = self.call("GET", &path, None).await?;
        Ok(found.sessions)
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, BrowserError> {
        let body = serde_json::to_string(body).map_err(|e| BrowserError::Invalid(e.to_string()))?;
        self.call("POST", path, Some(body)).await
    }

    /// What the approval page shows for a pending session.
    pub async fn approval(&self, short_uid: ShortUid) -> Result<ApprovalView, BrowserError> {
        self.call("GET", &format!("/api/approvals/{short_uid}"), None)
            .await
    }

    /// A session by uid.
    pub async fn session(&self, uid: Uuid) -> Result<LoginSession, BrowserError> {
        self.call("GET", &format!("/api/sessions/{uid}"), None)
            .await
    }

    /// Submits a signed approve, deny, suspicious or logout statement.
    pub async fn act(
        &self,
        uid: Uuid,
        signed: &SignedStatement,
    ) -> Result<LoginSession, BrowserError> {
        self.post(&format!("/api/sessions/{uid}/statements"), signed)
            .await
    }

    /// Who an enrollment link is for.
    pub async fn enrollment(&self, token: &str) -> Result<EnrollmentInfo, BrowserError> {
        self.call("GET", &format!("/api/enrollments/{}", encode(token)), None)
            .await
    }

    /// Enrolls a device with a one-time link's token.
    pub async fn enroll(
        &self,
        token: &str,
        proof: &SignedStatement,
    ) -> Result<DeviceInfo, BrowserError> {
        self.post(&format!("/api/enrollments/{}", encode(token)), proof)
            .await
    }

    /// A fresh enrollment link for another device of the signer's user.
    pub async fn invite(&self, signed: &SignedStatement) -> Result<Invite, BrowserError> {
        self.post("/api/enrollments", signed).await
    }

    /// Revokes a device.
    pub async fn revoke(&self, signed: &SignedStatement) -> Result<DeviceInfo, BrowserError> {
        self.post("/api/devices/revoke", signed).await
    }

    /// The signer's devices and sessions.
    pub async fn account(&self, signed: &SignedStatement) -> Result<AccountView, BrowserError> {
        self.post("/api/account", signed).await
    }
}

/// `&scope=...&permissions=...` for the parts of `narrowing` that are set.
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

/// Percent-encodes a path segment (tokens are base64url, so this only
/// guards against a hand-edited link).
fn encode(segment: &str) -> String {
    String::from(js_sys::encode_uri_component(segment))
}
