//! The JSON forms that the browser's wasm reads its own way (claims in one
//! pass, times by the strict RFC 3339 parser; see `claim_wire.rs` and
//! `wire_time.rs`): these tests run natively and in wasm, so both readers
//! must give the same answers to what countersign writes.

use crate::common::*;
use chrono::{DateTime, FixedOffset, NaiveDate, SecondsFormat, Utc};
use countersign_core::api::DeviceInfo;
use countersign_core::{
    Claim, DeviceName, Digest, Keypair, LoginSession, Status, VerificationCode,
};
use serde_json::{Value, json};
use uuid::Uuid;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn digest() -> Digest {
    Digest::from_text(&"A".repeat(43)).unwrap()
}

fn every_claim() -> Vec<Claim> {
    let session = Uuid::from_u128(7);
    let user = user_uid();
    let device = device_uid();
    vec![
        Claim::Approve {
            session,
            details: digest(),
            code: VerificationCode::new(42).unwrap(),
        },
        Claim::Deny {
            session,
            details: digest(),
        },
        Claim::ReportSuspicious {
            session,
            details: digest(),
        },
        Claim::Logout {
            session,
            details: digest(),
        },
        Claim::EnrollDevice {
            user,
            device,
            device_key: Keypair::from_seed(&[3; 32]).public_key(),
            device_name: DeviceName::new("Work laptop").unwrap(),
        },
        Claim::RevokeDevice { user, device },
        Claim::ReadAccount { user },
        Claim::InviteDevice { user },
    ]
}

fn read_claim(value: Value) -> Result<Claim, String> {
    serde_json::from_value(value).map_err(|e| e.to_string())
}

#[test]
fn every_claim_reads_back_as_written() {
    for claim in every_claim() {
        let value = serde_json::to_value(&claim).unwrap();
        assert_eq!(value["action"], claim.action_name());
        assert_eq!(read_claim(value).unwrap(), claim);
    }
}

#[test]
fn a_claim_without_a_field_its_action_needs_is_refused_naming_it() {
    for (claim, field) in [
        (0, "code"),
        (0, "session"),
        (1, "details"),
        (4, "device_key"),
        (4, "device_name"),
        (5, "device"),
        (7, "user"),
    ] {
        let mut value = serde_json::to_value(&every_claim()[claim]).unwrap();
        value.as_object_mut().unwrap().remove(field);
        let refused = read_claim(value.clone()).unwrap_err();
        assert!(
            refused.contains(&format!("missing field `{field}`")),
            "{value}: {refused}"
        );
    }
}

#[test]
fn a_claim_with_an_unknown_or_no_action_or_a_bad_field_is_refused() {
    let user = user_uid().to_string();
    for value in [
        json!({ "action": "fly", "user": user }),
        json!({ "user": user }),
        json!({ "action": "read_account", "user": "x" }),
        json!({ "action": "approve", "session": user, "details": "x", "code": 42 }),
        json!({ "action": "approve", "session": user, "details": digest(), "code": 5 }),
        json!({ "action": "approve", "session": user, "details": digest(), "code": "42" }),
    ] {
        assert!(read_claim(value.clone()).is_err(), "{value} was read");
    }
}

/// A device's JSON, as the service writes it, with `created_at` written
/// as `text`, read back: a body whose times are not checked against each
/// other, so a refusal is the time's own.
fn created_at(text: &str) -> Result<DateTime<Utc>, String> {
    let value = json!({
        "uid": device_uid(),
        "user_uid": user_uid(),
        "name": "Work laptop",
        "public_key": device_key().public_key(),
        "created_at": text,
        "revoked_at": null,
    });
    serde_json::from_value::<DeviceInfo>(value)
        .map(|device| device.created_at)
        .map_err(|e| e.to_string())
}

#[test]
fn times_in_every_rfc_3339_spelling_read_as_the_same_instant() {
    let session = in_status(Status::Pending);
    let at = session.request_datetime();
    let written = session.to_json_value()["request_datetime"].clone();
    let written = written.as_str().unwrap().to_owned();
    // What chrono writes, and so the service: `...Z`.
    assert!(written.ends_with('Z'), "{written}");
    assert_eq!(created_at(&written), Ok(at));
    let millis = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let plus_two = at.with_timezone(&FixedOffset::east_opt(7200).unwrap());
    for text in [
        millis.clone(),
        at.to_rfc3339_opts(SecondsFormat::Nanos, true),
        at.to_rfc3339_opts(SecondsFormat::Millis, false),
        plus_two.to_rfc3339(),
        millis.replace('T', "t").replace('Z', "z"),
        millis.replace('T', " "),
    ] {
        assert_eq!(created_at(&text), Ok(at), "{text}");
    }
    let whole = DateTime::from_timestamp(1_767_225_600, 0).unwrap();
    assert_eq!(created_at("2026-01-01T00:00:00Z"), Ok(whole));
    assert_eq!(created_at("2026-01-01T01:30:00+01:30"), Ok(whole));
}

#[test]
fn times_outside_the_years_0_to_9999_read_back_as_chrono_writes_them() {
    for (year, month, day) in [
        (10_000, 1, 1),
        (262_142, 12, 31),
        (-1, 3, 1),
        (12_000, 2, 29),
    ] {
        let at = NaiveDate::from_ymd_opt(year, month, day)
            .unwrap()
            .and_hms_milli_opt(23, 59, 58, 250)
            .unwrap()
            .and_utc();
        let written = serde_json::to_value(at).unwrap();
        let text = written.as_str().unwrap();
        assert!(text.starts_with(['+', '-']), "{text}");
        assert_eq!(created_at(text), Ok(at), "{text}");
    }
    // 12001 is no leap year.
    assert!(created_at("+12001-02-29T00:00:00Z").is_err());
    assert!(created_at("+10000-01-01").is_err());
}

#[test]
fn a_time_that_is_not_rfc_3339_is_refused() {
    for text in [
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-02-30T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:00:00",
        "2026-01-01",
        "2026-01-01T00:00:00Zjunk",
        "2026-01-01T00:00:00+24:00",
    ] {
        assert!(created_at(text).is_err(), "{text:?} was read");
    }
    let mut value = in_status(Status::Pending).to_json_value();
    value["expires_at"] = json!(1_767_225_600_000_i64);
    assert!(LoginSession::from_json(&value.to_string()).is_err());
    value["expires_at"] = Value::Null;
    assert!(LoginSession::from_json(&value.to_string()).is_err());
}

#[test]
fn optional_times_read_as_absent_when_null_or_left_out() {
    let approved = in_status(Status::Approved);
    let mut value = approved.to_json_value();
    assert!(value["login_datetime"].is_string());
    assert!(value["logout_datetime"].is_null());
    let back = LoginSession::from_json(&value.to_string()).unwrap();
    assert_eq!(back, approved);
    value.as_object_mut().unwrap().remove("logout_datetime");
    value.as_object_mut().unwrap().remove("login_expires_at");
    let back = LoginSession::from_json(&value.to_string()).unwrap();
    assert_eq!(back.logout_time(), None);
    assert_eq!(back.login_time(), approved.login_time());
    value["login_datetime"] = json!("not a time");
    assert!(LoginSession::from_json(&value.to_string()).is_err());
}
