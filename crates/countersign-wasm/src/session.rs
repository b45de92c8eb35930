//! `LoginSession` for JavaScript: the core session, its plain data as
//! getters in JavaScript naming (`shortUid`, `deviceUid`, `loginTimeMs`),
//! times as milliseconds since the epoch, and the seed's operations under
//! the seed's own names (`short_uid()`, `login_time()`, ...) as aliases.

use countersign_browser::api::Api;
use countersign_core as cs;
use countersign_core::client::ServiceUrl;
use wasm_bindgen::prelude::*;

use crate::convert::{self, Options, ms};
use crate::error::CountersignError;

/// A login session as the service keeps it.
///
/// Read one from the service's JSON with `LoginSession.fromJson`, or get one
/// from `requestLogin(...).approved`, `approve(...)` and the like. Plain
/// data are getters; times are `...Ms` numbers, milliseconds since the
/// epoch, `undefined` when absent. The seed's operations keep their names
/// as methods that give the same values (`short_uid()` is `shortUid`,
/// `login_time()` is `loginTimeMs`, ...), for code written against the seed.
#[wasm_bindgen(js_name = LoginSession)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginSession {
    inner: cs::LoginSession,
}

impl From<cs::LoginSession> for LoginSession {
    fn from(inner: cs::LoginSession) -> Self {
        Self { inner }
    }
}

impl LoginSession {
    /// The core session.
    pub fn inner(&self) -> &cs::LoginSession {
        &self.inner
    }
}

// `CountersignError.session` is here, with the class it answers, rather
// than in `error.rs`: every file here reports `CountersignError`s, this one
// included, so the error must not need this file back.
#[wasm_bindgen(js_class = CountersignError)]
impl CountersignError {
    /// The session the error is about, where there is one: the denied,
    /// suspicious or expired session a wait ended with.
    #[wasm_bindgen(getter, js_name = session)]
    pub fn session(&self) -> Option<LoginSession> {
        self.session_about().cloned().map(LoginSession::from)
    }
}

