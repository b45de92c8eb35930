//! The audit vocabulary: every subject and action the service writes, as
//! the strings it has always written (rows in existing databases and the
//! `admin audit --json` exports hold them), each read back as itself; any
//! other text read as unrecognised with its text kept; and audit records
//! from an older or a newer service read.

use countersign_core::api::{AuditAction, AuditRecord, AuditSubject, read_deny_reason};
use countersign_core::{Action, DenyReason};
use serde_json::json;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Every subject the service wrote before the vocabulary was an enum,
/// written out so that a renamed or lost value fails.
const SUBJECTS: &[&str] = &["session", "device", "user", "enrollment"];

/// Every action, likewise: a session's (`request` and the core's
/// `Action`s), then a device's, a user's and an enrollment link's.
const ACTIONS: &[&str] = &[
    "request",
    "approve",
    "deny",
    "report_suspicious",
    "expire",
    "logout",
    "enroll",
    "register_passkey",
    "revoke",
    "revoke_requested",
    "revocation_cancelled",
    "add",
    "disable",
    "enable",
    "invite",
    "cancel",
];

/// `value` is `text` as a string, in JSON and parsed both ways.
fn check<T>(value: &T, text: &str)
where
    T: std::fmt::Debug
        + PartialEq
        + std::fmt::Display
        + std::str::FromStr
        + serde::Serialize
        + serde::de::DeserializeOwned,
    <T as std::str::FromStr>::Err: std::fmt::Debug,
{
    assert_eq!(value.to_string(), text);
    assert_eq!(&text.parse::<T>().unwrap(), value, "{text}");
    assert_eq!(serde_json::to_value(value).unwrap(), json!(text));
    assert_eq!(&serde_json::from_value::<T>(json!(text)).unwrap(), value);
}

#[test]
fn every_subject_is_todays_string_and_round_trips() {
    let known: Vec<&str> = AuditSubject::KNOWN
        .iter()
        .map(AuditSubject::as_str)
        .collect();
    assert_eq!(known, SUBJECTS);
    for subject in AuditSubject::KNOWN {
        check(subject, subject.as_str());
        assert_eq!(&AuditSubject::read(subject.as_str()), subject);
    }
}

#[test]
fn every_action_is_todays_string_and_round_trips() {
    let known: Vec<&str> = AuditAction::KNOWN.iter().map(AuditAction::as_str).collect();
    assert_eq!(known, ACTIONS);
    for action in AuditAction::KNOWN {
        check(action, action.as_str());
        assert_eq!(&AuditAction::read(action.as_str()), action);
    }
}

#[test]
fn a_session_transition_is_named_as_the_core_names_its_action() {
    for action in Action::ALL {
        let audited = AuditAction::from(action);
        assert_eq!(audited.as_str(), action.as_str());
        assert!(AuditAction::KNOWN.contains(&audited), "{action}");
    }
}

#[test]
fn an_unknown_value_is_kept_when_read_and_refused_when_parsed() {
    for text in ["widget", "Session", "", "re\u{202e}voke"] {
        let subject = AuditSubject::read(text);
        assert_eq!(subject, AuditSubject::Unrecognised(text.to_owned()));
        assert_eq!(subject.as_str(), text, "the text is kept");
        assert_eq!(
            serde_json::from_value::<AuditSubject>(json!(text)).unwrap(),
            subject
        );
        assert_eq!(serde_json::to_value(&subject).unwrap(), json!(text));
        assert!(text.parse::<AuditSubject>().is_err(), "{text:?}");
        let action = AuditAction::read(text);
        assert_eq!(action, AuditAction::Unrecognised(text.to_owned()));
        assert_eq!(serde_json::to_value(&action).unwrap(), json!(text));
        assert!(text.parse::<AuditAction>().is_err(), "{text:?}");
        assert!(!AuditAction::KNOWN.contains(&action));
    }
    // Not a string at all is still refused.
    assert!(serde_json::from_value::<AuditAction>(json!(7)).is_err());
}

#[test]
fn a_deny_reason_is_read_when_known() {
    assert_eq!(read_deny_reason("wrong_code"), Some(DenyReason::WrongCode));
    assert_eq!(read_deny_reason("a_newer_reason"), None);
}

fn record_json() -> serde_json::Value {
    json!({
        "id": 7,
        "at": "2026-11-29T09:00:00Z",
        "session_uid": "00000000-0000-0000-0000-000000000001",
        "subject": "session",
        "action": "logout",
        "from_status": "approved",
        "to_status": "logged_out",
        "device_uid": "00000000-0000-0000-0000-000000000002",
        "source": "192.0.2.1",
        "revoked_device": "00000000-0000-0000-0000-000000000003",
        "deny_reason": null,
        "note": null,
    })
}

#[test]
fn a_record_says_the_revoked_device_in_its_field() {
    let record: AuditRecord = serde_json::from_value(record_json()).unwrap();
    assert_eq!(
        (&record.subject, &record.action),
        (&AuditSubject::Session, &AuditAction::Logout)
    );
    assert_eq!(record.revoked_device, Some(uuid::Uuid::from_u128(3)));
    assert_eq!(serde_json::to_value(&record).unwrap(), record_json());
}

#[test]
fn a_record_from_an_older_or_a_newer_service_is_read() {
    // An older service sends neither field.
    let mut older = record_json();
    let fields = older.as_object_mut().unwrap();
    fields.remove("revoked_device");
    fields.remove("deny_reason");
    let record: AuditRecord = serde_json::from_value(older).unwrap();
    assert_eq!((record.revoked_device, record.deny_reason), (None, None));
    // A newer one may send words and reasons this version does not know.
    let mut newer = record_json();
    newer["subject"] = json!("widget");
    newer["action"] = json!("polish");
    newer["deny_reason"] = json!("a_newer_reason");
    let record: AuditRecord = serde_json::from_value(newer).unwrap();
    assert_eq!(record.subject, AuditSubject::Unrecognised("widget".into()));
    assert_eq!(record.action, AuditAction::Unrecognised("polish".into()));
    assert_eq!(record.deny_reason, None);
    let mut denied = record_json();
    denied["action"] = json!("deny");
    denied["deny_reason"] = json!("wrong_code");
    let record: AuditRecord = serde_json::from_value(denied).unwrap();
    assert_eq!(record.deny_reason, Some(DenyReason::WrongCode));
}
