//! Fixtures shared by the core tests: fixed keys, a fixed clock and sessions
//! driven into each status.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use countersign_core::{
    Action, Claim, DEFAULT_LOGIN_LIFETIME, Freshness, Keypair, LoginRequest, LoginSession,
    ServiceUrl, Signer, Statement, Status, TokenSet, Username, VerificationCode, Verified,
    uid_from_random,
};
use uuid::Uuid;

/// The time every test starts at.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap()
}

pub fn session_key() -> Keypair {
    Keypair::from_seed(&[1; 32])
}

pub fn cert_key() -> Keypair {
    Keypair::from_seed(&[2; 32])
}

pub fn device_key() -> Keypair {
    Keypair::from_seed(&[3; 32])
}

/// The service every statement in these tests is made for.
pub fn service_url() -> ServiceUrl {
    ServiceUrl::parse("https://cs.example").unwrap()
}

pub fn device_uid() -> Uuid {
    uid_from_random([0xd0; 16])
}

pub fn user_uid() -> Uuid {
    uid_from_random([0xe0; 16])
}

pub fn request() -> LoginRequest {
    LoginRequest {
        username: Username::new("ada@example.org").unwrap(),
        public_key: session_key().public_key(),
        public_cert: cert_key().public_key(),
        hostname: Some("build-01.example.org".into()),
        login_message: Some("deploy release 4.2 to staging".into()),
        scope: TokenSet::parse_list("scope", "openid deploy").unwrap(),
        permissions: TokenSet::parse_list("permissions", "read,write").unwrap(),
    }
}

/// The code the approver types in these tests. The core never checks it
/// (only the service knows a session's code): any code makes a proof.
pub fn typed_code() -> VerificationCode {
    VerificationCode::new(70).unwrap()
}

/// A pending session made at [`t0`] from 198.51.100.23 with a 10 minute life.
pub fn pending() -> LoginSession {
    LoginSession::request(
        request(),
        uid_from_random([0x5e; 16]),
        "198.51.100.23".parse().unwrap(),
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap()
}

/// A statement about `session` for `action`, signed by the device (or, for
/// a logout with `by_requester`, by the requester).
pub fn signed(session: &LoginSession, action: Action, at: DateTime<Utc>) -> Verified {
    let details = session.details_digest().expect("keys are held");
    let claim = match action {
        Action::Approve => Claim::Approve {
            session: session.uid(),
            details,
            code: typed_code(),
        },
        Action::Deny => Claim::Deny {
            session: session.uid(),
            details,
        },
        Action::ReportSuspicious => Claim::ReportSuspicious {
            session: session.uid(),
            details,
        },
        Action::Logout => Claim::Logout {
            session: session.uid(),
            details,
        },
        Action::Expire => panic!("expiry is not signed"),
    };
    let statement =
        Statement::new(claim, service_url(), Signer::Device(device_uid()), at).sign(&device_key());
    session
        .verify_device(
            &statement,
            &device_key().public_key(),
            &service_url(),
            at,
            Freshness::default(),
        )
        .unwrap()
}

/// Applies `action` at `at` the way the service does: verify, then transition.
/// Statements cannot be made for a session whose keys are cleared, so for
/// those a proof made on an earlier copy of the session is used: it must
/// still be refused by the transition table.
pub fn apply(
    session: &mut LoginSession,
    action: Action,
    at: DateTime<Utc>,
    proof_from: &LoginSession,
) -> Result<(), countersign_core::SessionError> {
    match action {
        Action::Expire => session.expire(at),
        Action::Approve => {
            let proof = signed(proof_from, action, at);
            session.set_approved(user_uid(), &proof, at, DEFAULT_LOGIN_LIFETIME)
        }
        Action::Deny => {
            let proof = signed(proof_from, action, at);
            session.set_denied(&proof, at)
        }
        Action::ReportSuspicious => {
            let proof = signed(proof_from, action, at);
            session.set_suspicious(&proof, at)
        }
        Action::Logout => {
            let proof = signed(proof_from, action, at);
            session.set_logged_out(&proof, at)
        }
    }
}

/// A session driven from pending into `status` by legal transitions.
pub fn in_status(status: Status) -> LoginSession {
    let fresh = pending();
    let mut s = fresh.clone();
    let at = t0() + TimeDelta::minutes(1);
    let path: &[Action] = match status {
        Status::Pending => &[],
        Status::Approved => &[Action::Approve],
        Status::Denied => &[Action::Deny],
        Status::Suspicious => &[Action::Approve, Action::ReportSuspicious],
        Status::Expired => &[],
        Status::LoggedOut => &[Action::Approve, Action::Logout],
    };
    for action in path {
        apply(&mut s, *action, at, &fresh).unwrap();
    }
    if status == Status::Expired {
        s.expire(s.expires_at()).unwrap();
    }
    assert_eq!(s.status(), status);
    s
}

/// The proptest settings for every target: no failure files, since the
/// browser and Node have no file system.
pub fn proptest_config(cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}
