//! Authorisations in JavaScript, the relying party's side: read a token
//! (`parseAuthorisation`, to learn which session it names before any check),
//! and verify one (`verifyAuthorisation`): offline against a `SessionWatch`,
//! or by the service's `POST /api/authorisations/verify`. The requester's
//! side is `Login.authorise`; the checks are the core's alone.

use countersign_browser::api::Api;
use countersign_core::api::VerifyAuthorisation;
use countersign_core::client::ServiceUrl;
use countersign_core::{Identity, SignedAuthorisation, TokenSet, body_digest};
use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

use crate::convert::{Options, ms, object};
use crate::error::{CountersignError, Failure};

/// Reads a token, given bare or as the whole `Authorization` header value
/// (`Countersign <token>`). A token has no blank in it, so a blank means a
/// header value.
pub(crate) fn read_token(text: &str) -> Result<SignedAuthorisation, CountersignError> {
    let text = text.trim_matches([' ', '\t']);
    if text.contains([' ', '\t']) {
        Ok(SignedAuthorisation::parse_header(text)?)
    } else {
        Ok(SignedAuthorisation::from_token(text)?)
    }
}

fn strings(set: &TokenSet) -> JsValue {
    set.iter().map(JsValue::from_str).collect::<Array>().into()
}

/// Who an accepted token speaks for, as JavaScript sees it: the core's
/// `Identity`, and the token's own time and nonce (for a relying party that
/// keeps its own record of tokens used).
pub(crate) fn identity_object(identity: &Identity, token: &SignedAuthorisation) -> JsValue {
    object(&[
        ("userUid", identity.user_uid.to_string().into()),
        ("username", identity.username.as_str().into()),
        ("sessionUid", identity.session_uid.to_string().into()),
        ("scope", strings(&identity.scope)),
        ("permissions", strings(&identity.permissions)),
        ("loginExpiresAtMs", ms(identity.login_expires_at).into()),
        ("signedAtMs", ms(token.authorisation.signed_at()).into()),
        ("nonce", token.authorisation.nonce().to_text().into()),
    ])
}

/// What a token says, read without any check: which session and user it
/// names, for which service and resource, when and with which nonce. A
/// relying party reads it to find (or start) the `SessionWatch` of its
/// session, then verifies it; nothing here may be trusted before that.
/// Takes the bare token or the whole header value; throws `bad_token` if it
/// is malformed.
#[wasm_bindgen(js_name = parseAuthorisation, unchecked_return_type = "AuthorisationInfo")]
pub fn parse_authorisation(token: &str) -> Result<JsValue, CountersignError> {
    let a = read_token(token)?.authorisation;
    let body = a
        .body_sha256()
        .map_or(JsValue::UNDEFINED, |d| d.to_text().into());
    Ok(object(&[
        ("sessionUid", a.session_uid().to_string().into()),
        ("userUid", a.user_uid().to_string().into()),
        ("service", a.service().into()),
        ("resource", a.resource().into()),
        ("bodySha256", body),
        ("signedAtMs", ms(a.signed_at()).into()),
        ("nonce", a.nonce().to_text().into()),
    ]))
}

/// Verifies a token (bare, or the whole header value) for `resource`, and
/// answers who it speaks for.
///
/// With `watch` (a `SessionWatch` of the token's session), offline: the
/// same as `watch.verify(token, { resource, body, once })`. Without, the
/// service at `server` checks it (`POST /api/authorisations/verify`; the
/// body is sent as its SHA-256 only); with `once`, the service records the
/// nonce so that a second use fails with `already_used`, across all its
/// instances. Rejects with a `CountersignError` whose code says why.
#[wasm_bindgen(js_name = verifyAuthorisation, unchecked_return_type = "Identity")]
pub async fn verify_authorisation(
    token: String,
    #[wasm_bindgen(unchecked_param_type = "VerifyAuthorisationOptions")] options: JsValue,
) -> Result<JsValue, JsValue> {
    let read = Options::read(options, &["resource", "body", "once", "watch", "server"])?;
    match (read.get("watch"), read.opt_string("server")?) {
        (Some(watch), None) => by_watch(&watch, &token, &read),
        (None, Some(server)) => Ok(by_service(&server, &token, &read).await?),
        _ => Err(CountersignError::from(Failure::BadArgument(
            "give either a watch or a server".into(),
        ))
        .into()),
    }
}

/// Calls `watch.verify(token, { resource, body, once })`. Through its
/// JavaScript method: a watch passed in an options object cannot be
/// borrowed from Rust without JavaScript giving it up.
fn by_watch(watch: &JsValue, token: &str, read: &Options) -> Result<JsValue, JsValue> {
    let verify = Reflect::get(watch, &JsValue::from_str("verify"))
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| {
            CountersignError::from(Failure::BadArgument(
                "option \"watch\" must be a SessionWatch".into(),
            ))
        })?;
    let pass = |key| read.get(key).unwrap_or(JsValue::UNDEFINED);
    let options = object(&[
        ("resource", pass("resource")),
        ("body", pass("body")),
        ("once", pass("once")),
    ]);
    verify.call2(watch, &JsValue::from_str(token), &options)
}

async fn by_service(
    server: &str,
    token: &str,
    read: &Options,
) -> Result<JsValue, CountersignError> {
    let api = Api::new(ServiceUrl::parse(server)?);
    // Read here first: a malformed token is refused without a round trip.
    let signed = read_token(token)?;
    let request = VerifyAuthorisation {
        token: signed.to_token(),
        resource: read.string("resource")?,
        once: read.opt_bool("once")?.unwrap_or(false),
        body_sha256: read.opt_bytes("body")?.map(|b| body_digest(&b)),
    };
    let identity = api.verify_authorisation(&request).await?;
    Ok(identity_object(&identity, &signed))
}
