//! Approving from a web app with a device key held in this browser. These
//! are the web app's own key store and service calls
//! (`countersign_browser::keys` and `countersign_browser::api::Api`), not a
//! copy of them; they need IndexedDB and WebCrypto, so they work in browsers
//! and not in Node.

use countersign_browser::BrowserError;
use countersign_browser::api::Api;
use countersign_browser::flows;
use countersign_browser::keys::{self, Backend};
use countersign_core::api::{AccountView, ApprovalView, DeviceInfo, RevokeAnswer};
use countersign_core::client::{Decision, EnrollmentLink, LinkError, LoginLink, ServiceUrl};
use countersign_core::{DeviceName, VerificationCode};
use wasm_bindgen::prelude::*;

use crate::convert::{self, Options, ms, object, opt_ms};
use crate::error::{CountersignError, Failure};
use crate::session::LoginSession;

pub mod recovery;

pub use recovery::cancel_revocation;

/// The class's earlier name, for TypeScript (declared here, as the class
/// exists only with the `devices` feature).
#[wasm_bindgen(typescript_custom_section)]
const DEVICE_ALIAS: &str = r#"
/** @deprecated The class is `DeviceKey`: a key kept in this browser. */
export type Device = DeviceKey;
"#;

/// A device key kept in this browser: everything but the private half,
/// which page scripts cannot read. (A device as the service registered it
/// is a `DeviceInfo`, a plain object.)
#[wasm_bindgen(js_name = DeviceKey)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceKey {
    inner: keys::DeviceKey,
}

#[wasm_bindgen(js_class = DeviceKey)]
impl DeviceKey {
    /// The device uid.
    #[wasm_bindgen(getter, js_name = deviceUid)]
    pub fn device_uid(&self) -> String {
        self.inner.device_uid.to_string()
    }

    /// Its user's uid.
    #[wasm_bindgen(getter, js_name = userUid)]
    pub fn user_uid(&self) -> String {
        self.inner.user_uid.to_string()
    }

    /// Its user's name.
    #[wasm_bindgen(getter, js_name = username)]
    pub fn username(&self) -> String {
        self.inner.username.clone()
    }

    /// The service it is registered with.
    #[wasm_bindgen(getter, js_name = server)]
    pub fn server(&self) -> String {
        self.inner.server.to_string()
    }

    /// The name its owner gave it.
    #[wasm_bindgen(getter, js_name = name)]
    pub fn name(&self) -> String {
        self.inner.name.as_str().to_owned()
    }

    /// Its public key, in the text encoding.
    #[wasm_bindgen(getter, js_name = publicKey)]
    pub fn public_key(&self) -> String {
        self.inner.public_key.to_text()
    }

    /// The fingerprint people compare by eye.
    #[wasm_bindgen(getter, js_name = fingerprint)]
    pub fn fingerprint(&self) -> String {
        self.inner.public_key.fingerprint().to_text()
    }

    /// `webcrypto` (a non-extractable WebCrypto key) or `wrapped` (a key
    /// made in wasm, sealed by a non-extractable AES-GCM key, where the
    /// browser lacks WebCrypto Ed25519: weaker, since any script of the
    /// page's origin can have WebCrypto decrypt the seed with that key).
    #[wasm_bindgen(getter, unchecked_return_type = "'webcrypto' | 'wrapped'", js_name = backend)]
    pub fn backend(&self) -> String {
        match self.inner.backend {
            Backend::WebCrypto => "webcrypto",
            Backend::Wrapped => "wrapped",
        }
        .to_owned()
    }

    /// The public parts as a plain object.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "DeviceKeyJson")]
    pub fn to_json(&self) -> JsValue {
        object(&[
            ("deviceUid", self.device_uid().into()),
            ("userUid", self.user_uid().into()),
            ("username", self.username().into()),
            ("server", self.server().into()),
            ("name", self.name().into()),
            ("publicKey", self.public_key().into()),
            ("backend", self.backend().into()),
        ])
    }
}

/// Reads a login URL, `{service}/s?id=xx.xx.xx.xx`: a bad short id keeps
/// the service's code for it, anything else is not a login URL.
fn login_link(text: &str) -> Result<LoginLink, CountersignError> {
    LoginLink::parse(text).map_err(|error| match error {
        LinkError::ShortUid(error) => error.into(),
        other => Failure::NotLoginUrl(other).into(),
    })
}

/// Reads an optional `server` option.
fn opt_service(options: &Options) -> Result<Option<ServiceUrl>, CountersignError> {
    Ok(options
        .opt_string("server")?
        .map(|text| ServiceUrl::parse(&text))
        .transpose()?)
}

/// A registered device as the `DeviceInfo` of the declarations.
fn device_info(device: &DeviceInfo) -> JsValue {
    object(&[
        ("uid", device.uid.to_string().into()),
        ("userUid", device.user_uid.to_string().into()),
        ("name", device.name.as_str().into()),
        ("publicKey", device.public_key.to_text().into()),
        ("createdAtMs", ms(device.created_at).into()),
        ("revokedAtMs", opt_ms(device.revoked_at)),
    ])
}

