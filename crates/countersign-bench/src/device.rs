//! The device that approves: its key stays here, the server has the public
//! half from its enrollment.

use countersign_core::client::Decision;
use countersign_core::{
    Claim, DeviceName, Keypair, LoginSession, ServiceUrl, Signer, Statement, VerificationCode,
};
use serde_json::Value;
use uuid::Uuid;

use crate::client::Response;
use crate::clock;

pub struct Device {
    /// The service its statements are for.
    service: ServiceUrl,
    user: Uuid,
    uid: Uuid,
    key: Keypair,
}

impl Device {
    pub fn new(user: Uuid, service: ServiceUrl) -> Result<Self, String> {
        Ok(Self {
            service,
            user,
            uid: countersign_core::uid_from_random(clock::random()?),
            key: Keypair::from_seed(&clock::random()?),
        })
    }

    fn sign(&self, claim: Claim) -> Result<Vec<u8>, String> {
        let signer = Signer::Device(self.uid);
        let signed =
            Statement::new(claim, self.service.clone(), signer, clock::now()).sign(&self.key);
        serde_json::to_vec(&signed).map_err(|e| format!("cannot write a statement: {e}"))
    }

    pub fn enrollment(&self) -> Result<Vec<u8>, String> {
        self.sign(Claim::EnrollDevice {
            user: self.user,
            device: self.uid,
            device_key: self.key.public_key(),
            device_name: DeviceName::new("countersign-bench").map_err(|e| e.to_string())?,
        })
    }

    /// The approval of the session an approval page shows, as the browser
    /// would sign it: the session's uid, the digest of what was shown, and
    /// the `code` the requester was given (which the person would type).
    pub fn approval(
        &self,
        page: &Response,
        code: VerificationCode,
    ) -> Result<(Uuid, Vec<u8>), String> {
        let session = shown_session(page)?;
        Ok((
            session.uid(),
            self.decide(&session, Decision::Approve(code))?,
        ))
    }

    /// `decision` about the session an approval page showed, signed as the
    /// browser signs it (the claim is core's, as every client's is).
    pub fn decide(&self, shown: &LoginSession, decision: Decision) -> Result<Vec<u8>, String> {
        let claim = decision
            .claim(shown)
            .map_err(|e| format!("cannot {} session {}: {e}", decision.verb(), shown.uid()))?;
        self.sign(claim)
    }
}

/// The session an approval page (`GET /api/approvals/{short_uid}`) shows.
pub fn shown_session(page: &Response) -> Result<LoginSession, String> {
    let mut page = page.json()?;
    let shown = page
        .get_mut("session")
        .map(Value::take)
        .ok_or("the approval page has no session")?;
    LoginSession::from_json_value(shown).map_err(|e| format!("the approval page's session: {e}"))
}
