//! Number matching: the service draws each request's code at random and
//! tells it to the requester alone; the approver types it; one wrong code
//! denies the request for good (`wrong_code`), and the requester is told.

use axum::http::StatusCode;
use countersign_core::PublicKey;
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::common::*;

on_both_backends!(
    the_approval_side_is_never_shown_the_code,
    the_drawn_code_is_the_one_accepted,
    a_wrong_code_ends_the_request,
);

/// The names of every object key in `value`, at any depth.
fn keys(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                into.push(key.clone());
                keys(inner, into);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, into)),
        _ => {}
    }
}

/// Fails if any key of `value` speaks of a code.
fn assert_no_code(what: &str, value: &Value) {
    let mut found = Vec::new();
    keys(value, &mut found);
    let codes: Vec<&String> = found.iter().filter(|k| k.contains("code")).collect();
    assert!(codes.is_empty(), "{what} holds {codes:?}: {value}");
}

/// The code the service derived before it drew them: what a requester was
/// shown for `uid` and its keys, and what anyone who saw the session could
/// work out.
pub fn derived_code(uid: Uuid, key: &PublicKey, cert: &PublicKey) -> u8 {
    let mut hasher = Sha256::new();
    for field in [
        &b"countersign/verification-code/v1"[..],
        uid.as_bytes(),
        &key.to_bytes(),
        &cert.to_bytes(),
    ] {
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field);
    }
    let digest = hasher.finalize();
    10 + (u16::from_be_bytes([digest[0], digest[1]]) % 90) as u8
}

/// The eight random bytes from which the service draws `code`.
fn bytes_for(code: u8) -> [u8; 8] {
    u64::from(code - 10).to_be_bytes()
}

/// A code other than `code`.
fn other_than(code: u8) -> u8 {
    if code == 10 { 11 } else { 10 }
}

async fn the_approval_side_is_never_shown_the_code(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let (uid, short) = (
        answer["uid"].as_str().unwrap(),
        answer["short_uid"].as_str().unwrap(),
    );
    let code = drawn_code(&answer);
    assert!((10..=99).contains(&code));

    // However often the page is loaded, it holds no code.
    let page = format!("/api/approvals/{short}");
    let (first, second) = (service.get(&page).await, service.get(&page).await);
    for (status, body) in [&first, &second] {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert_no_code("the approvals answer", body);
    }
    assert_eq!(first.1, second.1, "nothing is drawn per load");

    // Nor does anything else the approval side reads.
    let (status, read) = service.get(&format!("/api/sessions/{uid}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_no_code("the session", &read);
    let (status, waited) = service
        .get(&format!(
            "/api/sessions/{uid}/wait?status=approved&timeout_s=0"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_no_code("the long poll's answer", &waited);
    let (status, listed) = service
        .get(&format!("/api/sessions?short_uid={short}&status=pending"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_no_code("the short uid's list", &listed);
    let read = approver.sign(countersign_core::Claim::ReadAccount {
        user: approver.user,
    });
    let (status, account) = service.post("/api/account", read).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["sessions"][0]["uid"], uid);
    assert_no_code("the account view", &account);
}

async fn the_drawn_code_is_the_one_accepted(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let (key, cert) = (requester.key.public_key(), requester.cert.public_key());
    let code_for = |seed: u8| {
        let uid = countersign_core::uid_from_random([seed; 16]);
        let old = derived_code(uid, &key, &cert);
        // A code as far from the old one as can be: the draw, not the
        // derivation, must decide.
        let drawn = 10 + (old - 10 + 45) % 90;
        service.random.push([seed; 16]);
        service.random.push(bytes_for(drawn));
        (uid, old, drawn)
    };

    let (uid, old, drawn) = code_for(0x41);
    let answer = ask(&service, &requester, "ada").await;
    assert_eq!(answer["uid"], uid.to_string());
    assert_eq!(drawn_code(&answer), drawn, "the scripted draw");
    assert_ne!(drawn, old);
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let path = format!("/api/sessions/{uid}/statements");
    let (status, body) = service
        .post(&path, approver.decide(&page, "approve", Some(drawn)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");

    // The code anyone could work out from the session is no longer it.
    let (uid, old, drawn) = code_for(0x42);
    let answer = ask(&service, &requester, "ada").await;
    assert_eq!(drawn_code(&answer), drawn);
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let (status, body) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(old)),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_code")),
        "{body}"
    );
}

async fn a_wrong_code_ends_the_request(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let uid: Uuid = answer["uid"].as_str().unwrap().parse().unwrap();
    let right = drawn_code(&answer);
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    // The requester waits for the decision.
    let waiting = service.spawn_get(&format!(
        "/api/sessions/{uid}/wait?status=pending&timeout_s=20"
    ));
    service.waiting_on(1).await;

    let path = format!("/api/sessions/{uid}/statements");
    let (status, body) = service
        .post(
            &path,
            approver.decide(&page, "approve", Some(other_than(right))),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_code")),
        "{body}"
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("denied"),
        "the approver is told the request is over: {body}"
    );

    // The requester is told at once, with the reason.
    let (status, released) = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
        .await
        .expect("released by the denial")
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(released["status"], "denied");
    assert_eq!(released["deny_reason"], "wrong_code");
    let read = service.session(uid).await;
    assert_eq!(
        read.deny_reason(),
        Some(countersign_core::DenyReason::WrongCode)
    );
    assert_eq!(read.public_key(), None, "keys cleared as on any deny");

    // The audit log says who typed the wrong code, and that it ended the
    // request.
    let audit = service.state.store.audit_of(uid).await.unwrap();
    let last = audit.last().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.from_status.as_deref(),
            last.to_status.as_deref()
        ),
        ("deny", Some("pending"), Some("denied"))
    );
    assert_eq!(
        (last.deny_reason, last.note.as_deref()),
        (Some(countersign_core::DenyReason::WrongCode), None),
        "the reason in its field, not in a note"
    );
    assert_eq!(last.device_uid, Some(approver.device));
    assert_eq!(last.user_uid, Some(approver.user));

    // The right code, typed next, comes too late.
    let (status, body) = service
        .post(&path, approver.decide(&page, "approve", Some(right)))
        .await;
    assert!(status.is_client_error(), "{status} {body}");
    assert_eq!(service.session(uid).await.status().as_str(), "denied");
    assert_eq!(audit_actions(&service, uid).await, ["request", "deny"]);
    let (status, _) = service
        .get(&format!(
            "/api/approvals/{}",
            answer["short_uid"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing left to approve");
}
