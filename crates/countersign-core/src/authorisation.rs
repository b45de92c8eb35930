//! Authorisations: how a requester uses an approved login. It signs, with the
//! key behind the session's `public_cert`, a statement naming the session,
//! the user, the service, the resource it wants, an optional digest of the
//! request body, the time and a nonce; a relying party verifies it (see
//! [`SignedAuthorisation::verify`]) and learns who is asking.
//!
//! As for [`crate::Statement`], the signed bytes are built here and nowhere
//! else: lines of text, a format line first, each value drawn from an
//! alphabet without line breaks. A token is those bytes and the signature,
//! each in the text encoding, joined by a dot; reading one back insists that
//! the bytes are exactly the ones this module would build, so two different
//! tokens never carry the same authorisation.

mod error;
mod verify;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::encoding::{Digest, EncodingError, Keypair, Signature, decode_exact, encode};

pub use error::AuthorisationError;
pub use verify::{AUTHORISATION_WINDOW, Expectation, Identity};

/// The first line of every authorisation: its domain and format version.
pub const AUTHORISATION_FORMAT: &str = "countersign-authorisation/1";
/// The scheme of the `Authorization` header that carries a token.
pub const AUTHORISATION_SCHEME: &str = "Countersign";
/// The longest resource, in bytes: room for a method and a long URL.
pub const MAX_RESOURCE_LEN: usize = 2048;
/// The longest service URL, in bytes.
pub const MAX_SERVICE_URL_LEN: usize = 256;
/// The longest token, in bytes. The longest fields give about 3,500; the
/// bound keeps a hostile header from costing more than it must.
pub const MAX_AUTHORISATION_TOKEN_LEN: usize = 4096;

/// 128 random bits that make every authorisation unique, so that a service
/// can refuse a second use. The caller draws them: this crate never does.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce(pub [u8; 16]);

impl Nonce {
    /// The nonce in the text encoding (22 characters).
    pub fn to_text(&self) -> String {
        encode(&self.0)
    }

    /// Reads a nonce from the text encoding.
    pub fn from_text(text: &str) -> Result<Self, EncodingError> {
        Ok(Self(decode_exact("nonce", text)?))
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({})", self.to_text())
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl FromStr for Nonce {
    type Err = EncodingError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::from_text(text)
    }
}

impl Serialize for Nonce {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

impl<'de> Deserialize<'de> for Nonce {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::from_text(&text).map_err(serde::de::Error::custom)
    }
}

/// What a requester authorises: fields are read through methods and set only
/// by [`Authorisation::new`], which validates them, so every value can be
/// written as one line of the signed bytes.
///
/// In JSON: `session_uid`, `user_uid`, `service`, `resource`, `body_sha256`
/// (null when no body was bound), `signed_at` and `nonce`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "AuthorisationFields", into = "AuthorisationFields")]
pub struct Authorisation {
    session_uid: Uuid,
    user_uid: Uuid,
    service: String,
    resource: String,
    body_sha256: Option<Digest>,
    signed_at: DateTime<Utc>,
    nonce: Nonce,
}

/// The JSON form of [`Authorisation`], validated on the way in.
#[derive(Serialize, Deserialize)]
struct AuthorisationFields {
    session_uid: Uuid,
    user_uid: Uuid,
    service: String,
    resource: String,
    body_sha256: Option<Digest>,
    signed_at: DateTime<Utc>,
    nonce: Nonce,
}

/// An authorisation with its signature, as it travels in JSON
/// (`{"authorisation": {...}, "signature": "..."}`) or as a token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedAuthorisation {
    /// What is authorised.
    pub authorisation: Authorisation,
    /// The signature over [`Authorisation::canonical_bytes`] by the key
    /// behind the session's `public_cert`.
    pub signature: Signature,
}

/// The SHA-256 of a request body, as an authorisation binds it. Plain
/// SHA-256, so that a relying party in any language can compute it.
pub fn body_digest(body: &[u8]) -> Digest {
    Digest(Sha256::digest(body).into())
}

/// Checks a resource: not empty, at most [`MAX_RESOURCE_LEN`] bytes, no
/// control characters or line breaks (which would forge another line of the
/// signed bytes), no blanks at either end (invisible in a log, yet a
/// different resource).
pub fn check_resource(resource: &str) -> Result<(), AuthorisationError> {
    let bad = AuthorisationError::BadResource;
    if resource.is_empty() {
        return Err(bad("it is empty"));
    }
    if resource.len() > MAX_RESOURCE_LEN {
        return Err(bad("it is longer than 2048 bytes"));
    }
    if resource.chars().any(is_line_breaking) {
        return Err(bad("it holds a control character or a line break"));
    }
    if resource.starts_with(char::is_whitespace) || resource.ends_with(char::is_whitespace) {
        return Err(bad("it starts or ends with a blank"));
    }
    Ok(())
}

