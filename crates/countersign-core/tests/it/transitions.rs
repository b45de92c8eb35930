//! Every status against every action: the transition table, enforced, with
//! timestamps and cleared keys as the design says.

use crate::common::*;
use chrono::TimeDelta;
use countersign_core::{Action, DEFAULT_LOGIN_LIFETIME, SessionError, Status, TransitionError};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// What the design allows: `Some(next)` or `None` for a refusal.
fn expected(from: Status, action: Action) -> Option<Status> {
    use Action as A;
    use Status as S;
    match (from, action) {
        (S::Pending, A::Approve) => Some(S::Approved),
        (S::Pending, A::Deny) => Some(S::Denied),
        (S::Pending, A::ReportSuspicious) => Some(S::Suspicious),
        (S::Pending, A::Expire) => Some(S::Expired),
        (S::Pending, A::Logout) => Some(S::LoggedOut),
        (S::Approved, A::Logout) => Some(S::LoggedOut),
        (S::Approved, A::Expire) => Some(S::Expired),
        (S::Approved, A::ReportSuspicious) => Some(S::Suspicious),
        (S::Suspicious, A::Logout) => Some(S::LoggedOut),
        _ => None,
    }
}

/// Runs one cell of the table on a real session and checks the outcome.
fn check(from: Status, action: Action) {
    let fresh = pending();
    let mut session = in_status(from);
    let before = session.clone();
    // Expiry needs the clock past the end of the session's status (its
    // expires_at while pending, its login_expires_at while approved);
    // everything else happens while the session is still in time.
    let at = match action {
        Action::Expire => session.runs_out_at().unwrap_or(session.expires_at()),
        _ => t0() + TimeDelta::minutes(2),
    };
    let outcome = apply(&mut session, action, at, &fresh);
    match expected(from, action) {
        Some(next) => {
            assert_eq!(outcome, Ok(()), "{from} --{action}--> {next}");
            assert_eq!(session.status(), next, "{from} --{action}-->");
            assert_eq!(session.status_datetime(), at);
        }
        None => {
            assert_eq!(
                outcome,
                Err(SessionError::Transition(TransitionError { from, action })),
                "{from} --{action}--> must be refused"
            );
            assert_eq!(
                session, before,
                "a refused {action} changed a {from} session"
            );
        }
    }
}

#[test]
fn every_status_against_every_action() {
    for from in Status::ALL {
        for action in Action::ALL {
            check(from, action);
        }
    }
}

#[test]
fn the_core_table_matches_the_design() {
    for from in Status::ALL {
        for action in Action::ALL {
            assert_eq!(from.after(action).ok(), expected(from, action));
        }
    }
}

#[test]
fn final_statuses_accept_nothing() {
    for from in Status::ALL {
        let accepts = Action::ALL.iter().any(|a| from.after(*a).is_ok());
        assert_eq!(from.is_final(), !accepts, "{from}");
    }
}

#[test]
fn approval_records_who_and_when() {
    let mut session = pending();
    let at = t0() + TimeDelta::seconds(90);
    let proof = signed(&session, Action::Approve, at);
    session
        .set_approved(user_uid(), &proof, at, DEFAULT_LOGIN_LIFETIME)
        .unwrap();
    assert!(session.is_approved());
    assert_eq!(session.login_time(), Some(at));
    assert_eq!(session.logout_time(), None);
    assert_eq!(session.user_uid(), Some(user_uid()));
    assert_eq!(session.device_uid(), Some(device_uid()));
    assert_eq!(session.granted_scope(), *session.scope());
}

#[test]
fn logout_records_the_time_and_clears_the_keys() {
    let mut session = in_status(Status::Approved);
    let at = t0() + TimeDelta::hours(3);
    let proof = signed(&session, Action::Logout, at);
    session.logout(&proof, at).unwrap();
    assert!(session.is_logged_out());
    assert_eq!(session.logout_time(), Some(at));
    assert_eq!(session.public_key(), None);
    assert_eq!(session.public_cert(), None);
    assert!(session.granted_scope().is_empty());
}

