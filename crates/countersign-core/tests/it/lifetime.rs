//! The end of a session: an approved login's lifetime, a requester's cancel,
//! the revocation of the approving device, and what the session JSON grants
//! at each point.

use crate::common::*;
use chrono::TimeDelta;
use countersign_core::{
    Action, Claim, DEFAULT_LOGIN_LIFETIME, DecodeError, Freshness, LoginSession,
    MAX_LOGIN_LIFETIME, SessionError, Signer, Statement, StatementError, Status, TransitionError,
    Verified, uid_from_random,
};
use serde_json::{Value, json};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn the_default_login_lasts_twelve_hours() {
    assert_eq!(DEFAULT_LOGIN_LIFETIME, TimeDelta::hours(12));
    let session = in_status(Status::Approved);
    let approved_at = session.login_time().unwrap();
    assert_eq!(
        session.login_expires_at(),
        Some(approved_at + DEFAULT_LOGIN_LIFETIME)
    );
    assert_eq!(session.runs_out_at(), session.login_expires_at());
    assert_eq!(pending().login_expires_at(), None);
    assert_eq!(pending().runs_out_at(), Some(pending().expires_at()));
}

#[test]
fn the_login_lifetime_is_the_one_given() {
    let mut session = pending();
    let at = t0() + TimeDelta::seconds(30);
    let proof = signed(&session, Action::Approve, at);
    session
        .set_approved(user_uid(), &proof, at, TimeDelta::minutes(90))
        .unwrap();
    assert_eq!(
        session.login_expires_at(),
        Some(at + TimeDelta::minutes(90))
    );
}

#[test]
fn login_lifetimes_out_of_bounds_are_refused() {
    let at = t0() + TimeDelta::seconds(30);
    for lifetime in [
        TimeDelta::zero(),
        TimeDelta::milliseconds(999),
        TimeDelta::hours(-1),
        MAX_LOGIN_LIFETIME + TimeDelta::seconds(1),
    ] {
        let mut session = pending();
        let before = session.clone();
        let proof = signed(&session, Action::Approve, at);
        assert_eq!(
            session.set_approved(user_uid(), &proof, at, lifetime),
            Err(SessionError::BadLifetime),
            "{lifetime}"
        );
        assert_eq!(session, before, "a refused approval changed the session");
    }
}

#[test]
fn an_approved_session_expires_at_the_end_of_its_lifetime() {
    let mut session = in_status(Status::Approved);
    let end = session.login_expires_at().unwrap();
    let just_before = end - TimeDelta::milliseconds(1);
    assert_eq!(session.status_at(just_before), Status::Approved);
    assert!(!session.has_run_out(just_before));
    assert_eq!(session.status_at(end), Status::Expired);
    assert!(session.has_run_out(end));
    let before = session.clone();
    assert_eq!(
        session.expire(just_before),
        Err(SessionError::NotYetExpired(end))
    );
    assert_eq!(session, before);
    session.expire(end).unwrap();
    assert!(session.is_expired());
    assert_eq!(session.status_datetime(), end);
    assert_eq!(
        session.login_time(),
        before.login_time(),
        "the login stays on record"
    );
    assert!(session.granted_scope().is_empty());
    assert!(session.granted_permissions().is_empty());
}

#[test]
fn nothing_else_happens_to_a_login_past_its_lifetime() {
    let approved = in_status(Status::Approved);
    let end = approved.login_expires_at().unwrap();
    for action in [Action::Logout, Action::ReportSuspicious] {
        let mut session = approved.clone();
        let outcome = apply(&mut session, action, end, &approved);
        assert_eq!(outcome, Err(SessionError::Expired(end)), "{action}");
        assert_eq!(session, approved);
    }
}

fn requester_logout(session: &LoginSession) -> Result<Verified, StatementError> {
    let logout = Statement::new(
        Claim::Logout {
            session: session.uid(),
            details: session.details_digest().unwrap(),
        },
        service_url(),
        Signer::Requester,
        t0() + TimeDelta::minutes(2),
    )
    .sign(&cert_key());
    session.verify_requester(
        &logout,
        &service_url(),
        t0() + TimeDelta::minutes(2),
        Freshness::default(),
    )
}