/// Control characters, and the Unicode line and paragraph separators that
/// some viewers show as line breaks.
fn is_line_breaking(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The service URL as authorisations carry it: checked, without a trailing
/// slash (as the service writes its own public URL), so that
/// `https://id.example/` and `https://id.example` name the same service.
pub fn normalise_service(service: &str) -> Result<String, AuthorisationError> {
    let trimmed = service.trim_end_matches('/');
    let host = trimmed
        .strip_prefix("https://")
        .or_else(|| trimmed.strip_prefix("http://"));
    let visible = trimmed.bytes().all(|b| b.is_ascii_graphic());
    if host.is_none_or(str::is_empty) || !visible || trimmed.len() > MAX_SERVICE_URL_LEN {
        return Err(AuthorisationError::BadService);
    }
    Ok(trimmed.to_owned())
}

impl Authorisation {
    /// An authorisation for `resource` at the service at `service`, under
    /// session `session_uid` of user `user_uid`, binding the SHA-256 of
    /// `body` if given, signed at `signed_at` (kept to the millisecond) with
    /// a `nonce` the caller drew from a secure random source.
    pub fn new(
        session_uid: Uuid,
        user_uid: Uuid,
        service: &str,
        resource: &str,
        body: Option<&[u8]>,
        signed_at: DateTime<Utc>,
        nonce: [u8; 16],
    ) -> Result<Self, AuthorisationError> {
        check_resource(resource)?;
        Ok(Self {
            session_uid,
            user_uid,
            service: normalise_service(service)?,
            resource: resource.to_owned(),
            body_sha256: body.map(body_digest),
            signed_at: crate::truncate_to_millis(signed_at),
            nonce: Nonce(nonce),
        })
    }

    /// As [`Self::new`], for an approved `session` the requester holds.
    /// Refused with `session_not_approved` if it was never approved.
    pub fn for_session(
        session: &crate::LoginSession,
        service: &str,
        resource: &str,
        body: Option<&[u8]>,
        signed_at: DateTime<Utc>,
        nonce: [u8; 16],
    ) -> Result<Self, AuthorisationError> {
        let user_uid = session
            .user_uid()
            .ok_or(AuthorisationError::SessionNotApproved)?;
        Self::new(
            session.uid(),
            user_uid,
            service,
            resource,
            body,
            signed_at,
            nonce,
        )
    }

    /// The session the requester logged in with.
    pub fn session_uid(&self) -> Uuid {
        self.session_uid
    }

    /// The user who approved that session.
    pub fn user_uid(&self) -> Uuid {
        self.user_uid
    }

    /// The service's public URL, without a trailing slash.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// What the requester asks for, as the relying party names it.
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The SHA-256 of the request body, if one was bound.
    pub fn body_sha256(&self) -> Option<Digest> {
        self.body_sha256
    }

    /// When it was signed, by the requester's clock.
    pub fn signed_at(&self) -> DateTime<Utc> {
        self.signed_at
    }

    /// The nonce, which a service records to refuse a second use.
    pub fn nonce(&self) -> Nonce {
        self.nonce
    }

    /// The exact bytes that are signed.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let body = self
            .body_sha256
            .map_or_else(|| "-".to_owned(), |d| d.to_text());
        let lines = [
            AUTHORISATION_FORMAT.to_owned(),
            format!("session: {}", self.session_uid),
            format!("user: {}", self.user_uid),
            format!("service: {}", self.service),
            format!("resource: {}", self.resource),
            format!("body-sha256: {body}"),
            format!(
                "signed-at: {}",
                self.signed_at.to_rfc3339_opts(SecondsFormat::Millis, true)
            ),
            format!("nonce: {}", self.nonce),
        ];
        let mut text = lines.join("\n");
        text.push('\n');
        text.into_bytes()
    }

    /// Reads canonical bytes back, refusing anything this module would not
    /// have built byte for byte.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, AuthorisationError> {
        let bad = AuthorisationError::BadToken;
        let text = std::str::from_utf8(bytes).map_err(|_| bad("the statement is not UTF-8"))?;
        let mut lines = text
            .strip_suffix('\n')
            .ok_or(bad("the statement does not end with a line break"))?
            .split('\n');
        if lines.next() != Some(AUTHORISATION_FORMAT) {
            return Err(bad("the statement is not a countersign-authorisation/1"));
        }
        let mut field = |label: &str| {
            lines
                .next()
                .and_then(|line| line.strip_prefix(label))
                .and_then(|rest| rest.strip_prefix(": "))
                .ok_or(bad("a line of the statement is missing or out of place"))
        };
        let uid = |text: &str| Uuid::parse_str(text).map_err(|_| bad("a uid is malformed"));
        let session_uid = uid(field("session")?)?;
        let user_uid = uid(field("user")?)?;
        let service = field("service")?.to_owned();
        let resource = field("resource")?.to_owned();
        let body_sha256 = match field("body-sha256")? {
            "-" => None,
            digest => {
                Some(Digest::from_text(digest).map_err(|_| bad("the body digest is malformed"))?)
            }
        };
        let signed_at = DateTime::parse_from_rfc3339(field("signed-at")?)
            .map_err(|_| bad("the signing time is malformed"))?
            .with_timezone(&Utc);
        let nonce = Nonce::from_text(field("nonce")?).map_err(|_| bad("the nonce is malformed"))?;
        if lines.next().is_some() {
            return Err(bad("the statement has lines after the nonce"));
        }
        let parsed = Self::try_from(AuthorisationFields {
            session_uid,
            user_uid,
            service,
            resource,
            body_sha256,
            signed_at,
            nonce,
        })
        .map_err(|_| bad("the statement's resource or service is invalid"))?;
        // Uids, times and the text encoding each have other spellings that
        // parse to the same value; only the one this module writes is taken.
        if parsed.canonical_bytes() != bytes {
            return Err(bad("the statement is not in canonical form"));
        }
        Ok(parsed)
    }

    /// Signs the authorisation with the key behind the session's
    /// `public_cert`.
    pub fn sign(self, cert_key: &Keypair) -> SignedAuthorisation {
        let signature = cert_key.sign_bytes(&self.canonical_bytes());
        SignedAuthorisation {
            authorisation: self,
            signature,
        }
    }
}

