//! The whole flow through the HTTP API: add a user, enroll a device, request
//! a login, approve it while the requester waits, log out.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use countersign_core::LoginSession;
use serde_json::Value;

on_both_backends!(
    request_approve_release_logout,
    an_enrollment_link_works_once,
    devices_enroll_others_revoke_and_list,
    load_narrows_to_what_was_granted,
);

async fn request_approve_release_logout(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();

    let answer = ask(&service, &requester, "ada").await;
    let uid = answer["uid"].as_str().unwrap().to_owned();
    let short = answer["short_uid"].as_str().unwrap().to_owned();
    assert_eq!(answer["login_url"], format!("{PUBLIC_URL}/s?id={short}"));
    assert_eq!(answer["status"], "pending");
    let code = u8::try_from(answer["verification_code"].as_u64().unwrap()).unwrap();

    // The requester waits; the approver approves; the requester is released
    // long before its 20 s timeout (which the service's manual clock never
    // reaches: only the approval can release it).
    let started = real_clock().instant();
    let waiting = service.spawn_get(&format!(
        "/api/sessions/{uid}/wait?status=pending&timeout_s=20"
    ));
    service.waiting_on(1).await;

    let page = shown(&service, &short).await;
    assert_eq!(page.hostname(), Some("build-01"));
    assert_eq!(page.request_source().to_string(), "203.0.113.5");
    let approved_at = real_clock().instant();
    let (status, after) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "approved");
    assert_eq!(after["device_uid"], approver.device.to_string());

    let (status, released) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("released within 5 s of the approval")
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(
        (status, released["status"].as_str()),
        (StatusCode::OK, Some("approved"))
    );
    assert!(waited < Duration::from_secs(5), "released after {waited:?}");
    println!(
        "released {:?} after the approval was sent",
        approved_at.elapsed()
    );

    // The approval page no longer shows a decided session.
    assert_eq!(
        service.get(&format!("/api/approvals/{short}")).await.0,
        StatusCode::NOT_FOUND
    );

    // The requester logs out with its certificate key; keys are cleared.
    let current =
        LoginSession::from_json_value(service.get(&format!("/api/sessions/{uid}")).await.1)
            .unwrap();
    let (status, out) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            requester.logout(&current),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["status"], "logged_out");
    assert_eq!(out["public_key"], Value::Null);

    let audit = service.state.store.audit_of(current.uid()).await.unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["request", "approve", "logout"]);
    assert_eq!(audit[1].device_uid, Some(approver.device));
    assert_eq!(audit[0].source.as_deref(), Some("203.0.113.5"));
}

async fn an_enrollment_link_works_once(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let (user, token) = service.add_user("bob").await;
    let lookup = serde_json::json!({ "token": token });
    let (status, info) = service.post("/api/enrollments/lookup", lookup).await;
    assert_eq!(
        (status, info["username"].as_str()),
        (StatusCode::OK, Some("bob"))
    );
    let first = Approver::new(user);
    let (status, _) = service.redeem(&token, first.enrollment()).await;
    assert_eq!(status, StatusCode::CREATED);
    let second = Approver::new(user);
    let (status, body) = service.redeem(&token, second.enrollment()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}

async fn devices_enroll_others_revoke_and_list(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let first = service.user_with_device("cleo").await;
    let second = Approver::new(first.user);
    let claim: countersign_core::SignedStatement =
        serde_json::from_value(second.enrollment()).unwrap();
    let sponsor = first.sign(claim.statement.claim.clone());
    let (status, body) = service
        .post(
            "/api/devices",
            serde_json::json!({ "sponsor": sponsor, "proof": second.enrollment() }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let revoke = first.sign(countersign_core::Claim::RevokeDevice {
        user: first.user,
        device: second.device,
    });
    let (status, body) = service.post("/api/devices/revoke", revoke).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revoked_at"].is_string());

    // A revoked device approves nothing.
    let requester = Requester::new();
    let answer = ask(&service, &requester, "cleo").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let code = drawn_code(&answer);
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            second.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked"))
    );

    // A device invites another with a fresh one-time link.
    let invite = first.sign(countersign_core::Claim::InviteDevice { user: first.user });
    let (status, body) = service.post("/api/enrollments", invite).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let token = body["enrollment_url"]
        .as_str()
        .unwrap()
        .split("#token=")
        .nth(1)
        .unwrap();
    let third = Approver::new(first.user);
    let (status, _) = service.redeem(token, third.enrollment()).await;
    assert_eq!(status, StatusCode::CREATED);

    let read = first.sign(countersign_core::Claim::ReadAccount { user: first.user });
    let (status, account) = service.post("/api/account", read).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["devices"].as_array().unwrap().len(), 3);
    assert_eq!(account["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(account["sessions"][0]["status"], "pending");
}

async fn load_narrows_to_what_was_granted(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let (uid, short) = (
        answer["uid"].as_str().unwrap(),
        answer["short_uid"].as_str().unwrap(),
    );

    // Pending: granted nothing yet.
    let (status, body) = service
        .get(&format!("/api/sessions/{uid}?scope=deploy"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_granted"))
    );

    let page = shown(&service, short).await;
    let code = drawn_code(&answer);
    let (status, _) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK);

    let (status, body) = service
        .get(&format!(
            "/api/sessions/{uid}?scope=deploy&permissions=read"
        ))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["scope"], serde_json::json!(["deploy"]));
    let (status, body) = service
        .get(&format!("/api/sessions/{uid}?permissions=read,write"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_granted"))
    );

    let (status, body) = service
        .get(&format!("/api/sessions?short_uid={short}&status=approved"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let sessions = body["sessions"].as_array().unwrap();
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["uid"], uid);
    let dashed = short.replace('.', "-").to_uppercase();
    let (status, _) = service
        .get(&format!(
            "/api/sessions?short_uid={dashed}&status=approved&scope=deploy"
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = service
        .get(&format!("/api/sessions?short_uid={short}&status=pending"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, body) = service
        .get(&format!(
            "/api/sessions?short_uid={short}&status=approved&scope=admin"
        ))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_granted"))
    );
}
