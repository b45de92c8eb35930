//! Passkeys on the wire: the WebAuthn assertion a statement carries when
//! its device has a passkey, the challenge that binds the two, and the
//! bodies of a passkey's registration.
//!
//! The assertion's challenge is the SHA-256 of the statement's canonical
//! bytes, so the person's gesture and the signed statement are one act: an
//! assertion made for one statement proves nothing about any other. The
//! core only carries the browser's answer as it gave it (base64url, the
//! form of `PublicKeyCredential.toJSON()`); the service checks it with a
//! WebAuthn library.

use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::statement::{SignedStatement, Statement};

/// The WebAuthn challenge of an assertion over `statement`: the SHA-256 of
/// its canonical bytes.
pub fn assertion_challenge(statement: &Statement) -> [u8; 32] {
    Sha256::digest(statement.canonical_bytes()).into()
}

/// Bytes in base64url without padding, the encoding WebAuthn's JSON uses.
pub fn base64url(bytes: &[u8]) -> String {
    crate::encoding::base64url::encode(bytes)
}

/// A statement as a device sends it: signed by the device key and, when
/// the device has a passkey, with the assertion the person's gesture made
/// over it. Its JSON is the statement's own with `assertion` beside it, so
/// a body without one reads as before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttestedStatement {
    /// The signed statement.
    #[serde(flatten)]
    pub signed: SignedStatement,
    /// The passkey's assertion, whose challenge is
    /// [`assertion_challenge`] of the statement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assertion: Option<PasskeyAssertion>,
}

impl From<SignedStatement> for AttestedStatement {
    fn from(signed: SignedStatement) -> Self {
        Self {
            signed,
            assertion: None,
        }
    }
}

/// What `navigator.credentials.get()` answered, as `toJSON()` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyAssertion {
    /// The credential's id, base64url.
    pub id: String,
    /// The same id, base64url.
    pub raw_id: String,
    /// The authenticator's answer.
    pub response: AssertionResponse,
    /// `public-key`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The authenticator's answer to an assertion, each field base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssertionResponse {
    /// The authenticator data: RP id hash, flags, signature counter.
    pub authenticator_data: String,
    /// The client data JSON: type, challenge, origin.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
    /// The signature over the authenticator data and the client data's hash.
    pub signature: String,
    /// The user handle, if the authenticator gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_handle: Option<String>,
}

/// `POST /api/passkeys/options` answers these: what the browser passes to
/// `navigator.credentials.create()` to make a passkey for the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasskeyOptions {
    /// The relying party id: the service's host.
    pub rp_id: String,
    /// The relying party's name, shown by the authenticator.
    pub rp_name: String,
    /// The WebAuthn user handle, base64url (the user's uid).
    pub user_id: String,
    /// The user's name, shown by the authenticator.
    pub user_name: String,
    /// The service's challenge, base64url.
    pub challenge: String,
    /// The COSE algorithms the service accepts, in its order of preference.
    pub algorithms: Vec<i64>,
    /// How long the browser may wait for the gesture, in milliseconds.
    pub timeout_ms: u32,
    /// Credentials already registered, base64url, which the authenticator
    /// must not register again.
    #[serde(default)]
    pub exclude_credentials: Vec<String>,
}

/// `POST /api/passkeys`: the new credential for a device that asked for
/// options.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterPasskey {
    /// The device the options were asked for.
    pub device: Uuid,
    /// What `navigator.credentials.create()` answered.
    pub credential: PasskeyCredential,
}

/// What `navigator.credentials.create()` answered, as `toJSON()` writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyCredential {
    /// The credential's id, base64url.
    pub id: String,
    /// The same id, base64url.
    pub raw_id: String,
    /// The authenticator's answer.
    pub response: AttestationResponse,
    /// `public-key`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// The authenticator's answer to a registration, each field base64url.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AttestationResponse {
    /// The attestation object (format `none` is enough).
    pub attestation_object: String,
    /// The client data JSON: type, challenge, origin.
    #[serde(rename = "clientDataJSON")]
    pub client_data_json: String,
}

/// Bytes from base64url (with or without padding), or `None` if the text
/// is not base64url.
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    crate::encoding::base64url::decode(text.trim_end_matches('='))
}