/// Makes a device key in this browser and registers it with a one-time
/// enrollment link (as the admin command or `inviteDevice` made it). If the
/// service refuses, the key is forgotten again.
#[wasm_bindgen(js_name = enrollDevice)]
pub async fn enroll_device(
    #[wasm_bindgen(unchecked_param_type = "EnrollDeviceOptions")] options: JsValue,
) -> Result<DeviceKey, CountersignError> {
    let options = Options::read(options, &["enrollmentUrl", "name"])?;
    let name = DeviceName::new(options.string("name")?)?;
    let link = EnrollmentLink::parse(&options.string("enrollmentUrl")?)
        .map_err(Failure::NotEnrollmentLink)?;
    let key = flows::enroll(&link, name).await?;
    Ok(DeviceKey { inner: key })
}

/// The device keys this browser holds, optionally only those for one
/// service and one user.
#[wasm_bindgen(js_name = listDevices)]
pub async fn list_devices(
    #[wasm_bindgen(unchecked_optional_param_type = "ListDevicesOptions")] options: JsValue,
) -> Result<Vec<DeviceKey>, CountersignError> {
    let (server, username) = if options.is_undefined() || options.is_null() {
        (None, None)
    } else {
        let options = Options::read(options, &["server", "username"])?;
        (opt_service(&options)?, options.opt_string("username")?)
    };
    Ok(keys::list()
        .await?
        .into_iter()
        .filter(|k| server.as_ref().is_none_or(|s| &k.server == s))
        .filter(|k| username.as_ref().is_none_or(|u| &k.username == u))
        .map(|inner| DeviceKey { inner })
        .collect())
}

/// The kept key named by the options' `deviceUid`, if it is registered
/// with their `server` (when given).
async fn kept_key(options: &Options) -> Result<keys::DeviceKey, CountersignError> {
    let uid = convert::uid(&options.string("deviceUid")?)?;
    let server = opt_service(options)?;
    keys::list()
        .await?
        .into_iter()
        .find(|k| k.device_uid == uid && server.as_ref().is_none_or(|s| &k.server == s))
        .ok_or_else(|| BrowserError::NoSuchDevice.into())
}

/// What `approve`, `deny` and `reportSuspicious` take.
struct DecisionOptions {
    login_url: String,
    device_uid: Option<String>,
    code: Option<u8>,
}

impl DecisionOptions {
    fn read(value: JsValue, with_code: bool) -> Result<Self, CountersignError> {
        let known: &[&str] = if with_code {
            &["loginUrl", "deviceUid", "code"]
        } else {
            &["loginUrl", "deviceUid"]
        };
        let options = Options::read(value, known)?;
        Ok(Self {
            login_url: options.string("loginUrl")?,
            device_uid: options.opt_string("deviceUid")?,
            code: options.opt_u8("code")?,
        })
    }
}

/// The pending request behind a login URL, and the kept key that decides:
/// the one named, or the only one this browser holds for the user.
async fn pending(
    options: &DecisionOptions,
) -> Result<(Api, ApprovalView, keys::DeviceKey), CountersignError> {
    let link = login_link(&options.login_url)?;
    let api = Api::new(link.service);
    let view = api.approval(link.short_uid).await?;
    let mut candidates = keys::for_user(api.service(), view.session.username().as_str()).await?;
    let key = match &options.device_uid {
        Some(uid) => {
            let uid = convert::uid(uid)?;
            candidates
                .into_iter()
                .find(|k| k.device_uid == uid)
                .ok_or(BrowserError::NoSuchDevice)?
        }
        None if candidates.len() > 1 => return Err(Failure::DeviceRequired.into()),
        None => candidates.pop().ok_or(BrowserError::NoSuchDevice)?,
    };
    Ok((api, view, key))
}

/// Signs and submits one decision on the request behind a login URL, with
/// the web app's own code.
async fn decide(
    options: DecisionOptions,
    decision: impl FnOnce(Option<u8>) -> Result<Decision, CountersignError>,
) -> Result<LoginSession, CountersignError> {
    let (api, view, key) = pending(&options).await?;
    let decision = decision(options.code)?;
    Ok(flows::decide(&api, &view.session, &key, decision)
        .await?
        .into())
}

/// Approves the request behind `loginUrl` with a kept device key, with the
/// `code` the approver typed from the requester's screen. One try: a code
/// that is not the requester's denies the request (`wrong_code`).
#[wasm_bindgen(js_name = approve)]
pub async fn approve(
    #[wasm_bindgen(unchecked_param_type = "ApproveOptions")] options: JsValue,
) -> Result<LoginSession, CountersignError> {
    decide(DecisionOptions::read(options, true)?, |code| {
        let code = code.ok_or_else(|| {
            Failure::BadArgument("approve needs the code the requester shows".into())
        })?;
        Ok(Decision::Approve(VerificationCode::new(code)?))
    })
    .await
}

/// Denies the request behind `loginUrl`.
#[wasm_bindgen(js_name = deny)]
pub async fn deny(
    #[wasm_bindgen(unchecked_param_type = "DecisionOptions")] options: JsValue,
) -> Result<LoginSession, CountersignError> {
    decide(DecisionOptions::read(options, false)?, |_| {
        Ok(Decision::Deny)
    })
    .await
}

