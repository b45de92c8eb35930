//! Checking an authorisation against the session it names, as the service
//! and an offline relying party both do: pure, with the clock an argument.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AuthorisationError, SignedAuthorisation, body_digest, normalise_service};
use crate::encoding::Digest;
use crate::fields::TokenSet;
use crate::session::LoginSession;
use crate::statement::Freshness;
use crate::status::Status;
use crate::username::Username;

/// How old or far ahead an authorisation may be: 5 minutes back, 30 seconds
/// ahead. Tighter ahead than statements, since a token is a bearer credential
/// for as long as it is fresh.
pub const AUTHORISATION_WINDOW: Freshness = Freshness {
    max_age: TimeDelta::minutes(5),
    max_skew: TimeDelta::seconds(30),
};

/// What the relying party expects the authorisation to be for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expectation<'a> {
    /// The identity service's public URL (a trailing slash is ignored).
    pub service: &'a str,
    /// The resource the request asks for, exactly as the requester named it.
    pub resource: &'a str,
    /// The request body received, to check against the signed digest; `None`
    /// leaves the body unchecked. A token that bound no body matches only an
    /// empty one.
    pub body: Option<&'a [u8]>,
}

/// Who an accepted authorisation speaks for, and what the session grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// The user who approved the session.
    pub user_uid: Uuid,
    /// Their name.
    pub username: Username,
    /// The session.
    pub session_uid: Uuid,
    /// The scope granted.
    pub scope: TokenSet,
    /// The permissions granted.
    pub permissions: TokenSet,
    /// When the login ends.
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub login_expires_at: DateTime<Utc>,
}

impl SignedAuthorisation {
    /// Checks the authorisation against `session` as it stands at `now`:
    /// that it names this session and is signed with its certificate key,
    /// that the session is approved now (not logged out, suspicious or
    /// expired) and was approved by its signing time, that it is within
    /// `window` of `now`, and that it is for the expected service, resource
    /// and body. The session must be current: a relying party that checks
    /// against an old copy misses a logout.
    pub fn verify(
        &self,
        expected: &Expectation<'_>,
        session: &LoginSession,
        now: DateTime<Utc>,
        window: Freshness,
    ) -> Result<Identity, AuthorisationError> {
        let body = expected.body.map(body_digest);
        self.verify_with_body_digest(
            expected.service,
            expected.resource,
            body,
            session,
            now,
            window,
        )
    }

    /// As [`Self::verify`], for a verifier that holds the SHA-256 of the
    /// request body instead of the body: the service's
    /// `POST /api/authorisations/verify` is sent the digest, never the body.
    /// `None` leaves the body unchecked; a token that bound no body matches
    /// only the digest of an empty one.
    pub fn verify_with_body_digest(
        &self,
        service: &str,
        resource: &str,
        body_sha256: Option<Digest>,
        session: &LoginSession,
        now: DateTime<Utc>,
        window: Freshness,
    ) -> Result<Identity, AuthorisationError> {
        use AuthorisationError as E;
        let a = &self.authorisation;
        if a.session_uid != session.uid() {
            return Err(E::WrongSession);
        }
        // The session's state first: a logged-out session has no key left to
        // check a signature with, and its answer does not depend on the token.
        match session.status_at(now) {
            Status::Approved => {}
            Status::LoggedOut => return Err(E::LoggedOut),
            Status::Suspicious => return Err(E::Suspicious),
            Status::Expired if session.login_time().is_some() => return Err(E::Expired),
            Status::Expired | Status::Pending | Status::Denied => {
                return Err(E::SessionNotApproved);
            }
        }
        let cert = session.public_cert().ok_or(E::SessionClosed)?;
        if !cert.verify(&a.canonical_bytes(), &self.signature) {
            return Err(E::BadSignature);
        }
        // Differences of times cannot overflow, unlike sums.
        if a.signed_at - now > window.max_skew {
            return Err(E::FromTheFuture(a.signed_at));
        }
        if now - a.signed_at > window.max_age {
            return Err(E::Stale(a.signed_at));
        }
        if normalise_service(service).ok().as_deref() != Some(a.service.as_str()) {
            return Err(E::WrongService);
        }
        if resource != a.resource {
            return Err(E::WrongResource);
        }
        if let Some(received) = body_sha256 {
            let signed = a.body_sha256.unwrap_or_else(|| body_digest(b""));
            if signed != received {
                return Err(E::WrongBody);
            }
        }
        let (Some(user_uid), Some(login_time), Some(login_expires_at)) = (
            session.user_uid(),
            session.login_time(),
            session.login_expires_at(),
        ) else {
            return Err(E::SessionNotApproved);
        };
        if a.user_uid != user_uid {
            return Err(E::WrongUser);
        }
        if login_time > a.signed_at {
            return Err(E::SessionNotApproved);
        }
        if a.signed_at >= login_expires_at {
            return Err(E::Expired);
        }
        Ok(Identity {
            user_uid,
            username: session.username().clone(),
            session_uid: session.uid(),
            scope: session.granted_scope(),
            permissions: session.granted_permissions(),
            login_expires_at,
        })
    }
}
