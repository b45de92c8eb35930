//! Typed calls to the countersign service from the browser, with the
//! service's refusals kept as every client reads them (core's `Refusal`:
//! the stable code and message, the status and `Retry-After`). The bodies
//! and query strings are the core's (`countersign_core::api`).

use countersign_core::api::paths;
use countersign_core::api::{
    AccountView, ApprovalView, DeviceInfo, EnrollmentInfo, ErrorBody, Invite, LookupEnrollment,
    NarrowingQuery, RedeemEnrollment, RequestAnswer, SessionList, ShortUidQuery,
    VerifiedAuthorisation, VerifyAuthorisation, WaitQuery, with_query,
};
use countersign_core::api::{AttestedStatement, PasskeyOptions, RegisterPasskey};
use countersign_core::client::{Refusal, ServiceUrl};
use countersign_core::{LoginRequest, LoginSession, Narrowing, ShortUid, SignedStatement, Status};
use js_sys::JSON;
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{AbortSignal, Request, RequestInit, Response};

use crate::error::{BrowserError, describe};
use crate::js;

mod recovery;

/// The service at a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    service: ServiceUrl,
}

impl Api {
    /// The service at `service`.
    pub fn new(service: ServiceUrl) -> Self {
        Self { service }
    }

    /// The service that served this page (in a browser window only; the
    /// calls themselves also work in workers and Node).
    pub fn same_origin() -> Result<Self, BrowserError> {
        let origin = js::window()?
            .location()
            .origin()
            .map_err(|e| BrowserError::Unsupported(describe(&e)))?;
        let service = ServiceUrl::parse(&origin).map_err(|e| {
            BrowserError::Unsupported(format!(
                "this page's origin {origin:?} is not a service: {e}"
            ))
        })?;
        Ok(Self::new(service))
    }

