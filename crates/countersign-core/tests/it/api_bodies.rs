//! The API's bodies and query strings: the JSON keys the service and its
//! clients agree on, unknown fields ignored, and queries written so the
//! service reads back what the client meant.

use countersign_core::api::{
    AddedUser, NarrowingQuery, SessionList, ShortUidQuery, SponsoredEnrollment, WaitQuery,
    percent_encode, with_query,
};
use countersign_core::{
    Claim, DeviceName, LoginSession, Narrowing, ShortUid, Signer, Statement, Status, TokenSet,
    uid_from_random,
};
use serde_json::{Value, json};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::*;

fn keys(value: &Value) -> Vec<&str> {
    let mut keys: Vec<&str> = value
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    keys
}

#[test]
fn a_session_list_is_an_object_with_sessions() {
    let list = SessionList {
        sessions: vec![in_status(Status::Approved), pending()],
    };
    let value = serde_json::to_value(&list).unwrap();
    assert_eq!(keys(&value), ["sessions"]);
    assert_eq!(
        value["sessions"][0],
        in_status(Status::Approved).to_json_value()
    );
    let mut newer = value.clone();
    newer["next_page"] = json!("abc");
    assert_eq!(serde_json::from_value::<SessionList>(newer).unwrap(), list);
    let empty: SessionList = serde_json::from_value(json!({"sessions": []})).unwrap();
    assert!(empty.sessions.is_empty());
}

#[test]
fn a_sponsored_enrollment_carries_both_signatures_of_one_claim() {
    let claim = Claim::EnrollDevice {
        user: user_uid(),
        device: uid_from_random([0xd1; 16]),
        device_key: session_key().public_key(),
        device_name: DeviceName::new("Work laptop").unwrap(),
    };
    let body = SponsoredEnrollment {
        sponsor: Statement::new(
            claim.clone(),
            service_url(),
            Signer::Device(device_uid()),
            t0(),
        )
        .sign(&device_key()),
        proof: Statement::new(
            claim,
            service_url(),
            Signer::Device(uid_from_random([0xd1; 16])),
            t0(),
        )
        .sign(&session_key()),
    };
    let value = serde_json::to_value(&body).unwrap();
    assert_eq!(keys(&value), ["proof", "sponsor"]);
    assert_eq!(
        serde_json::from_value::<SponsoredEnrollment>(value).unwrap(),
        body
    );
}

#[test]
fn an_added_user_keeps_the_keys_the_admin_command_prints() {
    let added = AddedUser {
        username: "ada@example.org".into(),
        user_uid: user_uid(),
        enrollment_url: "https://cs.example/enroll#token=abc".into(),
    };
    let value = serde_json::to_value(&added).unwrap();
    assert_eq!(keys(&value), ["enrollment_url", "user_uid", "username"]);
    assert_eq!(value["user_uid"], json!(user_uid().to_string()));
    assert_eq!(serde_json::from_value::<AddedUser>(value).unwrap(), added);
}

#[test]
fn the_wait_query_defaults_to_pending_and_25_seconds() {
    let query = WaitQuery::default();
    assert_eq!(query.to_query(), "status=pending&timeout_s=25");
    // What the service assumes for a bare `/wait`, and what it reads.
    assert_eq!(
        serde_json::from_value::<WaitQuery>(json!({})).unwrap(),
        query
    );
    let asked = WaitQuery {
        status: Status::Approved,
        timeout_s: 5,
    };
    assert_eq!(asked.to_query(), "status=approved&timeout_s=5");
    let read: WaitQuery =
        serde_json::from_value(json!({"status": "approved", "timeout_s": 5})).unwrap();
    assert_eq!(read, asked);
}

fn narrowing(scope: Option<&str>, permissions: Option<&str>) -> Narrowing {
    Narrowing {
        scope: scope.map(|s| TokenSet::parse_list("scope", s).unwrap()),
        permissions: permissions.map(|p| TokenSet::parse_list("permissions", p).unwrap()),
    }
}

