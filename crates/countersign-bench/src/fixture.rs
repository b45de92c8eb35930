//! A session approved in-process with the core alone, from fixed seeds, with
//! no service: what the offline verification figure verifies against, and
//! what the watch's tests serve. The steps are the service's (request, a
//! device's signed approval checked by `verify_device`, `set_approved`), so
//! the session is one the service could have answered.

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::{
    Claim, DEFAULT_LOGIN_LIFETIME, Freshness, Keypair, LoginRequest, LoginSession, ServiceUrl,
    Signer, Statement, Username, VerificationCode, uid_from_random,
};

use crate::requester::Requester;

/// The service the fixture's tokens are for.
pub const SERVICE: &str = "https://countersign.example";

/// [`SERVICE`] as statements name it.
pub fn service_url() -> Result<ServiceUrl, String> {
    ServiceUrl::parse(SERVICE).map_err(|e| format!("the fixture's service: {e}"))
}

/// The requester of the fixture's session, with keys from fixed seeds.
pub fn requester() -> Requester {
    Requester::from_seeds(&[1; 32], &[2; 32])
}

/// The session of [`requester`], asked for two minutes before `now` and
/// approved one minute before it by a device of user `bench`, so that
/// tokens signed at `now` are accepted.
pub fn approved_session(now: DateTime<Utc>) -> Result<LoginSession, String> {
    let requester = requester();
    let request = LoginRequest {
        username: Username::new("bench").map_err(|e| e.to_string())?,
        public_key: requester.key().public_key(),
        public_cert: requester.cert().public_key(),
        hostname: None,
        login_message: None,
        scope: countersign_core::TokenSet::default(),
        permissions: countersign_core::TokenSet::default(),
    };
    let asked = now - TimeDelta::minutes(2);
    let mut session = LoginSession::request(
        request,
        uid_from_random([0x5e; 16]),
        std::net::Ipv4Addr::LOCALHOST.into(),
        asked,
        TimeDelta::minutes(10),
    )
    .map_err(|e| format!("the fixture's request: {e}"))?;

    let device = Keypair::from_seed(&[3; 32]);
    let approved = now - TimeDelta::minutes(1);
    let claim = Claim::Approve {
        session: session.uid(),
        details: session.details_digest().ok_or("the fixture has no keys")?,
        // Any code: the core does not check it (the service does).
        code: VerificationCode::new(42).map_err(|e| e.to_string())?,
    };
    let service = service_url()?;
    let signer = Signer::Device(uid_from_random([0xd0; 16]));
    let statement = Statement::new(claim, service.clone(), signer, approved).sign(&device);
    let proof = session
        .verify_device(
            &statement,
            &device.public_key(),
            &service,
            approved,
            Freshness::default(),
        )
        .map_err(|e| format!("the fixture's approval: {e}"))?;
    session
        .set_approved(
            uid_from_random([0xe0; 16]),
            &proof,
            approved,
            DEFAULT_LOGIN_LIFETIME,
        )
        .map_err(|e| format!("the fixture's approval: {e}"))?;
    Ok(session)
}

/// `session` logged out at `at` by its requester, as the service would.
#[cfg(test)]
pub fn logged_out(session: &LoginSession, at: DateTime<Utc>) -> Result<LoginSession, String> {
    let service = service_url()?;
    let statement = requester().logout_at(session, &service, at)?;
    let proof = session
        .verify_requester(&statement, &service, at, Freshness::default())
        .map_err(|e| format!("the fixture's logout: {e}"))?;
    let mut after = session.clone();
    after
        .set_logged_out(&proof, at)
        .map_err(|e| format!("the fixture's logout: {e}"))?;
    Ok(after)
}