    /// The service, in its normal form.
    pub fn service(&self) -> &ServiceUrl {
        &self.service
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
        let url = self.service.join(path);
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
            Err(match parse::<ErrorBody>(&text) {
                Ok(body) => {
                    let retry_after = response.headers().get("retry-after").ok().flatten();
                    BrowserError::Service(Refusal::new(
                        response.status(),
                        body,
                        retry_after.as_deref(),
                    ))
                }
                Err(_) => BrowserError::BadAnswer(format!("HTTP {}", response.status())),
            })
        }
    }

    /// Asks for a login.
    pub async fn request_login(
        &self,
        request: &LoginRequest,
    ) -> Result<RequestAnswer, BrowserError> {
        self.post(paths::SESSIONS, request).await
    }

    /// One long poll: answers when the session's status is no longer
    /// `query.status`, or after about `query.timeout_s` seconds with it
    /// unchanged. `signal` aborts it.
    pub async fn wait_once(
        &self,
        uid: Uuid,
        query: &WaitQuery,
        signal: Option<&AbortSignal>,
    ) -> Result<LoginSession, BrowserError> {
        let path = with_query(&paths::session_wait(uid), &query.to_query());
        self.read(&path, signal).await
    }

    /// The seed's `load` by uid, narrowed to a scope and permissions.
    pub async fn load(
        &self,
        uid: Uuid,
        narrowing: &Narrowing,
    ) -> Result<LoginSession, BrowserError> {
        let query = NarrowingQuery::from(narrowing).to_query();
        self.read(&with_query(&paths::session(uid), &query), None)
            .await
    }

    /// The seed's `load` by short uid and status, each session narrowed.
    pub async fn load_by_short_uid(
        &self,
        short: ShortUid,
        status: Status,
        narrowing: &Narrowing,
    ) -> Result<Vec<LoginSession>, BrowserError> {
        let query = ShortUidQuery::new(short, status, narrowing).to_query();
        let found: SessionList = self
            .read(&with_query(paths::SESSIONS, &query), None)
            .await?;
        Ok(found.sessions)
    }

    /// A GET whose answer is read as `T`; `signal` aborts it. The typed
    /// part is only the last step: the call and `JSON.parse` are in
    /// [`Api::call`], once for every answer type.
    async fn read<T: DeserializeOwned>(
        &self,
        path: &str,
        signal: Option<&AbortSignal>,
    ) -> Result<T, BrowserError> {
        read_value(self.call("GET", path, None, signal).await?)
    }

    /// A POST of `body` as JSON whose answer is read as `T`.
    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &impl Serialize,
    ) -> Result<T, BrowserError> {
        let body = json_text(body)?;
        read_value(self.call("POST", path, Some(body), None).await?)
    }

    /// [`Api::send`], then `JSON.parse` of the answer.
    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        signal: Option<&AbortSignal>,
    ) -> Result<JsValue, BrowserError> {
        let text = self.send(method, path, body, signal).await?;
        JSON::parse(&text).map_err(|e| BrowserError::BadAnswer(describe(&e)))
    }

    /// What the approval page shows for a pending session.
    pub async fn approval(&self, short_uid: ShortUid) -> Result<ApprovalView, BrowserError> {
        self.read(&paths::approval(short_uid), None).await
    }

    /// A session by uid, as the service keeps it; `signal` aborts the call.
    pub async fn session(
        &self,
        uid: Uuid,
        signal: Option<&AbortSignal>,
    ) -> Result<LoginSession, BrowserError> {
        self.read(&paths::session(uid), signal).await
    }

    /// Submits a signed approve, deny, suspicious or logout statement.
    pub async fn act(
        &self,
        uid: Uuid,
        signed: &SignedStatement,
    ) -> Result<LoginSession, BrowserError> {
        self.post(&paths::session_statements(uid), signed).await
    }

    /// Who an enrollment link is for. The token goes in the body: no URL
    /// the service or a proxy logs holds it.
    pub async fn enrollment(&self, token: &str) -> Result<EnrollmentInfo, BrowserError> {
        let body = LookupEnrollment {
            token: token.to_owned(),
        };
        self.post(paths::ENROLLMENT_LOOKUP, &body).await
    }

    /// Enrolls a device with a one-time link's token (in the body).
    pub async fn enroll(
        &self,
        token: &str,
        proof: &SignedStatement,
    ) -> Result<DeviceInfo, BrowserError> {
        let body = RedeemEnrollment {
            token: token.to_owned(),
            proof: proof.clone(),
        };
        self.post(paths::ENROLLMENT_REDEEM, &body).await
    }

    /// A fresh enrollment link for another device of the signer's user.
    pub async fn invite(&self, signed: &SignedStatement) -> Result<Invite, BrowserError> {
        self.post(paths::ENROLLMENTS, signed).await
    }

    /// Submits a statement about a session, with its passkey's assertion
    /// when it has one.
    pub async fn act_attested(
        &self,
        uid: Uuid,
        attested: &AttestedStatement,
    ) -> Result<LoginSession, BrowserError> {
        self.post(&paths::session_statements(uid), attested).await
    }

    /// [`Api::invite`] with the passkey's assertion, if any.
    pub async fn invite_attested(
        &self,
        attested: &AttestedStatement,
    ) -> Result<Invite, BrowserError> {
        self.post(paths::ENROLLMENTS, attested).await
    }

    /// Asks for the options of a new passkey with a signed
    /// `register_passkey` statement.
    pub async fn passkey_options(
        &self,
        signed: &SignedStatement,
    ) -> Result<PasskeyOptions, BrowserError> {
        self.post(paths::PASSKEY_OPTIONS, signed).await
    }

    /// Hands the service a device's new passkey.
    pub async fn register_passkey(
        &self,
        body: &RegisterPasskey,
    ) -> Result<DeviceInfo, BrowserError> {
        self.post(paths::PASSKEYS, body).await
    }

    /// Asks the service to check an authorisation token for a resource
    /// (and, with `once`, to record its nonce so that it is accepted once).
    pub async fn verify_authorisation(
        &self,
        request: &VerifyAuthorisation,
    ) -> Result<VerifiedAuthorisation, BrowserError> {
        self.post(paths::VERIFY_AUTHORISATION, request).await
    }

    /// The signer's devices and sessions: the first page of
    /// [`Api::account_page`].
    pub async fn account(&self, signed: &SignedStatement) -> Result<AccountView, BrowserError> {
        self.post(paths::ACCOUNT, signed).await
    }
}

/// Reads JSON text: JavaScript's own `JSON` parses it and serde-wasm-bindgen
/// reads the value, so the wasm carries no JSON parser.
fn parse<T: DeserializeOwned>(text: &str) -> Result<T, BrowserError> {
    read_value(JSON::parse(text).map_err(|e| BrowserError::BadAnswer(describe(&e)))?)
}

/// An answer's parsed JSON read as `T` by serde-wasm-bindgen.
fn read_value<T: DeserializeOwned>(value: JsValue) -> Result<T, BrowserError> {
    serde_wasm_bindgen::from_value(value).map_err(|e| BrowserError::BadAnswer(e.to_string()))
}

/// A body as JSON text, written by JavaScript's own `JSON` from the value
/// serde-wasm-bindgen makes (objects for maps, `null` for nothing, as
/// serde_json would write them).
fn json_text(body: &impl Serialize) -> Result<String, BrowserError> {
    let value = body
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| BrowserError::Invalid(e.to_string()))?;
    JSON::stringify(&value)
        .map(String::from)
        .map_err(|e| BrowserError::Invalid(describe(&e)))
}