#[test]
fn denial_clears_the_keys_and_suspicion_keeps_them() {
    let denied = in_status(Status::Denied);
    assert_eq!((denied.public_key(), denied.public_cert()), (None, None));
    assert_eq!(denied.login_time(), None);
    let suspicious = in_status(Status::Suspicious);
    assert!(suspicious.public_key().is_some() && suspicious.public_cert().is_some());
}

#[test]
fn a_suspicious_session_is_granted_nothing() {
    let session = in_status(Status::Suspicious);
    assert!(!session.scope().is_empty());
    assert!(session.granted_scope().is_empty());
    assert!(session.granted_permissions().is_empty());
}

#[test]
fn a_pending_session_past_its_time_cannot_be_approved() {
    let mut session = pending();
    let late = session.expires_at();
    let proof = signed(&session, Action::Approve, late);
    let before = session.clone();
    assert_eq!(
        session.set_approved(user_uid(), &proof, late, DEFAULT_LOGIN_LIFETIME),
        Err(SessionError::Expired(session.expires_at()))
    );
    assert_eq!(session, before);
    assert_eq!(session.status_at(late), Status::Expired);
    assert_eq!(
        session.status_at(late - TimeDelta::milliseconds(1)),
        Status::Pending
    );
    for action in [Action::Deny, Action::ReportSuspicious] {
        let proof = signed(&session, action, late);
        let outcome = match action {
            Action::Deny => session.set_denied(&proof, late),
            _ => session.set_suspicious(&proof, late),
        };
        assert_eq!(outcome, Err(SessionError::Expired(session.expires_at())));
        assert_eq!(session, before);
    }
}

#[test]
fn a_session_cannot_be_expired_early() {
    let mut session = pending();
    let before = session.clone();
    let early = session.expires_at() - TimeDelta::seconds(1);
    assert_eq!(
        session.expire(early),
        Err(SessionError::NotYetExpired(session.expires_at()))
    );
    assert_eq!(session, before);
}

#[test]
fn a_proof_for_one_action_does_not_do_another() {
    let mut session = pending();
    let before = session.clone();
    let at = t0() + TimeDelta::minutes(1);
    let deny = signed(&session, Action::Deny, at);
    assert_eq!(
        session.set_approved(user_uid(), &deny, at, DEFAULT_LOGIN_LIFETIME),
        Err(SessionError::ProofMismatch)
    );
    assert_eq!(
        session.set_suspicious(&deny, at),
        Err(SessionError::ProofMismatch)
    );
    assert_eq!(session, before);
}

#[test]
fn a_proof_for_one_session_does_not_move_another() {
    let other = pending_with_uid([0x77; 16]);
    let mut session = pending();
    let before = session.clone();
    let at = t0() + TimeDelta::minutes(1);
    let proof = signed(&other, Action::Approve, at);
    assert_eq!(
        session.set_approved(user_uid(), &proof, at, DEFAULT_LOGIN_LIFETIME),
        Err(SessionError::ProofMismatch)
    );
    assert_eq!(session, before);
}

fn pending_with_uid(bytes: [u8; 16]) -> countersign_core::LoginSession {
    countersign_core::LoginSession::request(
        request(),
        countersign_core::uid_from_random(bytes),
        "198.51.100.23".parse().unwrap(),
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap()
}

#[test]
fn lifetimes_out_of_bounds_are_refused() {
    for ttl in [
        TimeDelta::zero(),
        TimeDelta::days(2),
        TimeDelta::seconds(-5),
    ] {
        let outcome = countersign_core::LoginSession::request(
            request(),
            countersign_core::uid_from_random([1; 16]),
            "198.51.100.23".parse().unwrap(),
            t0(),
            ttl,
        );
        assert_eq!(outcome, Err(SessionError::BadLifetime), "{ttl}");
    }
}