#[test]
fn a_narrowing_is_written_percent_encoded_and_read_back() {
    assert_eq!(NarrowingQuery::from(&narrowing(None, None)).to_query(), "");
    let wanted = narrowing(Some("openid deploy"), Some("files:read a&b=c+d%#"));
    let query = NarrowingQuery::from(&wanted);
    assert_eq!(query.scope.as_deref(), Some("deploy openid"));
    assert_eq!(
        query.to_query(),
        "scope=deploy%20openid&permissions=a%26b%3Dc%2Bd%25%23%20files%3Aread"
    );
    assert_eq!(query.to_narrowing(), Ok(wanted));
    let only_permissions = NarrowingQuery::from(&narrowing(None, Some("read")));
    assert_eq!(only_permissions.to_query(), "permissions=read");
    let bad = NarrowingQuery {
        scope: Some("ok \u{7f}".into()),
        permissions: None,
    };
    assert!(bad.to_narrowing().is_err());
}

#[test]
fn a_short_uid_query_names_the_id_the_status_and_the_narrowing() {
    let short = ShortUid::parse("ab.cd.ef.01").unwrap();
    let query = ShortUidQuery::new(short, Status::Approved, &narrowing(Some("openid"), None));
    assert_eq!(
        query.to_query(),
        "short_uid=ab.cd.ef.01&status=approved&scope=openid"
    );
    let bare = ShortUidQuery::new(short, Status::Pending, &Narrowing::default());
    assert_eq!(bare.to_query(), "short_uid=ab.cd.ef.01&status=pending");
    // The service reads the narrowing flattened beside the id and status.
    let read: ShortUidQuery = serde_json::from_value(json!({
        "short_uid": "ab.cd.ef.01", "status": "approved", "scope": "openid"
    }))
    .unwrap();
    assert_eq!(read, query);
}

#[test]
fn queries_join_their_paths() {
    assert_eq!(with_query("/api/sessions/x", ""), "/api/sessions/x");
    assert_eq!(with_query("/api/sessions", "a=1"), "/api/sessions?a=1");
    assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
    assert_eq!(percent_encode("é /?"), "%C3%A9%20%2F%3F");
}

#[test]
fn the_session_in_a_list_is_the_session() {
    // A list read back holds sessions that verify like the originals.
    let session = in_status(Status::Approved);
    let list: SessionList =
        serde_json::from_value(json!({ "sessions": [session.to_json_value()] })).unwrap();
    let read: &LoginSession = &list.sessions[0];
    assert_eq!(read.details_digest(), session.details_digest());
}

#[test]
fn a_revocation_answers_with_the_device_revoked_or_the_revocation_pending() {
    use countersign_core::api::{DeviceInfo, PendingRevocation, RevokeAnswer};
    let read = |value: Value| serde_json::from_value::<RevokeAnswer>(value);
    let device = DeviceInfo {
        uid: device_uid(),
        user_uid: user_uid(),
        name: "Work laptop".into(),
        public_key: device_key().public_key(),
        created_at: t0(),
        revoked_at: Some(t0() + chrono::TimeDelta::minutes(5)),
    };
    let revoked = RevokeAnswer::Revoked(Box::new(device.clone()));
    let mut json = serde_json::to_value(&revoked).unwrap();
    assert_eq!(
        keys(&json),
        [
            "created_at",
            "name",
            "public_key",
            "revoked_at",
            "uid",
            "user_uid"
        ]
    );
    assert_eq!(read(json.clone()).unwrap(), revoked);
    // A field this version does not know is ignored.
    json["passkey"] = json!(true);
    assert_eq!(read(json.clone()).unwrap(), revoked);
    // Not yet revoked: `revoked_at` null or absent.
    json["revoked_at"] = Value::Null;
    let RevokeAnswer::Revoked(read_back) = read(json.clone()).unwrap() else {
        panic!("not the device")
    };
    assert_eq!(read_back.revoked_at, None);

    let pending = RevokeAnswer::Pending(PendingRevocation {
        device: device_uid(),
        requested_by: uid_from_random([9; 16]),
        requested_at: t0(),
        due_at: t0() + chrono::TimeDelta::days(2),
    });
    let json = serde_json::to_value(&pending).unwrap();
    assert_eq!(
        keys(&json),
        ["device", "due_at", "requested_at", "requested_by"]
    );
    assert_eq!(read(json).unwrap(), pending);

    // Neither answer: the error says so.
    for bad in [
        json!({}),
        json!({ "uid": device_uid(), "name": "x" }),
        json!([]),
    ] {
        let error = read(bad.clone()).unwrap_err().to_string();
        assert!(
            error.contains("did not match any variant"),
            "{bad}: {error}"
        );
    }
}