#[wasm_bindgen(js_class = LoginSession)]
impl LoginSession {
    /// Reads a session from the service's JSON, given as text or as the
    /// parsed object; refuses anything malformed or inconsistent.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "LoginSessionJson | string")] json: JsValue,
    ) -> Result<LoginSession, CountersignError> {
        Ok(convert::session(&json)?.into())
    }

    /// The seed's `load` by uid: the session from the service, narrowed to
    /// a scope and permissions that must lie inside what it was granted.
    #[wasm_bindgen(js_name = load)]
    pub async fn load(
        #[wasm_bindgen(unchecked_param_type = "LoadOptions")] options: JsValue,
    ) -> Result<LoginSession, CountersignError> {
        let options = Options::read(options, &["server", "uid", "scope", "permissions"])?;
        let uid = convert::uid(&options.string("uid")?)?;
        let narrowing = narrowing(&options)?;
        let api = Api::new(ServiceUrl::parse(&options.string("server")?)?);
        Ok(api.load(uid, &narrowing).await?.into())
    }

    /// The seed's `load` by short uid and status: every matching session
    /// (a list, never empty), each narrowed as for `load`.
    #[wasm_bindgen(js_name = loadByShortUid)]
    pub async fn load_by_short_uid(
        #[wasm_bindgen(unchecked_param_type = "LoadByShortUidOptions")] options: JsValue,
    ) -> Result<Vec<LoginSession>, CountersignError> {
        let options = Options::read(
            options,
            &["server", "shortUid", "status", "scope", "permissions"],
        )?;
        let short = cs::ShortUid::parse(&options.string("shortUid")?)?;
        let status: cs::Status = options.string("status")?.parse()?;
        let narrowing = narrowing(&options)?;
        let api = Api::new(ServiceUrl::parse(&options.string("server")?)?);
        let found = api.load_by_short_uid(short, status, &narrowing).await?;
        Ok(found.into_iter().map(LoginSession::from).collect())
    }

    /// The session as the service's JSON (what `JSON.stringify` writes).
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "LoginSessionJson")]
    pub fn to_json(&self) -> JsValue {
        convert::to_object(&self.inner)
    }

    /// The session uid.
    #[wasm_bindgen(getter, js_name = uid)]
    pub fn uid(&self) -> String {
        self.inner.uid().to_string()
    }

    /// The short id people type: `xx.xx.xx.xx`.
    #[wasm_bindgen(getter, js_name = shortUid)]
    pub fn short_uid(&self) -> String {
        self.inner.short_uid().to_string()
    }

    /// The URL that shows the login on the service at `base`:
    /// `{base}/s?id=xx.xx.xx.xx`. A method, as it takes the service.
    #[wasm_bindgen(js_name = loginUrl)]
    pub fn login_url(&self, base: &str) -> String {
        self.inner.login_url(base)
    }

    /// Who the login is for.
    #[wasm_bindgen(getter, js_name = username)]
    pub fn username(&self) -> String {
        self.inner.username().as_str().to_owned()
    }

    /// The username in URL-safe base64 without padding, safe in keys and
    /// paths.
    #[wasm_bindgen(getter, js_name = encodedUsername)]
    pub fn encoded_username(&self) -> String {
        self.inner.encoded_username()
    }

    /// The address the service saw the request come from.
    #[wasm_bindgen(getter, js_name = requestSource)]
    pub fn request_source(&self) -> String {
        self.inner.request_source().to_string()
    }

    /// The device that approved, once approved.
    #[wasm_bindgen(getter, js_name = deviceUid)]
    pub fn device_uid(&self) -> Option<String> {
        self.inner.device_uid().map(|u| u.to_string())
    }

    /// When it was approved (logged in), or `undefined`.
    #[wasm_bindgen(getter, js_name = loginTimeMs)]
    pub fn login_time_ms(&self) -> Option<f64> {
        self.inner.login_time().map(ms)
    }

    /// When an approved login ends (its lifetime after the approval), or
    /// `undefined` if it was never approved.
    #[wasm_bindgen(getter, js_name = loginExpiresAtMs)]
    pub fn login_expires_at_ms(&self) -> Option<f64> {
        self.inner.login_expires_at().map(ms)
    }

    /// Whether the request was cancelled by its requester: logged out
    /// without ever having been approved.
    #[wasm_bindgen(getter, js_name = wasCancelled)]
    pub fn was_cancelled(&self) -> bool {
        self.inner.was_cancelled()
    }

    /// When it was logged out, or `undefined`.
    #[wasm_bindgen(getter, js_name = logoutTimeMs)]
    pub fn logout_time_ms(&self) -> Option<f64> {
        self.inner.logout_time().map(ms)
    }

    /// `pending`, `approved`, `denied`, `suspicious`, `expired` or
    /// `logged_out`, as stored.
    #[wasm_bindgen(getter, unchecked_return_type = "Status", js_name = status)]
    pub fn status(&self) -> String {
        self.inner.status().as_str().to_owned()
    }

    /// The status at `nowMs`: a pending session whose time ran out counts
    /// as `expired`.
    #[wasm_bindgen(js_name = statusAt, unchecked_return_type = "Status")]
    pub fn status_at(
        &self,
        #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
    ) -> Result<String, CountersignError> {
        let now = convert::from_ms(now_ms)?;
        Ok(self.inner.status_at(now).as_str().to_owned())
    }

    /// When the request was made.
    #[wasm_bindgen(getter, js_name = requestedAtMs)]
    pub fn requested_at_ms(&self) -> f64 {
        ms(self.inner.request_datetime())
    }

    /// When a pending session stops being approvable.
    #[wasm_bindgen(getter, js_name = expiresAtMs)]
    pub fn expires_at_ms(&self) -> f64 {
        ms(self.inner.expires_at())
    }

    /// When the status last changed.
    #[wasm_bindgen(getter, js_name = statusChangedAtMs)]
    pub fn status_changed_at_ms(&self) -> f64 {
        ms(self.inner.status_datetime())
    }

    /// The hostname the requester claims.
    #[wasm_bindgen(getter, js_name = hostname)]
    pub fn hostname(&self) -> Option<String> {
        self.inner.hostname().map(str::to_owned)
    }

    /// The requester's message to the approver.
    #[wasm_bindgen(getter, js_name = loginMessage)]
    pub fn login_message(&self) -> Option<String> {
        self.inner.login_message().map(str::to_owned)
    }

    /// The scope asked for, sorted.
    #[wasm_bindgen(getter, js_name = scope)]
    pub fn scope(&self) -> Vec<String> {
        tokens(self.inner.scope())
    }

    /// The permissions asked for, sorted.
    #[wasm_bindgen(getter, js_name = permissions)]
    pub fn permissions(&self) -> Vec<String> {
        tokens(self.inner.permissions())
    }

    /// The scope granted: what was asked once approved, else nothing.
    #[wasm_bindgen(getter, js_name = grantedScope)]
    pub fn granted_scope(&self) -> Vec<String> {
        tokens(&self.inner.granted_scope())
    }

    /// The permissions granted: as for `grantedScope`.
    #[wasm_bindgen(getter, js_name = grantedPermissions)]
    pub fn granted_permissions(&self) -> Vec<String> {
        tokens(&self.inner.granted_permissions())
    }

    /// The requester's session key, until denied or logged out.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> Option<String> {
        self.inner.public_key().map(cs::PublicKey::to_text)
    }

    /// The requester's signing key, until denied or logged out.
    #[wasm_bindgen(getter, js_name = publicCertificate)]
    pub fn public_certificate(&self) -> Option<String> {
        self.inner.public_cert().map(cs::PublicKey::to_text)
    }

    /// The user who approved, once approved.
    #[wasm_bindgen(getter, js_name = userUid)]
    pub fn user_uid(&self) -> Option<String> {
        self.inner.user_uid().map(|u| u.to_string())
    }

    /// Why a denied session was denied, when the approver did not simply
    /// refuse it: `wrong_code` when the approver typed another code than
    /// the one the requester shows; `undefined` otherwise.
    #[wasm_bindgen(getter, js_name = denyReason)]
    pub fn deny_reason(&self) -> Option<String> {
        self.inner.deny_reason().map(|r| r.as_str().to_owned())
    }

    /// The digest of what the approver is shown, which every statement
    /// about the session carries; `undefined` once the keys are cleared.
    #[wasm_bindgen(getter, js_name = detailsDigest)]
    pub fn details_digest(&self) -> Option<String> {
        self.inner.details_digest().map(|d| d.to_text())
    }
}

