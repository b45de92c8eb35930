//! The JSON form of a session: the seed's field names, exact round trips, and
//! hostile JSON refused without a panic.

use crate::common::*;
use chrono::TimeDelta;
use countersign_core::{DecodeError, LoginRequest, LoginSession, Status, TokenSet, Username};
use proptest::prelude::*;
use serde_json::{Value, json};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

#[test]
fn uses_the_seed_field_names() {
    let value = in_status(Status::Approved).to_json_value();
    for field in [
        "uid",
        "username",
        "request_datetime",
        "public_key",
        "public_certificate",
        "status",
        "login_datetime",
        "logout_datetime",
        "ipaddr",
        "hostname",
        "login_message",
        "scope",
        "permissions",
        "user_uid",
        "device_uid",
        "short_uid",
        "expires_at",
    ] {
        assert!(value.get(field).is_some(), "missing {field}");
    }
    assert_eq!(value["status"], "approved");
    assert_eq!(value["ipaddr"], "198.51.100.23");
    assert_eq!(value["scope"], json!(["deploy", "openid"]));
}

#[test]
fn every_status_round_trips() {
    for status in Status::ALL {
        let session = in_status(status);
        let back = LoginSession::from_json(&session.to_json()).unwrap();
        assert_eq!(back, session, "{status}");
    }
}

/// Changes one field of a valid session's JSON and expects a refusal.
fn check_refused(field: &str, value: Value) {
    let mut json = in_status(Status::Approved).to_json_value();
    json[field] = value.clone();
    let outcome = LoginSession::from_json(&json.to_string());
    assert!(outcome.is_err(), "{field} = {value} was accepted");
}

#[test]
fn malformed_fields_are_refused() {
    check_refused("uid", json!("not-a-uuid"));
    check_refused("uid", json!(7));
    check_refused("short_uid", json!("00.00.00.00"));
    check_refused("username", json!(""));
    check_refused("username", json!("a\u{0}b"));
    check_refused("public_key", json!("!!!"));
    check_refused("public_key", json!("AAAA"));
    check_refused("public_key", Value::Null);
    check_refused("status", json!("approved_by_magic"));
    check_refused("request_datetime", json!("yesterday"));
    check_refused("expires_at", json!("2026-11-29T08:00:00Z"));
    check_refused("expires_at", json!("2036-11-29T08:00:00Z"));
    check_refused("ipaddr", json!("localhost"));
    check_refused("hostname", json!("two words"));
    check_refused("login_message", json!("a\nb"));
    check_refused("scope", json!("deploy"));
    check_refused("scope", json!(["has space"]));
    check_refused("permissions", json!([1, 2]));
    check_refused("login_datetime", Value::Null);
    check_refused("logout_datetime", json!("2026-11-29T10:00:00Z"));
    check_refused("user_uid", Value::Null);
}

#[test]
fn unknown_fields_are_ignored_for_forward_compatibility() {
    let session = in_status(Status::Approved);
    let mut json = session.to_json_value();
    json["added_by_a_newer_service"] = json!({"anything": [1, 2]});
    assert_eq!(LoginSession::from_json_value(json), Ok(session));
}

#[test]
fn inconsistent_sessions_are_refused() {
    let mut pending_without_keys = pending().to_json_value();
    pending_without_keys["public_certificate"] = Value::Null;
    let mut denied_with_keys = in_status(Status::Denied).to_json_value();
    denied_with_keys["public_key"] = pending().to_json_value()["public_key"].clone();
    denied_with_keys["public_certificate"] = pending().to_json_value()["public_key"].clone();
    for value in [pending_without_keys, denied_with_keys] {
        assert!(matches!(
            LoginSession::from_json_value(value),
            Err(DecodeError::Inconsistent(_))
        ));
    }
}

#[test]
fn hostile_documents_are_refused_without_panicking() {
    let deep = "[".repeat(100_000);
    for text in [
        "",
        "null",
        "[]",
        "{}",
        "{\"uid\":",
        "\"\\ud800\"",
        "{\"uid\": 1e999999}",
        &deep,
        "{\"uid\":\"00000000-0000-0000-0000-000000000000\",\"uid\":\"x\"}",
    ] {
        let outcome = LoginSession::from_json(text);
        assert!(
            matches!(outcome, Err(DecodeError::Json(_))),
            "{text:.40}: {outcome:?}"
        );
    }
}

fn arb_session() -> impl Strategy<Value = LoginSession> {
    (
        any::<[u8; 16]>(),
        "[a-z][a-z0-9.@-]{0,30}",
        proptest::option::of("[a-z0-9-]{1,20}(\\.[a-z]{2,5})?"),
        proptest::option::of("[ -~]{1,80}"),
        proptest::collection::vec("[!-~]{1,10}", 0..5),
        any::<[u8; 4]>(),
        0i64..1_000_000_000,
        1i64..86_400,
        0usize..Status::ALL.len(),
    )
        .prop_filter_map(
            "message must not be blank",
            |(uid, name, hostname, message, scope, ip, at, ttl, status)| {
                if message.as_deref().is_some_and(|m| m.trim().is_empty()) {
                    return None;
                }
                let request = LoginRequest {
                    username: Username::new(name).ok()?,
                    public_key: session_key().public_key(),
                    public_cert: cert_key().public_key(),
                    hostname,
                    login_message: message,
                    scope: TokenSet::new("scope", scope).ok()?,
                    permissions: TokenSet::empty(),
                };
                let start = t0() + TimeDelta::milliseconds(at);
                let mut session = LoginSession::request(
                    request,
                    countersign_core::uid_from_random(uid),
                    std::net::IpAddr::from(ip),
                    start,
                    TimeDelta::seconds(ttl),
                )
                .ok()?;
                let fresh = session.clone();
                let step = start + TimeDelta::milliseconds(500);
                use countersign_core::Action as A;
                let path: &[A] = match Status::ALL[status] {
                    Status::Pending => &[],
                    Status::Approved => &[A::Approve],
                    Status::Denied => &[A::Deny],
                    Status::Suspicious => &[A::ReportSuspicious],
                    Status::Expired => &[A::Expire],
                    Status::LoggedOut => &[A::Approve, A::Logout],
                };
                for action in path {
                    let at = if *action == A::Expire {
                        session.expires_at()
                    } else {
                        step
                    };
                    apply(&mut session, *action, at, &fresh).ok()?;
                }
                Some(session)
            },
        )
}

proptest! {
    #![proptest_config(crate::common::proptest_config(128))]

    #[test]
    fn any_session_round_trips_exactly(session in arb_session()) {
        let back = LoginSession::from_json(&session.to_json());
        prop_assert_eq!(back, Ok(session));
    }

    #[test]
    fn any_text_decodes_or_errors_without_panicking(text in "\\PC{0,200}") {
        let _ = LoginSession::from_json(&text);
    }

    #[test]
    fn any_field_replaced_by_any_value_never_panics(
        field in 0usize..17,
        value in prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            any::<bool>().prop_map(Value::from),
            "\\PC{0,40}".prop_map(Value::from),
        ],
    ) {
        let mut json = in_status(Status::Approved).to_json_value();
        let Some(object) = json.as_object_mut() else { unreachable!() };
        let key = object.keys().nth(field).cloned().unwrap_or_default();
        object.insert(key, value);
        let _ = LoginSession::from_json_value(json);
    }
}
