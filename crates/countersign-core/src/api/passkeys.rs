//! The bodies of passkeys on the wire: a statement with the WebAuthn
//! assertion its device's passkey made over it, and a passkey's
//! registration (the options asked for, the credential made). The core
//! only carries the browser's answers as it gave them (base64url, the form
//! of `PublicKeyCredential.toJSON()`); the service checks them with a
//! WebAuthn library, and `passkey::assertion_challenge` binds an assertion
//! to its statement.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::statement::SignedStatement;

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