/// The seed's operations under the seed's names, for code written against
/// it. Each gives the same value as the getter it names; the getters are
/// the package's own convention.
#[wasm_bindgen(js_class = LoginSession)]
impl LoginSession {
    /// The seed's `short_uid()`: the same as `shortUid`.
    #[wasm_bindgen(js_name = short_uid)]
    pub fn seed_short_uid(&self) -> String {
        self.short_uid()
    }

    /// The seed's `login_url()`: the same as `loginUrl(base)`.
    #[wasm_bindgen(js_name = login_url)]
    pub fn seed_login_url(&self, base: &str) -> String {
        self.login_url(base)
    }

    /// The seed's `encoded_username()`: the same as `encodedUsername`.
    #[wasm_bindgen(js_name = encoded_username)]
    pub fn seed_encoded_username(&self) -> String {
        self.encoded_username()
    }

    /// The seed's `request_source()`: the same as `requestSource`.
    #[wasm_bindgen(js_name = request_source)]
    pub fn seed_request_source(&self) -> String {
        self.request_source()
    }

    /// The seed's `device_uid()`: the same as `deviceUid`.
    #[wasm_bindgen(js_name = device_uid)]
    pub fn seed_device_uid(&self) -> Option<String> {
        self.device_uid()
    }

    /// The seed's `login_time()`: the same as `loginTimeMs`, in
    /// milliseconds since the epoch.
    #[wasm_bindgen(js_name = login_time)]
    pub fn seed_login_time(&self) -> Option<f64> {
        self.login_time_ms()
    }

    /// The seed's `logout_time()`: the same as `logoutTimeMs`, in
    /// milliseconds since the epoch.
    #[wasm_bindgen(js_name = logout_time)]
    pub fn seed_logout_time(&self) -> Option<f64> {
        self.logout_time_ms()
    }
}

fn tokens(set: &cs::TokenSet) -> Vec<String> {
    set.iter().map(str::to_owned).collect()
}

fn narrowing(options: &Options) -> Result<cs::Narrowing, CountersignError> {
    Ok(cs::Narrowing {
        scope: options.opt_tokens("scope")?,
        permissions: options.opt_tokens("permissions")?,
    })
}
