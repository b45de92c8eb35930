//! A device's passkey in this browser: registered once (the service gives
//! the options, `navigator.credentials.create()` makes it with user
//! verification required), then asked for an assertion over every
//! statement the service wants confirmed, whose challenge is the SHA-256
//! of the statement's canonical bytes.
//!
//! The credential's id is kept in `localStorage` beside the device's uid:
//! it names which passkey to ask for, and is no secret (the service
//! checks the assertion against the credential it holds). Without it, no
//! assertion is asked for, and a service that wants one refuses with
//! `user_verification_required`.

use countersign_core::api::{
    AttestedStatement, PasskeyAssertion, PasskeyCredential, PasskeyOptions, RegisterPasskey,
};
use countersign_core::passkey::{assertion_challenge, from_base64url};
use countersign_core::{Claim, SignedStatement};
use js_sys::{Array, Function, Object, Promise};
use uuid::Uuid;
use wasm_bindgen::{JsCast as _, JsValue};

use crate::api::Api;
use crate::error::{BrowserError, describe};
use crate::js::{self, get, get_as, object};
use crate::keys::{self, DeviceKey};

/// How long the browser waits for the gesture, in milliseconds.
const GESTURE_TIMEOUT_MS: u32 = 120_000;

fn storage_key(device: Uuid) -> String {
    format!("countersign-passkey:{device}")
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The id of the passkey this browser registered for `device`, if any.
pub fn credential_of(device: Uuid) -> Option<String> {
    local_storage()?.get_item(&storage_key(device)).ok()?
}

/// Whether this browser can make passkeys at all.
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| !get(&w, "PublicKeyCredential").is_undefined())
}

/// Registers a passkey for `key`'s device: asks the service for options
/// with a signed `register_passkey` statement, makes the credential (the
/// person's gesture) and hands it to the service.
pub async fn register(api: &Api, key: &DeviceKey) -> Result<(), BrowserError> {
    let claim = Claim::RegisterPasskey {
        user: key.user_uid,
        device: key.device_uid,
    };
    let signed = keys::sign_statement(key, api.service(), claim).await?;
    let options: PasskeyOptions = api.passkey_options(&signed).await?;
    let bytes = |text: &str, what: &str| {
        from_base64url(text)
            .map(|b| JsValue::from(js::uint8(&b)))
            .ok_or_else(|| BrowserError::BadAnswer(format!("{what} is not base64url")))
    };
    let params: Array = options
        .algorithms
        .iter()
        .map(|alg| {
            JsValue::from(object(&[
                ("type", "public-key".into()),
                ("alg", JsValue::from_f64(*alg as f64)),
            ]))
        })
        .collect();
    let public_key = object(&[
        (
            "rp",
            object(&[
                ("id", options.rp_id.as_str().into()),
                ("name", options.rp_name.as_str().into()),
            ])
            .into(),
        ),
        (
            "user",
            object(&[
                ("id", bytes(&options.user_id, "the user id")?),
                ("name", options.user_name.as_str().into()),
                ("displayName", options.user_name.as_str().into()),
            ])
            .into(),
        ),
        ("challenge", bytes(&options.challenge, "the challenge")?),
        ("pubKeyCredParams", params.into()),
        ("timeout", options.timeout_ms.into()),
        ("attestation", "none".into()),
        (
            "authenticatorSelection",
            object(&[
                ("userVerification", "required".into()),
                ("residentKey", "preferred".into()),
            ])
            .into(),
        ),
    ]);
    let created = call_credentials("create", &public_key).await?;
    let credential: PasskeyCredential = to_json(&created)?;
    // The id is kept before the service hears of the passkey: a passkey
    // the service holds but this browser cannot name would refuse every
    // statement of the device.
    let storage = local_storage()
        .ok_or_else(|| BrowserError::Unsupported("no localStorage to name the passkey".into()))?;
    let slot = storage_key(key.device_uid);
    storage
        .set_item(&slot, &credential.id)
        .map_err(|e| BrowserError::Storage(describe(&e)))?;
    let body = RegisterPasskey {
        device: key.device_uid,
        credential,
    };
    if let Err(error) = api.register_passkey(&body).await {
        // Refused: this browser keeps asking for no assertion, as before.
        let _ = storage.remove_item(&slot);
        return Err(error);
    }
    Ok(())
}

/// `signed` with the assertion of `device`'s passkey over it (the person's
/// gesture), or as it is when this browser registered no passkey for it.
pub async fn attest(
    signed: SignedStatement,
    device: Uuid,
) -> Result<AttestedStatement, BrowserError> {
    let Some(id) = credential_of(device) else {
        return Ok(signed.into());
    };
    let id = from_base64url(&id)
        .ok_or_else(|| BrowserError::Storage("the kept passkey id is not base64url".into()))?;
    let challenge = assertion_challenge(&signed.statement);
    let allowed = Array::of1(&object(&[
        ("type", "public-key".into()),
        ("id", js::uint8(&id).into()),
    ]));
    let public_key = object(&[
        ("challenge", js::uint8(&challenge).into()),
        ("allowCredentials", allowed.into()),
        ("userVerification", "required".into()),
        ("timeout", GESTURE_TIMEOUT_MS.into()),
    ]);
    let answer = call_credentials("get", &public_key).await?;
    let assertion: PasskeyAssertion = to_json(&answer)?;
    Ok(AttestedStatement {
        signed,
        assertion: Some(assertion),
    })
}

/// Calls `navigator.credentials[method]({publicKey})`; a refusal (the
/// gesture cancelled or timed out: `NotAllowedError`) is a
/// [`BrowserError::Passkey`] with the exception's name.
async fn call_credentials(method: &str, public_key: &Object) -> Result<JsValue, BrowserError> {
    let window = js::window()?;
    let credentials = get(&get(&window, "navigator"), "credentials");
    let call: Function = get_as(&credentials, method)
        .ok_or_else(|| BrowserError::Unsupported("no WebAuthn (navigator.credentials)".into()))?;
    let promise = call
        .call1(&credentials, &object(&[("publicKey", public_key.into())]))
        .map_err(passkey_error)?
        .dyn_into::<Promise>()
        .map_err(|_| BrowserError::Unsupported("WebAuthn did not return a promise".into()))?;
    wasm_bindgen_futures::JsFuture::from(promise)
        .await
        .map_err(passkey_error)
}

fn passkey_error(thrown: JsValue) -> BrowserError {
    let name = thrown
        .dyn_ref::<web_sys::DomException>()
        .map(web_sys::DomException::name)
        .unwrap_or_default();
    BrowserError::Passkey {
        name,
        message: describe(&thrown),
    }
}

/// A credential's `toJSON()` form, read into the core's type.
fn to_json<T: serde::de::DeserializeOwned>(credential: &JsValue) -> Result<T, BrowserError> {
    let to_json: Function = get_as(credential, "toJSON").ok_or_else(|| {
        BrowserError::Unsupported("PublicKeyCredential.toJSON (an older browser)".into())
    })?;
    let json = to_json
        .call0(credential)
        .map_err(|e| BrowserError::BadAnswer(describe(&e)))?;
    serde_wasm_bindgen::from_value(json).map_err(|e| BrowserError::BadAnswer(e.to_string()))
}
