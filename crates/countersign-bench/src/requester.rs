//! A requester whose keys the bench keeps, as the command line keeps its
//! own: it asks for a login, and once the login is approved it signs
//! authorisations with its certificate key and logs the session out with it.

use chrono::{DateTime, Utc};
use countersign_core::client::logout_claim;
use countersign_core::{
    Authorisation, Keypair, LoginSession, ServiceUrl, SignedAuthorisation, SignedStatement, Signer,
    Statement,
};
use serde_json::json;

use crate::clock;

/// The resource every authorisation the bench signs is for: what a relying
/// party would name for a request to one of its endpoints.
pub const RESOURCE: &str = "GET https://api.example/v1/files";

pub struct Requester {
    key: Keypair,
    cert: Keypair,
}

impl Requester {
    /// A requester with fresh random keys.
    pub fn new() -> Result<Self, String> {
        Ok(Self::from_seeds(&clock::random()?, &clock::random()?))
    }

    /// A requester with keys from fixed seeds, for figures made in-process.
    pub fn from_seeds(key: &[u8; 32], cert: &[u8; 32]) -> Self {
        Self {
            key: Keypair::from_seed(key),
            cert: Keypair::from_seed(cert),
        }
    }

    /// Its session key, as a login request sends it.
    pub fn key(&self) -> &Keypair {
        &self.key
    }

    /// Its certificate key, which signs authorisations and its logout.
    pub fn cert(&self) -> &Keypair {
        &self.cert
    }

    /// The body of `POST /api/sessions` asking for a login for `username`.
    pub fn request_body(&self, username: &str) -> Vec<u8> {
        json!({
            "username": username,
            "public_key": self.key.public_key(),
            "public_certificate": self.cert.public_key(),
        })
        .to_string()
        .into_bytes()
    }

    /// An authorisation of [`RESOURCE`] under the approved `session` of the
    /// service at `service`, signed at `at` with `nonce`.
    pub fn authorise_at(
        &self,
        session: &LoginSession,
        service: &str,
        at: DateTime<Utc>,
        nonce: [u8; 16],
    ) -> Result<SignedAuthorisation, String> {
        Authorisation::for_session(session, service, RESOURCE, None, at, nonce)
            .map(|a| a.sign(&self.cert))
            .map_err(|e| format!("cannot authorise under session {}: {e}", session.uid()))
    }

    /// As [`Self::authorise_at`], now and with a random nonce.
    pub fn authorise(
        &self,
        session: &LoginSession,
        service: &str,
    ) -> Result<SignedAuthorisation, String> {
        self.authorise_at(session, service, clock::now(), clock::random()?)
    }

    /// The logout of `session` (as the service last answered it) for
    /// `service`, signed at `at` with the certificate key, as `countersign
    /// logout` signs it.
    pub fn logout_at(
        &self,
        session: &LoginSession,
        service: &ServiceUrl,
        at: DateTime<Utc>,
    ) -> Result<SignedStatement, String> {
        let claim = logout_claim(session)
            .map_err(|e| format!("cannot log out session {}: {e}", session.uid()))?;
        Ok(Statement::new(claim, service.clone(), Signer::Requester, at).sign(&self.cert))
    }

    /// The body of `POST /api/sessions/{uid}/statements` logging `session`
    /// out now, on `service`.
    pub fn logout_body(
        &self,
        session: &LoginSession,
        service: &ServiceUrl,
    ) -> Result<Vec<u8>, String> {
        serde_json::to_vec(&self.logout_at(session, service, clock::now())?)
            .map_err(|e| format!("cannot write a statement: {e}"))
    }
}
