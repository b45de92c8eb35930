//! The seed's `load`: by uid, or by short uid and status, narrowed to a scope
//! and permissions inside the granted ones.

use crate::common::*;
use chrono::TimeDelta;
use countersign_core::{
    LoadError, LoginSession, Narrowing, Status, TokenSet, load_by_short_uid, load_by_uid,
    uid_from_random,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn narrowing(scope: Option<&str>, permissions: Option<&str>) -> Narrowing {
    Narrowing {
        scope: scope.map(|s| TokenSet::parse_list("scope", s).unwrap()),
        permissions: permissions.map(|p| TokenSet::parse_list("permissions", p).unwrap()),
    }
}

/// A store's worth of sessions: one in each status, plus two that share a
/// short uid.
fn store() -> Vec<LoginSession> {
    let mut all: Vec<LoginSession> = Status::ALL.into_iter().map(in_status_unique).collect();
    for tail in [1u8, 2] {
        let mut bytes = [0xaa; 16];
        bytes[15] = tail;
        all.push(pending_with(bytes));
    }
    all
}

fn pending_with(bytes: [u8; 16]) -> LoginSession {
    LoginSession::request(
        request(),
        uid_from_random(bytes),
        "198.51.100.23".parse().unwrap(),
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap()
}

/// `in_status`, but each status with its own uid (the serde form lets us
/// rewrite the uid of a fixture).
fn in_status_unique(status: Status) -> LoginSession {
    let mut value = in_status(status).to_json_value();
    let index = Status::ALL.iter().position(|s| *s == status).unwrap();
    let uid = uid_from_random([u8::try_from(index).unwrap() + 1; 16]);
    value["uid"] = uid.to_string().into();
    value["short_uid"] = serde_json::Value::Null;
    LoginSession::from_json_value(value).unwrap()
}

#[test]
fn by_uid_finds_exactly_that_session() {
    let all = store();
    let wanted = all[1].clone();
    assert_eq!(
        load_by_uid(all.clone(), wanted.uid(), &Narrowing::default()),
        Ok(wanted)
    );
    assert_eq!(
        load_by_uid(all, uid_from_random([0xff; 16]), &Narrowing::default()),
        Err(LoadError::NotFound)
    );
}

#[test]
fn by_short_uid_and_status_returns_every_match() {
    let all = store();
    let shared = all[6].short_uid();
    let found = load_by_short_uid(
        all.clone(),
        shared,
        Status::Pending,
        t0(),
        &Narrowing::default(),
    )
    .unwrap();
    assert_eq!(found.len(), 2);
    assert!(found.iter().all(|s| s.short_uid() == shared));
    assert_eq!(found.clone().into_single(), Err(LoadError::Ambiguous(2)));
    assert_eq!(found.into_vec().len(), 2);

    let approved = all[1].clone();
    let one = load_by_short_uid(
        all.clone(),
        approved.short_uid(),
        Status::Approved,
        t0(),
        &Narrowing::default(),
    )
    .unwrap();
    assert_eq!(one.into_single(), Ok(approved.clone()));
    assert_eq!(
        load_by_short_uid(
            all,
            approved.short_uid(),
            Status::Pending,
            t0(),
            &Narrowing::default()
        ),
        Err(LoadError::NotFound)
    );
}

#[test]
fn a_pending_session_past_its_time_loads_as_expired() {
    let session = pending();
    let late = session.expires_at();
    let short = session.short_uid();
    assert_eq!(
        load_by_short_uid(
            [session.clone()],
            short,
            Status::Pending,
            late,
            &Narrowing::default()
        ),
        Err(LoadError::NotFound)
    );
    assert!(
        load_by_short_uid(
            [session],
            short,
            Status::Expired,
            late,
            &Narrowing::default()
        )
        .is_ok()
    );
}

#[test]
fn narrowing_inside_the_grant_narrows() {
    let approved = in_status(Status::Approved);
    let uid = approved.uid();
    let narrowed = load_by_uid([approved], uid, &narrowing(Some("deploy"), Some("read"))).unwrap();
    assert_eq!(narrowed.scope().joined(), "deploy");
    assert_eq!(narrowed.permissions().joined(), "read");
}

#[test]
fn narrowing_outside_the_grant_is_an_error() {
    let approved = in_status(Status::Approved);
    let uid = approved.uid();
    for (scope, permissions) in [
        (Some("admin"), None),
        (None, Some("read delete")),
        (Some("openid deploy admin"), Some("read")),
    ] {
        assert_eq!(
            load_by_uid([approved.clone()], uid, &narrowing(scope, permissions)),
            Err(LoadError::NotGranted),
            "{scope:?} {permissions:?}"
        );
    }
}

#[test]
fn sessions_that_are_not_approved_are_granted_nothing() {
    for status in [
        Status::Pending,
        Status::Suspicious,
        Status::Denied,
        Status::LoggedOut,
    ] {
        let session = in_status(status);
        let uid = session.uid();
        assert_eq!(
            load_by_uid([session.clone()], uid, &narrowing(Some("openid"), None)),
            Err(LoadError::NotGranted),
            "{status}"
        );
        // Asking for nothing is always inside the grant.
        assert!(load_by_uid([session], uid, &narrowing(Some(""), Some(""))).is_ok());
    }
}
