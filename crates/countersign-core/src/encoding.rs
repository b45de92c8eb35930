//! The one text encoding for binary values, and the key, signature, digest and
//! fingerprint types that use it.
//!
//! Everything binary that countersign shows or sends (public keys, signatures,
//! digests, fingerprints) is URL-safe base64 without padding, so it fits in a
//! URL, a file name, a JSON string or a terminal line without escaping.

use std::fmt;
use std::str::FromStr;

use ed25519_dalek::Signer as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

use crate::api::ErrorCode;

pub(crate) mod base64url;

/// Why a text could not be read as a key, signature or digest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// The text is not URL-safe base64 without padding.
    #[error("{what} is not URL-safe base64 without padding")]
    NotBase64 {
        /// What was being read.
        what: &'static str,
    },
    /// The text decodes to the wrong number of bytes.
    #[error("{what} must be {expected} bytes, got {got}")]
    Length {
        /// What was being read.
        what: &'static str,
        /// The length it must have.
        expected: usize,
        /// The length it had.
        got: usize,
    },
    /// The bytes are not a usable Ed25519 public key.
    #[error("public key is not a valid Ed25519 key")]
    InvalidKey,
}

impl EncodingError {
    /// The code the service answers this error with: keys, signatures and
    /// digests are fields of JSON bodies.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotBase64 { .. } | Self::Length { .. } | Self::InvalidKey => ErrorCode::BadField,
        }
    }
}

/// Encodes bytes as URL-safe base64 without padding.
pub fn encode(bytes: &[u8]) -> String {
    base64url::encode(bytes)
}

/// Decodes URL-safe base64 without padding into exactly `N` bytes.
pub fn decode_exact<const N: usize>(
    what: &'static str,
    text: &str,
) -> Result<[u8; N], EncodingError> {
    let bytes = base64url::decode(text).ok_or(EncodingError::NotBase64 { what })?;
    <[u8; N]>::try_from(bytes.as_slice()).map_err(|_| EncodingError::Length {
        what,
        expected: N,
        got: bytes.len(),
    })
}

/// Implements the text form (`Display`, `FromStr`) and its serde form for a
/// type that has `to_text` and `from_text`.
macro_rules! text_form {
    ($ty:ty) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_text())
            }
        }
        impl FromStr for $ty {
            type Err = EncodingError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::from_text(text)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.to_text())
            }
        }
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::from_text(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// An Ed25519 public key: a requester's session key or a device key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    /// Reads a key from its 32 bytes, refusing points that are not on the
    /// curve and weak (small-order) keys, which would verify forged signatures.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, EncodingError> {
        let key = ed25519_dalek::VerifyingKey::from_bytes(bytes)
            .map_err(|_| EncodingError::InvalidKey)?;
        if key.is_weak() {
            return Err(EncodingError::InvalidKey);
        }
        Ok(Self(key))
    }

    /// The 32 bytes of the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The key in the text encoding.
    pub fn to_text(&self) -> String {
        encode(self.0.as_bytes())
    }

    /// Reads a key from the text encoding.
    pub fn from_text(text: &str) -> Result<Self, EncodingError> {
        Self::from_bytes(&decode_exact("public key", text)?)
    }

    /// The short, stable name of this key that people compare by eye.
    pub fn fingerprint(&self) -> Fingerprint {
        let digest = Sha256::new()
            .chain_update(b"countersign/fingerprint/v1\0")
            .chain_update(self.0.as_bytes())
            .finalize();
        let mut first = [0u8; 16];
        for (to, from) in first.iter_mut().zip(digest.iter()) {
            *to = *from;
        }
        Fingerprint(first)
    }

    /// Checks `signature` over `message` strictly (no malleable signatures).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        self.0.verify_strict(message, &signature.0).is_ok()
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_text())
    }
}
text_form!(PublicKey);

/// An Ed25519 signature.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Signature(ed25519_dalek::Signature);

impl Signature {
    /// The 64 bytes of the signature.
    pub fn to_bytes(&self) -> [u8; 64] {
        self.0.to_bytes()
    }

    /// Reads a signature from its 64 bytes.
    pub fn from_bytes(bytes: &[u8; 64]) -> Self {
        Self(ed25519_dalek::Signature::from_bytes(bytes))
    }

    /// The signature in the text encoding.
    pub fn to_text(&self) -> String {
        encode(&self.0.to_bytes())
    }

    /// Reads a signature from the text encoding.
    pub fn from_text(text: &str) -> Result<Self, EncodingError> {
        Ok(Self::from_bytes(&decode_exact("signature", text)?))
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.to_text())
    }
}
text_form!(Signature);

/// A SHA-256 digest, such as the digest of what an approver was shown.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Digest(pub(crate) [u8; 32]);

impl Digest {
    /// The digest in the text encoding.
    pub fn to_text(&self) -> String {
        encode(&self.0)
    }

    /// Reads a digest from the text encoding.
    pub fn from_text(text: &str) -> Result<Self, EncodingError> {
        Ok(Self(decode_exact("digest", text)?))
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_text())
    }
}
text_form!(Digest);

/// The first 128 bits of a domain-separated SHA-256 of a public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 16]);

impl Fingerprint {
    /// The fingerprint in the text encoding (22 characters).
    pub fn to_text(&self) -> String {
        encode(&self.0)
    }

    /// Reads a fingerprint from the text encoding.
    pub fn from_text(text: &str) -> Result<Self, EncodingError> {
        Ok(Self(decode_exact("fingerprint", text)?))
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_text())
    }
}
text_form!(Fingerprint);

/// An Ed25519 key pair held by its owner: a requester's session key or a
/// device key kept outside the browser (the command line keeps one in a file).
///
/// It has no `Debug`, `Display` or serde form, so that it is not printed or
/// sent by accident; [`Keypair::secret_bytes`] is the one way out.
#[derive(Clone)]
pub struct Keypair(ed25519_dalek::SigningKey);

impl Keypair {
    /// Makes the key pair from a 32-byte seed, which the caller draws from a
    /// secure random source (the domain crate never reads one itself).
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        Self(ed25519_dalek::SigningKey::from_bytes(seed))
    }

    /// The seed, for the owner to keep.
    pub fn secret_bytes(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs raw bytes. Prefer [`crate::Statement::sign`], which signs the
    /// canonical bytes of a statement.
    pub fn sign_bytes(&self, message: &[u8]) -> Signature {
        Signature(self.0.sign(message))
    }
}

/// A SHA-256 builder for the domain-separated, length-prefixed digests that
/// bind statements to what they are about.
pub(crate) struct FieldHasher(Sha256);

impl FieldHasher {
    pub(crate) fn new(domain: &str) -> Self {
        let mut hasher = Self(Sha256::new());
        hasher.field(domain.as_bytes());
        hasher
    }

    /// Adds one field, prefixed with its length so that no two lists of fields
    /// give the same stream of bytes.
    pub(crate) fn field(&mut self, bytes: &[u8]) -> &mut Self {
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        self.0.update(len.to_be_bytes());
        self.0.update(bytes);
        self
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}
