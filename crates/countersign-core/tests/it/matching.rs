//! Number matching: codes drawn from the caller's random bytes, and the
//! wrong code's ending of a request (denied, `wrong_code`, keys cleared).

use chrono::TimeDelta;
use countersign_core::{Action, DenyReason, LoginSession, SessionError, Status, VerificationCode};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::*;

#[test]
fn a_drawn_code_is_any_two_digit_number() {
    let drawn = |n: u64| VerificationCode::from_random(n.to_be_bytes()).value();
    assert_eq!(drawn(0), 10);
    assert_eq!(drawn(89), 99);
    assert_eq!(drawn(90), 10);
    assert_eq!(drawn(u64::MAX), 10 + u8::try_from(u64::MAX % 90).unwrap());
    let mut seen = [false; 100];
    for n in 0..90 {
        seen[usize::from(drawn(n))] = true;
    }
    assert!(seen[10..].iter().all(|s| *s), "every code from 10 to 99");
    assert!(seen[..10].iter().all(|s| !*s), "nothing below 10");
}

#[test]
fn a_wrong_code_denies_the_request_for_good() {
    let mut session = pending();
    let at = t0() + TimeDelta::minutes(1);
    let approval = signed(&session, Action::Approve, at);
    session.deny_for_wrong_code(&approval, at).unwrap();
    assert_eq!(session.status(), Status::Denied);
    assert_eq!(session.deny_reason(), Some(DenyReason::WrongCode));
    assert_eq!(session.status_datetime(), at);
    assert_eq!(
        session.public_key(),
        None,
        "keys are cleared as on any deny"
    );
    assert!(
        session.details_digest().is_none(),
        "nothing more can be signed"
    );

    // The requester reads the reason in the session's JSON.
    let json = session.to_json_value();
    assert_eq!(json["status"], "denied");
    assert_eq!(json["deny_reason"], "wrong_code");
    assert_eq!(LoginSession::from_json_value(json).unwrap(), session);

    // And nothing moves it on: the right code comes too late.
    let mut again = session.clone();
    let refused = again.set_approved(user_uid(), &approval, at, TimeDelta::hours(1));
    assert!(
        matches!(refused, Err(SessionError::Transition(_))),
        "{refused:?}"
    );
    assert_eq!(again, session);
}

#[test]
fn a_plain_deny_has_no_reason() {
    let denied = in_status(Status::Denied);
    assert_eq!(denied.deny_reason(), None);
    assert!(denied.to_json_value()["deny_reason"].is_null());
}

#[test]
fn only_a_devices_approval_can_end_a_request_for_its_code() {
    let session = pending();
    let at = t0() + TimeDelta::minutes(1);
    for action in [Action::Deny, Action::ReportSuspicious] {
        let mut tried = session.clone();
        let proof = signed(&session, action, at);
        assert_eq!(
            tried.deny_for_wrong_code(&proof, at),
            Err(SessionError::ProofMismatch),
            "{action}"
        );
        assert_eq!(tried, session);
    }
    let mut other = LoginSession::request(
        request(),
        countersign_core::uid_from_random([0x77; 16]),
        "198.51.100.23".parse().unwrap(),
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap();
    let before = other.clone();
    let proof = signed(&session, Action::Approve, at);
    assert_eq!(
        other.deny_for_wrong_code(&proof, at),
        Err(SessionError::ProofMismatch),
        "a proof about another session"
    );
    assert_eq!(other, before);
}

#[test]
fn a_deny_reason_on_a_session_not_denied_does_not_decode() {
    let mut json = pending().to_json_value();
    json["deny_reason"] = "wrong_code".into();
    assert!(LoginSession::from_json_value(json).is_err());
}

#[test]
fn a_request_past_its_expiry_is_not_denied_for_its_code() {
    let mut session = pending();
    let late = session.expires_at();
    let proof = signed(&session, Action::Approve, t0());
    let before = session.clone();
    assert!(matches!(
        session.deny_for_wrong_code(&proof, late),
        Err(SessionError::Expired(_))
    ));
    assert_eq!(session, before);
}
