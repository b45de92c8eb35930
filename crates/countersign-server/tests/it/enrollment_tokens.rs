//! Enrollment tokens never travel in a URL path or query the service sees:
//! the links it makes carry them in the fragment (`#token=`, which browsers
//! do not send), the API takes them in request bodies, and the old routes
//! with a token in the path are gone.

use axum::http::StatusCode;
use serde_json::json;

use crate::common::*;

on_both_backends!(the_service_never_takes_a_token_in_a_path);

async fn the_service_never_takes_a_token_in_a_path(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    // Every link the service makes holds the token in its fragment.
    let added = countersign_server::ops::enrollment::add_user(
        &service.state.store,
        &service.state.clock,
        &service.state.random,
        PUBLIC_URL,
        "ada",
        chrono::TimeDelta::days(1),
    )
    .await
    .unwrap();
    let token = added.enrollment_url.split("#token=").nth(1).unwrap();
    assert_eq!(
        added.enrollment_url,
        format!("{PUBLIC_URL}/enroll#token={token}")
    );
    let approver = Approver::new(added.user_uid);

    // The token in the path reaches no route: it reads and enrolls nothing.
    let path = format!("/api/enrollments/{token}");
    let (status, body) = service.get(&path).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    let (status, body) = service.post(&path, approver.enrollment()).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // In the body it is read, and used once.
    let (status, info) = service
        .post("/api/enrollments/lookup", json!({"token": token}))
        .await;
    assert_eq!(
        (status, info["username"].as_str()),
        (StatusCode::OK, Some("ada"))
    );
    let (status, body) = service.redeem(token, approver.enrollment()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    // An invitation's link too.
    let invite = approver.sign(countersign_core::Claim::InviteDevice {
        user: approver.user,
    });
    let (status, body) = service.post("/api/enrollments", invite).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let link = body["enrollment_url"].as_str().unwrap();
    assert!(
        link.starts_with(&format!("{PUBLIC_URL}/enroll#token=")),
        "{link}"
    );
    assert!(!link.contains('?'), "{link}");
}