/// Reports the request behind `loginUrl` as suspicious ("this wasn't me").
#[wasm_bindgen(js_name = reportSuspicious)]
pub async fn report_suspicious(
    #[wasm_bindgen(unchecked_param_type = "DecisionOptions")] options: JsValue,
) -> Result<LoginSession, CountersignError> {
    decide(DecisionOptions::read(options, false)?, |_| {
        Ok(Decision::Suspicious)
    })
    .await
}

/// What an approval page shows for the request behind `loginUrl`: the
/// session and the fingerprints of the requester's keys. Not the
/// verification code: the approver types the one the requester shows.
#[wasm_bindgen(js_name = approvalDetails, unchecked_return_type = "ApprovalDetails")]
pub async fn approval_details(
    #[wasm_bindgen(unchecked_param_type = "ApprovalOptions")] options: JsValue,
) -> Result<JsValue, CountersignError> {
    let login_url = Options::read(options, &["loginUrl"])?.string("loginUrl")?;
    let link = login_link(&login_url)?;
    let view = Api::new(link.service).approval(link.short_uid).await?;
    let fingerprint = |f: Option<countersign_core::Fingerprint>| {
        convert::opt_str(f.map(|f| f.to_text()).as_deref())
    };
    Ok(object(&[
        (
            "publicKeyFingerprint",
            fingerprint(view.public_key_fingerprint),
        ),
        (
            "publicCertificateFingerprint",
            fingerprint(view.public_certificate_fingerprint),
        ),
        ("session", LoginSession::from(view.session).into()),
    ]))
}

/// Revokes one of the user's devices (`targetDeviceUid`, which may be this
/// one), signed by the kept key `deviceUid`. A revoked device approves
/// nothing from then on; revoking the signing device itself also forgets
/// its key here. A device enrolled before the signer is revoked only after
/// the service's delay, unless it cancels it: the answer's `status` says
/// `revoked` (a `DeviceInfo`) or `pending` (a `PendingRevocation`).
#[wasm_bindgen(js_name = revokeDevice, unchecked_return_type = "RevokeOutcome")]
pub async fn revoke_device(
    #[wasm_bindgen(unchecked_param_type = "RevokeDeviceOptions")] options: JsValue,
) -> Result<JsValue, CountersignError> {
    let options = Options::read(options, &["server", "deviceUid", "targetDeviceUid"])?;
    let key = kept_key(&options).await?;
    let target = convert::uid(&options.string("targetDeviceUid")?)?;
    let answer = flows::revoke(&Api::new(key.server.clone()), &key, target).await?;
    if target == key.device_uid && matches!(answer, RevokeAnswer::Revoked(_)) {
        keys::forget(key.device_uid).await?;
    }
    Ok(recovery::revoke_outcome(&answer))
}

/// Forgets a kept device key: this browser can no longer sign with it. The
/// service still lists the device until it is revoked.
#[wasm_bindgen(js_name = forgetDevice)]
pub async fn forget_device(
    #[wasm_bindgen(unchecked_param_type = "DeviceOptions")] options: JsValue,
) -> Result<(), CountersignError> {
    let options = Options::read(options, &["server", "deviceUid"])?;
    let key = kept_key(&options).await?;
    Ok(keys::forget(key.device_uid).await?)
}

/// The user's devices, recent sessions and revocations waiting out their
/// delay, read with a kept key.
#[wasm_bindgen(js_name = readAccount, unchecked_return_type = "Account")]
pub async fn read_account(
    #[wasm_bindgen(unchecked_param_type = "DeviceOptions")] options: JsValue,
) -> Result<JsValue, CountersignError> {
    let options = Options::read(options, &["server", "deviceUid"])?;
    let key = kept_key(&options).await?;
    let AccountView {
        user,
        devices,
        sessions,
        pending_revocations,
        ..
    } = flows::account(&Api::new(key.server.clone()), &key).await?;
    let pending: js_sys::Array = pending_revocations
        .iter()
        .map(recovery::pending_revocation)
        .collect();
    let devices: js_sys::Array = devices.iter().map(device_info).collect();
    let sessions: js_sys::Array = sessions
        .into_iter()
        .map(|s| JsValue::from(LoginSession::from(s)))
        .collect();
    Ok(object(&[
        (
            "user",
            object(&[
                ("uid", user.uid.to_string().into()),
                ("username", user.username.as_str().into()),
            ]),
        ),
        ("devices", devices.into()),
        ("sessions", sessions.into()),
        ("pendingRevocations", pending.into()),
    ]))
}

/// A fresh one-time link that enrolls another device of the user, asked
/// for with a kept key.
#[wasm_bindgen(js_name = inviteDevice)]
pub async fn invite_device(
    #[wasm_bindgen(unchecked_param_type = "DeviceOptions")] options: JsValue,
) -> Result<String, CountersignError> {
    let options = Options::read(options, &["server", "deviceUid"])?;
    let key = kept_key(&options).await?;
    Ok(flows::invite(&Api::new(key.server.clone()), &key).await?)
}
