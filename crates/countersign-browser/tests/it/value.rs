//! Reading core types from what `JSON.parse` makes: the service's answers
//! read as serde_json reads their text, and wrong input refused with a
//! message that names what was expected.

use countersign_browser::value::from_value;
use countersign_core::api::ErrorBody;
use countersign_core::{LoginSession, SignedStatement, Signer, Status};
use js_sys::JSON;
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Reads `text` through JavaScript's `JSON.parse` and this module.
fn read<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, String> {
    let value = JSON::parse(text).map_err(|_| "not JSON".to_owned())?;
    from_value(value).map_err(|e| e.to_string())
}

const SESSION: &str = r#"{
  "uid": "0b7e4d52-3c55-4b2c-9f6e-8d3f1a2b4c5d",
  "username": "alice",
  "request_datetime": "2026-12-01T08:00:00.000Z",
  "expires_at": "2026-12-01T08:05:00.000Z",
  "status_datetime": "2026-12-01T08:00:00.000Z",
  "public_key": null,
  "public_certificate": null,
  "status": "denied",
  "login_datetime": null,
  "logout_datetime": null,
  "ipaddr": "192.0.2.7",
  "hostname": "build-07",
  "login_message": null,
  "scope": ["read"],
  "permissions": [],
  "user_uid": null,
  "device_uid": null
}"#;

#[test]
fn reads_a_session_as_the_service_writes_it() {
    let session: LoginSession = read(SESSION).unwrap();
    assert_eq!(session.status(), Status::Denied);
    assert_eq!(session.username().as_str(), "alice");
    assert_eq!(session.hostname(), Some("build-07"));
    assert_eq!(session.scope().iter().collect::<Vec<_>>(), ["read"]);
    assert_eq!(
        session.request_datetime().to_rfc3339(),
        "2026-12-01T08:00:00+00:00"
    );
}

#[test]
fn reads_the_same_as_serde_json() {
    let by_js: LoginSession = read(SESSION).unwrap();
    let by_serde_json: LoginSession = serde_json::from_str(SESSION).unwrap();
    assert_eq!(by_js, by_serde_json);
    let error = r#"{"error":{"code":"wrong_code","message":"no"}}"#;
    assert_eq!(
        read::<ErrorBody>(error).unwrap(),
        serde_json::from_str::<ErrorBody>(error).unwrap()
    );
}

#[test]
fn a_wrong_type_names_what_was_expected() {
    let error = read::<LoginSession>(&SESSION.replace(r#""alice""#, "12")).unwrap_err();
    assert!(error.contains("invalid type: integer `12`"), "{error}");
    let error = read::<LoginSession>(&SESSION.replace(r#""alice""#, "1.5")).unwrap_err();
    assert!(
        error.contains("invalid type: a number with a fraction"),
        "{error}"
    );
    let error = read::<LoginSession>(&SESSION.replace(r#"["read"]"#, "true")).unwrap_err();
    assert!(error.contains("invalid type: boolean `true`"), "{error}");
    let error = read::<LoginSession>("[]").unwrap_err();
    assert!(
        error.contains("invalid type: sequence, expected struct"),
        "{error}"
    );
}

#[test]
fn a_missing_field_or_unknown_status_is_refused() {
    let error = read::<LoginSession>(&SESSION.replace(r#""username": "alice","#, "")).unwrap_err();
    assert!(error.contains("missing field `username`"), "{error}");
    let error = read::<LoginSession>(&SESSION.replace(r#""denied""#, r#""asleep""#)).unwrap_err();
    assert!(error.contains("unknown variant `asleep`"), "{error}");
}

#[test]
fn enums_read_as_json_writes_them() {
    let uid = "1b7e4d52-3c55-4b2c-9f6e-8d3f1a2b4c5d";
    let device: Signer = read(&format!(r#"{{"device": "{uid}"}}"#)).unwrap();
    assert_eq!(device, Signer::Device(uid.parse().unwrap()));
    assert_eq!(read::<Signer>(r#""requester""#).unwrap(), Signer::Requester);
    assert!(read::<Signer>(r#"{"device": "x", "other": 1}"#).is_err());

    // A signed statement: a claim tagged by its `action`, a signer, times.
    let text = format!(
        r#"{{
          "statement": {{
            "format": "countersign-statement/2",
            "service": "https://cs.example",
            "claim": {{"action": "read_account", "user": "0b7e4d52-3c55-4b2c-9f6e-8d3f1a2b4c5d"}},
            "signer": {{"device": "{uid}"}},
            "signed_at": "2026-12-01T08:00:00.000Z"
          }},
          "signature": "{}"
        }}"#,
        "A".repeat(86)
    );
    let by_js: SignedStatement = read(&text).unwrap();
    assert_eq!(
        by_js,
        serde_json::from_str::<SignedStatement>(&text).unwrap()
    );
    assert_eq!(by_js.statement.signer, Signer::Device(uid.parse().unwrap()));
    let error = read::<SignedStatement>(&text.replace("read_account", "read_minds")).unwrap_err();
    assert!(error.contains("read_minds"), "{error}");
}
