//! Passkeys: the challenge that binds a WebAuthn assertion to the
//! statement it confirms, and the base64url WebAuthn's JSON uses. The
//! bodies that carry them (an attested statement, a passkey's
//! registration) are the API's, in `api::passkeys`.
//!
//! The assertion's challenge is the SHA-256 of the statement's canonical
//! bytes, so the person's gesture and the signed statement are one act: an
//! assertion made for one statement proves nothing about any other. The
//! core only carries the browser's answer as it gave it (base64url, the
//! form of `PublicKeyCredential.toJSON()`); the service checks it with a
//! WebAuthn library.

use sha2::{Digest as _, Sha256};

use crate::statement::Statement;

/// The WebAuthn challenge of an assertion over `statement`: the SHA-256 of
/// its canonical bytes.
pub fn assertion_challenge(statement: &Statement) -> [u8; 32] {
    Sha256::digest(statement.canonical_bytes()).into()
}

/// Bytes in base64url without padding, the encoding WebAuthn's JSON uses.
pub fn base64url(bytes: &[u8]) -> String {
    crate::encoding::base64url::encode(bytes)
}

/// Bytes from base64url (with or without padding), or `None` if the text
/// is not base64url.
pub fn from_base64url(text: &str) -> Option<Vec<u8>> {
    crate::encoding::base64url::decode(text.trim_end_matches('='))
}
