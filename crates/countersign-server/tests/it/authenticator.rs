//! A software authenticator for the tests: a P-256 passkey that answers
//! registrations (attestation `none`) and assertions the way a browser
//! hands them over, with its flags, counter and origin set by the test.
//! ECDSA here is deterministic (RFC 6979), so the same inputs give the same
//! bytes, and the fixed vectors in `fixtures/` can be made again.

use countersign_core::api::{
    AssertionResponse, AttestationResponse, PasskeyAssertion, PasskeyCredential,
};
use countersign_core::passkey::base64url;
use p256::ecdsa::signature::Signer as _;
use p256::ecdsa::{DerSignature, SigningKey, VerifyingKey};
use sha2::{Digest as _, Sha256};

/// User present.
pub const UP: u8 = 0x01;
/// User verified.
pub const UV: u8 = 0x04;
/// Attested credential data follows.
const AT: u8 = 0x40;

pub struct Authenticator {
    key: SigningKey,
    pub credential_id: Vec<u8>,
    pub counter: u32,
    pub rp_id: String,
    pub origin: String,
}

impl Authenticator {
    /// An authenticator whose key and credential id come from `seed`,
    /// for the relying party at `origin`.
    pub fn new(seed: u8, origin: &str) -> Self {
        let mut secret = [seed; 32];
        secret[0] = 1;
        let rp_id = url::Url::parse(origin)
            .unwrap()
            .host_str()
            .unwrap()
            .to_owned();
        Self {
            key: SigningKey::from_slice(&secret).unwrap(),
            credential_id: vec![seed; 16],
            counter: 0,
            rp_id,
            origin: origin.to_owned(),
        }
    }

    fn client_data(&self, kind: &str, challenge: &[u8], origin: &str) -> Vec<u8> {
        format!(
            r#"{{"type":"{kind}","challenge":"{}","origin":"{origin}","crossOrigin":false}}"#,
            base64url(challenge)
        )
        .into_bytes()
    }

    fn auth_data(&self, flags: u8, counter: u32) -> Vec<u8> {
        let mut data = Sha256::digest(self.rp_id.as_bytes()).to_vec();
        data.push(flags);
        data.extend_from_slice(&counter.to_be_bytes());
        data
    }

    /// The answer to `navigator.credentials.create()` with `challenge`
    /// (base64url, as the options give it), user verified.
    pub fn register(&self, challenge: &str) -> PasskeyCredential {
        use base64::Engine as _;
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(challenge)
            .unwrap();
        let point = VerifyingKey::from(&self.key).to_sec1_point(false);
        let point = point.as_bytes();
        // COSE_Key: {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}.
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20];
        cose.extend_from_slice(&point[1..33]);
        cose.extend_from_slice(&[0x22, 0x58, 0x20]);
        cose.extend_from_slice(&point[33..65]);
        let mut data = self.auth_data(UP | UV | AT, self.counter);
        data.extend_from_slice(&[0; 16]);
        data.extend_from_slice(
            &u16::try_from(self.credential_id.len())
                .unwrap()
                .to_be_bytes(),
        );
        data.extend_from_slice(&self.credential_id);
        data.extend_from_slice(&cose);
        // {"fmt": "none", "attStmt": {}, "authData": data}.
        let mut object = vec![0xa3, 0x63];
        object.extend_from_slice(b"fmt");
        object.push(0x64);
        object.extend_from_slice(b"none");
        object.push(0x67);
        object.extend_from_slice(b"attStmt");
        object.push(0xa0);
        object.push(0x68);
        object.extend_from_slice(b"authData");
        object.push(0x59);
        object.extend_from_slice(&u16::try_from(data.len()).unwrap().to_be_bytes());
        object.extend_from_slice(&data);
        let id = base64url(&self.credential_id);
        PasskeyCredential {
            id: id.clone(),
            raw_id: id,
            response: AttestationResponse {
                attestation_object: base64url(&object),
                client_data_json: base64url(&self.client_data(
                    "webauthn.create",
                    &challenge,
                    &self.origin,
                )),
            },
            kind: "public-key".into(),
        }
    }

    /// An assertion over `challenge` with the next counter, user present
    /// and verified.
    pub fn assert(&mut self, challenge: &[u8]) -> PasskeyAssertion {
        self.counter += 1;
        self.assert_with(challenge, self.counter, UP | UV, &self.origin.clone())
    }

    /// An assertion with every part chosen.
    pub fn assert_with(
        &self,
        challenge: &[u8],
        counter: u32,
        flags: u8,
        origin: &str,
    ) -> PasskeyAssertion {
        let data = self.auth_data(flags, counter);
        let client = self.client_data("webauthn.get", challenge, origin);
        let mut signed = data.clone();
        signed.extend_from_slice(&Sha256::digest(&client));
        let signature: DerSignature = self.key.sign(&signed);
        let id = base64url(&self.credential_id);
        PasskeyAssertion {
            id: id.clone(),
            raw_id: id,
            response: AssertionResponse {
                authenticator_data: base64url(&data),
                client_data_json: base64url(&client),
                signature: base64url(signature.as_bytes()),
                user_handle: None,
            },
            kind: "public-key".into(),
        }
    }
}