impl TryFrom<AuthorisationFields> for Authorisation {
    type Error = AuthorisationError;
    fn try_from(f: AuthorisationFields) -> Result<Self, Self::Error> {
        check_resource(&f.resource)?;
        // Read exactly as written: a service URL with a trailing slash was
        // not built by `new`.
        if normalise_service(&f.service)? != f.service {
            return Err(AuthorisationError::BadService);
        }
        Ok(Self {
            session_uid: f.session_uid,
            user_uid: f.user_uid,
            service: f.service,
            resource: f.resource,
            body_sha256: f.body_sha256,
            signed_at: crate::truncate_to_millis(f.signed_at),
            nonce: f.nonce,
        })
    }
}

impl From<Authorisation> for AuthorisationFields {
    fn from(a: Authorisation) -> Self {
        Self {
            session_uid: a.session_uid,
            user_uid: a.user_uid,
            service: a.service,
            resource: a.resource,
            body_sha256: a.body_sha256,
            signed_at: a.signed_at,
            nonce: a.nonce,
        }
    }
}

impl SignedAuthorisation {
    /// The compact form: the canonical bytes and the signature, each in the
    /// text encoding, joined by a dot.
    pub fn to_token(&self) -> String {
        format!(
            "{}.{}",
            encode(&self.authorisation.canonical_bytes()),
            self.signature
        )
    }

    /// Reads a token strictly: bounded length, two parts, canonical bytes.
    /// The signature is not checked here; [`Self::verify`] does that.
    pub fn from_token(token: &str) -> Result<Self, AuthorisationError> {
        let bad = AuthorisationError::BadToken;
        if token.len() > MAX_AUTHORISATION_TOKEN_LEN {
            return Err(bad("the token is too long"));
        }
        let (statement, signature) = token
            .split_once('.')
            .ok_or(bad("the token is not two parts joined by a dot"))?;
        let bytes = decode_base64(statement).ok_or(bad("the token is not URL-safe base64"))?;
        let signature =
            Signature::from_text(signature).map_err(|_| bad("the signature is malformed"))?;
        Ok(Self {
            authorisation: Authorisation::from_canonical_bytes(&bytes)?,
            signature,
        })
    }

    /// The value of the `Authorization` header: `Countersign <token>`.
    pub fn header_value(&self) -> String {
        format!("{AUTHORISATION_SCHEME} {}", self.to_token())
    }

    /// Reads an `Authorization` header's value. The scheme is matched
    /// without regard to case, as HTTP says; blanks around the value and
    /// between the scheme and the token are allowed.
    pub fn parse_header(value: &str) -> Result<Self, AuthorisationError> {
        let (scheme, token) = value
            .trim_matches([' ', '\t'])
            .split_once([' ', '\t'])
            .ok_or(AuthorisationError::BadToken(
                "the header is not `Countersign <token>`",
            ))?;
        if !scheme.eq_ignore_ascii_case(AUTHORISATION_SCHEME) {
            return Err(AuthorisationError::BadToken(
                "the header's scheme is not Countersign",
            ));
        }
        Self::from_token(token.trim_start_matches([' ', '\t']))
    }
}

/// Decodes URL-safe base64 without padding into bytes of any length.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    crate::encoding::base64url::decode(text)
}
