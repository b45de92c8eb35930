//! A requester cancels its pending request by logging out with its
//! certificate key: the waiter is released, the approval page no longer
//! shows it and an approval sent after is refused. A session reported
//! suspicious is closed by a device of the user only.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use countersign_core::Status;
use serde_json::Value;

on_both_backends!(
    the_requester_cancels_a_pending_request,
    only_a_device_closes_a_suspicious_session,
);

async fn the_requester_cancels_a_pending_request(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let answer = ask(&service, &requester, "ada").await;
    let uid = answer["uid"].as_str().unwrap().parse().unwrap();
    let short = answer["short_uid"].as_str().unwrap();
    // The approver has the page open; the requester waits, then gives up.
    let page = shown(&service, short).await;
    let waiting = service.spawn_get(&format!(
        "/api/sessions/{uid}/wait?status=pending&timeout_s=20"
    ));
    service.waiting_on(1).await;

    let pending = service.session(uid).await;
    let statements = format!("/api/sessions/{uid}/statements");
    let (status, out) = service.post(&statements, requester.logout(&pending)).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["status"], "logged_out");
    assert_eq!(out["login_datetime"], Value::Null, "never logged in");
    assert!(out["logout_datetime"].is_string());
    assert_eq!(
        (&out["public_key"], &out["public_certificate"]),
        (&Value::Null, &Value::Null),
        "keys cleared"
    );
    assert!(service.session(uid).await.was_cancelled());

    let (status, released) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiter is released by the cancel")
        .unwrap();
    assert_eq!(
        (status, released["status"].as_str()),
        (StatusCode::OK, Some("logged_out"))
    );
    assert_eq!(
        service.get(&format!("/api/approvals/{short}")).await.0,
        StatusCode::NOT_FOUND,
        "the approval page no longer shows it"
    );
    let code = drawn_code(&answer);
    let (status, body) = service
        .post(&statements, approver.decide(&page, "approve", Some(code)))
        .await;
    let refused = body["error"]["code"].as_str();
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        matches!(refused, Some("session_closed" | "transition_refused")),
        "{body}"
    );
    assert_eq!(stored_status(&service, uid).await, Status::LoggedOut);
    assert_eq!(audit_actions(&service, uid).await, ["request", "logout"]);
}

async fn only_a_device_closes_a_suspicious_session(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let answer = ask(&service, &requester, "ada").await;
    let uid = answer["uid"].as_str().unwrap().parse().unwrap();
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let statements = format!("/api/sessions/{uid}/statements");
    let (status, body) = service
        .post(&statements, approver.decide(&page, "suspicious", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The requester cannot hide the report by cancelling.
    let (status, body) = service.post(&statements, requester.logout(&page)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_signer")),
        "{body}"
    );
    assert_eq!(stored_status(&service, uid).await, Status::Suspicious);

    // A device of the user may close it.
    let (status, body) = service
        .post(&statements, approver.decide(&page, "logout", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "logged_out");
    assert_eq!(
        audit_actions(&service, uid).await,
        ["request", "report_suspicious", "logout"]
    );
}