#[test]
fn the_requester_cancels_a_pending_request() {
    let mut session = pending();
    let proof = requester_logout(&session).unwrap();
    let at = t0() + TimeDelta::minutes(2);
    session.logout(&proof, at).unwrap();
    assert!(session.is_logged_out());
    assert!(session.was_cancelled());
    assert_eq!(session.logout_time(), Some(at));
    assert_eq!(session.login_time(), None);
    assert_eq!(
        (session.public_key(), session.public_cert()),
        (None, None),
        "keys are cleared on logout"
    );
    let back = LoginSession::from_json(&session.to_json()).unwrap();
    assert!(back.was_cancelled());
}

#[test]
fn a_logout_after_approval_is_not_a_cancel() {
    let mut session = in_status(Status::Approved);
    let proof = requester_logout(&session).unwrap();
    session
        .logout(&proof, t0() + TimeDelta::minutes(2))
        .unwrap();
    assert!(session.is_logged_out());
    assert!(!session.was_cancelled());
    // The fixtures' logged-out session was approved first; none of the
    // others was logged out.
    for status in Status::ALL {
        assert!(!in_status(status).was_cancelled(), "{status}");
    }
}

#[test]
fn only_a_device_closes_a_suspicious_session() {
    let suspicious = in_status(Status::Suspicious);
    assert_eq!(
        requester_logout(&suspicious).map(|p| p.action()),
        Err(StatementError::WrongSigner)
    );
    // A proof made while the session was approved, applied after the
    // report, is refused too: the report must stay visible.
    let approved = in_status(Status::Approved);
    let proof = requester_logout(&approved).unwrap();
    let mut session = suspicious.clone();
    assert_eq!(
        session.logout(&proof, t0() + TimeDelta::minutes(2)),
        Err(SessionError::ProofMismatch)
    );
    assert_eq!(session, suspicious);
    // A device of the user may.
    let at = t0() + TimeDelta::minutes(2);
    apply(&mut session, Action::Logout, at, &pending()).unwrap();
    assert!(session.is_logged_out());
}

#[test]
fn the_json_grants_only_while_approved() {
    for status in Status::ALL {
        let value = in_status(status).to_json_value();
        let (scope, permissions) = if status == Status::Approved {
            (json!(["deploy", "openid"]), json!(["read", "write"]))
        } else {
            (json!([]), json!([]))
        };
        assert_eq!(value["granted_scope"], scope, "{status}");
        assert_eq!(value["granted_permissions"], permissions, "{status}");
        // The asked-for sets stay on record for the approver to read.
        assert_eq!(value["scope"], json!(["deploy", "openid"]), "{status}");
    }
}

#[test]
fn granted_sets_in_json_are_ignored_when_reading() {
    let session = pending();
    let mut value = session.to_json_value();
    value["granted_scope"] = json!(["admin"]);
    value["granted_permissions"] = json!(["everything"]);
    let read = LoginSession::from_json_value(value).unwrap();
    assert_eq!(read, session);
    assert!(read.granted_scope().is_empty());
}

#[test]
fn login_expires_at_is_in_the_json_and_checked() {
    let session = in_status(Status::Approved);
    let value = session.to_json_value();
    assert_eq!(value["login_expires_at"], "2026-11-29T21:01:00Z");
    assert_eq!(pending().to_json_value()["login_expires_at"], Value::Null);
    let refused = |field: &str, new: Value, base: &LoginSession| {
        let mut value = base.to_json_value();
        value[field] = new;
        let outcome = LoginSession::from_json_value(value);
        assert!(
            matches!(outcome, Err(DecodeError::Inconsistent(_))),
            "{field}: {outcome:?}"
        );
    };
    refused("login_expires_at", "2026-11-29T09:01:00Z".into(), &session);
    refused("login_expires_at", "2026-12-30T09:01:01Z".into(), &session);
    refused(
        "login_expires_at",
        "2026-11-29T21:01:00Z".into(),
        &pending(),
    );
}

#[test]
fn rows_from_before_login_lifetimes_get_the_default_one() {
    let session = in_status(Status::Approved);
    let mut value = session.to_json_value();
    value.as_object_mut().unwrap().remove("login_expires_at");
    let read = LoginSession::from_json_value(value).unwrap();
    assert_eq!(
        read.login_expires_at(),
        Some(session.login_time().unwrap() + DEFAULT_LOGIN_LIFETIME)
    );
    // At the far end of time, refused rather than overflowing.
    let mut value = session.to_json_value();
    value.as_object_mut().unwrap().remove("login_expires_at");
    value["login_datetime"] = "+262142-12-31T23:59:59Z".into();
    assert_eq!(
        LoginSession::from_json_value(value),
        Err(DecodeError::Inconsistent("login_datetime is out of range"))
    );
}

