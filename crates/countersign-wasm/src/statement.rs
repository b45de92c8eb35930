//! Signed statements in JavaScript: build one and get the exact bytes to
//! sign (for a key held outside this package, such as a hardware key or
//! Node's own crypto), and check one offline against a public key. The
//! bytes come from `countersign_core` alone, so no app copies the format.

use countersign_core::{
    self as cs, Claim, Freshness, PublicKey, ServiceUrl, SignedStatement, Signer,
};
use js_sys::Uint8Array;
use wasm_bindgen::prelude::*;

use crate::convert::{self, ms, object};
use crate::error::CountersignError;

/// A statement, unsigned: a claim, the service it is for, its signer and
/// when it was signed.
#[wasm_bindgen(js_name = Statement)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    inner: cs::Statement,
}

/// Reads a signer: a device uid, or `requester`.
fn signer(text: &str) -> Result<Signer, CountersignError> {
    if text == "requester" {
        Ok(Signer::Requester)
    } else {
        Ok(Signer::Device(convert::uid(text)?))
    }
}

/// Builds a statement: `claim` as the service's JSON (such as
/// `{ action: 'approve', session, details, code }`), for `service` (the
/// public URL of the service it is sent to; the statement names it, and
/// any other service refuses it), signed by `signer` (a device uid, or
/// `requester`) at `signedAtMs` (cut to the millisecond).
#[wasm_bindgen(js_name = buildStatement)]
pub fn build_statement(
    #[wasm_bindgen(unchecked_param_type = "Claim | string")] claim: JsValue,
    service: &str,
    #[wasm_bindgen(js_name = signer, unchecked_param_type = "string")] signer_text: &str,
    #[wasm_bindgen(js_name = signedAtMs)] signed_at_ms: f64,
) -> Result<Statement, CountersignError> {
    let claim: Claim = convert::from_json(&claim)?;
    let service = ServiceUrl::parse(service)?;
    let signed_at = convert::from_ms(signed_at_ms)?;
    Ok(Statement {
        inner: cs::Statement::new(claim, service, signer(signer_text)?, signed_at),
    })
}

#[wasm_bindgen(js_class = Statement)]
impl Statement {
    /// Reads a statement from its JSON (`{ format, service, claim, signer,
    /// signed_at }`).
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "StatementJson | string")] json: JsValue,
    ) -> Result<Statement, CountersignError> {
        Ok(Statement {
            inner: convert::from_json(&json)?,
        })
    }

    /// The exact bytes to sign with Ed25519.
    #[wasm_bindgen(js_name = bytes)]
    pub fn bytes(&self) -> Uint8Array {
        Uint8Array::from(self.inner.canonical_bytes().as_slice())
    }

    /// The claim's action, such as `approve` or `enroll_device`.
    #[wasm_bindgen(getter, unchecked_return_type = "Claim['action']", js_name = action)]
    pub fn action(&self) -> String {
        self.inner.claim.action_name().to_owned()
    }

    /// The service it is for, in its normal form.
    #[wasm_bindgen(getter, js_name = service)]
    pub fn service(&self) -> String {
        self.inner.service.to_string()
    }

    /// When it was signed.
    #[wasm_bindgen(getter, js_name = signedAtMs)]
    pub fn signed_at_ms(&self) -> f64 {
        ms(self.inner.signed_at)
    }

    /// The statement as the service's JSON.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "StatementJson")]
    pub fn to_json(&self) -> JsValue {
        convert::to_object(&self.inner)
    }

    /// The signed statement, as the service takes it, from a 64-byte
    /// Ed25519 signature over `bytes()` (bytes, or the text encoding).
    #[wasm_bindgen(js_name = withSignature, unchecked_return_type = "SignedStatementJson")]
    pub fn with_signature(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array | string")] signature: JsValue,
    ) -> Result<JsValue, CountersignError> {
        let signature = match signature.as_string() {
            Some(text) => cs::Signature::from_text(&text)?,
            None => {
                let bytes = Uint8Array::new(&signature).to_vec();
                let bytes: [u8; 64] =
                    bytes
                        .as_slice()
                        .try_into()
                        .map_err(|_| cs::EncodingError::Length {
                            what: "signature",
                            expected: 64,
                            got: bytes.len(),
                        })?;
                cs::Signature::from_bytes(&bytes)
            }
        };
        let signed = SignedStatement {
            statement: self.inner.clone(),
            signature,
        };
        Ok(convert::to_object(&signed))
    }
}

/// Whether `signed` (a signed statement's JSON) carries a valid signature
/// by `publicKey`. Only the signature is checked: not the time (there is no
/// clock here) nor what the statement is about; see `verifyApproval`.
#[wasm_bindgen(js_name = verifyStatement)]
pub fn verify_statement(
    #[wasm_bindgen(unchecked_param_type = "SignedStatementJson | string")] signed: JsValue,
    #[wasm_bindgen(js_name = publicKey)] public_key: &str,
) -> Result<bool, CountersignError> {
    let signed: SignedStatement = convert::from_json(&signed)?;
    let key = PublicKey::from_text(public_key)?;
    Ok(key.verify(&signed.statement.canonical_bytes(), &signed.signature))
}

/// Checks offline, as the service does, a statement signed by a device
/// about a session: that it is for `service`, the signature with
/// `devicePublicKey`, its freshness at `nowMs`, the session and the details
/// the approver saw. Answers `{ action, deviceUid, signedAtMs }`; throws a
/// `CountersignError` (such as `wrong_service` or `bad_signature`) when any
/// check fails.
#[wasm_bindgen(js_name = verifyApproval, unchecked_return_type = "Verification")]
pub fn verify_approval(
    #[wasm_bindgen(unchecked_param_type = "LoginSessionJson | string")] session: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SignedStatementJson | string")] signed: JsValue,
    #[wasm_bindgen(js_name = devicePublicKey)] device_public_key: &str,
    service: &str,
    #[wasm_bindgen(js_name = nowMs)] now_ms: f64,
) -> Result<JsValue, CountersignError> {
    let session = convert::session(&session)?;
    let signed: SignedStatement = convert::from_json(&signed)?;
    let key = PublicKey::from_text(device_public_key)?;
    let service = ServiceUrl::parse(service)?;
    let now = convert::from_ms(now_ms)?;
    let proof = session.verify_device(&signed, &key, &service, now, Freshness::default())?;
    let device = match proof.signer() {
        Signer::Device(uid) => JsValue::from(uid.to_string()),
        Signer::Requester => JsValue::UNDEFINED,
    };
    Ok(object(&[
        ("action", proof.action().as_str().into()),
        ("deviceUid", device),
        ("signedAtMs", ms(proof.signed_at()).into()),
    ]))
}