#[test]
fn revoking_the_approving_device_logs_out_its_live_logins() {
    let at = t0() + TimeDelta::minutes(3);
    for status in [Status::Approved, Status::Suspicious] {
        let mut session = in_status(status);
        session.log_out_for_revocation(device_uid(), at).unwrap();
        assert!(session.is_logged_out(), "{status}");
        assert!(!session.was_cancelled(), "{status}: it was approved");
        assert_eq!(session.logout_time(), Some(at));
        assert_eq!(session.status_datetime(), at);
        assert_eq!(
            (session.public_key(), session.public_cert()),
            (None, None),
            "{status}: keys are cleared"
        );
        assert!(session.granted_scope().is_empty());
        let back = LoginSession::from_json(&session.to_json()).unwrap();
        assert_eq!(back, session, "{status}: the record reads back");
    }
}

#[test]
fn revoking_another_device_or_a_closed_session_changes_nothing() {
    let at = t0() + TimeDelta::minutes(3);
    let other = uid_from_random([0xd1; 16]);
    let approved = in_status(Status::Approved);
    let cases = [
        // Another device approved it, or none did.
        (approved.clone(), other, Err(SessionError::ProofMismatch)),
        (pending(), device_uid(), Err(SessionError::ProofMismatch)),
        (
            in_status(Status::Denied),
            device_uid(),
            Err(SessionError::ProofMismatch),
        ),
        // Closed already.
        (
            in_status(Status::LoggedOut),
            device_uid(),
            Err(SessionError::Transition(TransitionError {
                from: Status::LoggedOut,
                action: Action::Logout,
            })),
        ),
    ];
    for (session, device, expected) in cases {
        let mut changed = session.clone();
        assert_eq!(
            changed.log_out_for_revocation(device, at),
            expected,
            "{}",
            session.status()
        );
        assert_eq!(changed, session, "a refused logout changed the session");
    }
    // A login past its lifetime is expired, not logged out.
    let end = approved.login_expires_at().unwrap();
    let mut late = approved.clone();
    assert_eq!(
        late.log_out_for_revocation(device_uid(), end),
        Err(SessionError::Expired(end))
    );
    assert_eq!(late, approved);
}

#[test]
fn an_operator_logs_out_any_live_session_and_nothing_else() {
    let at = t0() + TimeDelta::minutes(3);
    for status in [Status::Pending, Status::Approved, Status::Suspicious] {
        let mut session = in_status(status);
        session.log_out_by_operator(at).unwrap();
        assert!(session.is_logged_out(), "{status}");
        assert_eq!(session.logout_time(), Some(at), "{status}");
        assert_eq!(
            (session.public_key(), session.public_cert()),
            (None, None),
            "{status}: keys are cleared"
        );
        let back = LoginSession::from_json(&session.to_json()).unwrap();
        assert_eq!(back, session, "{status}: the record reads back");
    }
    for status in [Status::Denied, Status::Expired, Status::LoggedOut] {
        let session = in_status(status);
        let mut changed = session.clone();
        assert_eq!(
            changed.log_out_by_operator(at),
            Err(SessionError::Transition(TransitionError {
                from: status,
                action: Action::Logout,
            })),
            "{status}"
        );
        assert_eq!(changed, session, "{status}: a refused logout changed it");
    }
    // An operator's clock behind the service's: dated at the last change.
    let mut behind = in_status(Status::Approved);
    let approved_at = behind.status_datetime();
    behind.log_out_by_operator(t0()).unwrap();
    assert_eq!(behind.logout_time(), Some(approved_at));
    LoginSession::from_json(&behind.to_json()).unwrap();
    // A login past its lifetime is expired, not logged out.
    let approved = in_status(Status::Approved);
    let end = approved.login_expires_at().unwrap();
    let mut late = approved.clone();
    assert_eq!(
        late.log_out_by_operator(end),
        Err(SessionError::Expired(end))
    );
    assert_eq!(late, approved);
}
