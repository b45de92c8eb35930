//! Several stateless instances on one PostgreSQL database: a requester
//! waiting on one is released by an approval or a revocation made on
//! another, and a token meant for one use is accepted once among both.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_on_one_instance_releases_a_waiter_on_another() {
    let Some((url, _)) = database(Db::Postgres).await else {
        return;
    };
    let one = service_at(&url, None, |_| {}).await;
    let two = service_at(&url, None, |_| {}).await;
    // Let both listeners connect before anything changes.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let approver = one.user_with_device("ada").await;
    let requester = Requester::new();
    let answer = ask(&one, &requester, "ada").await;
    let uid = answer["uid"].as_str().unwrap().to_owned();
    let code = u8::try_from(answer["verification_code"].as_u64().unwrap()).unwrap();

    let started = real_clock().instant();
    let waiting = one.spawn_get(&format!(
        "/api/sessions/{uid}/wait?status=pending&timeout_s=20"
    ));
    one.waiting_on(1).await;

    let page = shown(&two, answer["short_uid"].as_str().unwrap()).await;
    let (status, body) = two
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, released) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("released within 5 s of the approval")
        .unwrap();
    let waited = started.elapsed();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(released["status"], "approved");
    assert!(
        waited < Duration::from_secs(5),
        "released only after {waited:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_instance_never_overrides_a_decision_made_on_another() {
    let Some((url, _)) = database(Db::Postgres).await else {
        return;
    };
    let one = service_at(&url, None, |_| {}).await;
    let two = service_at(&url, None, |_| {}).await;
    let approver = one.user_with_device("ada").await;
    for _ in 0..5 {
        let answer = ask(&one, &Requester::new(), "ada").await;
        let uid = answer["uid"].as_str().unwrap().to_owned();
        // Both instances have read (and cached) the pending session.
        let page = shown(&one, answer["short_uid"].as_str().unwrap()).await;
        assert_eq!(
            one.get(&format!("/api/sessions/{uid}")).await.1["status"],
            "pending"
        );
        assert_eq!(
            two.get(&format!("/api/sessions/{uid}")).await.1["status"],
            "pending"
        );
        let code = drawn_code(&answer);
        let path = format!("/api/sessions/{uid}/statements");
        let (status, _) = two
            .post(&path, approver.decide(&page, "approve", Some(code)))
            .await;
        assert_eq!(status, StatusCode::OK);
        // At once, before any announcement can have arrived, on the other.
        let (status, body) = one.post(&path, approver.decide(&page, "deny", None)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        for service in [&one, &two] {
            assert_eq!(
                service.get(&format!("/api/sessions/{uid}")).await.1["status"],
                "approved"
            );
        }
    }
}

/// Fifty uses of one token with `once`, at the same time, half on each
/// instance: the database's unique key lets exactly one through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_token_used_fifty_times_across_two_instances_is_accepted_once() {
    let Some((url, _)) = database(Db::Postgres).await else {
        return;
    };
    let one = service_at(&url, None, |_| {}).await;
    let two = service_at(&url, None, |_| {}).await;
    let approver = one.user_with_device("ada").await;
    let requester = Requester::new();
    let session = approved(&one, &approver, &requester, "ada").await;
    let resource = "POST https://api.example/v1/payments";
    let token = requester.authorise(&session, resource, None, one.now());

    let uses: Vec<_> = (0..50)
        .map(|i| {
            let router = if i % 2 == 0 { &one } else { &two }.router.clone();
            let body = serde_json::json!({"token": token, "resource": resource, "once": true});
            let request = axum::http::Request::post("/api/authorisations/verify")
                .header("content-type", "application/json")
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            tokio::spawn(send_to(router, request))
        })
        .collect();
    let mut answers = Vec::new();
    for used in uses {
        let (status, body) = used.await.unwrap();
        answers.push((status, body["error"]["code"].as_str().map(str::to_owned)));
    }
    let accepted = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::OK)
        .count();
    let replays = answers
        .iter()
        .filter(|answer| **answer == (StatusCode::CONFLICT, Some("already_used".to_owned())))
        .count();
    assert_eq!((accepted, replays), (1, 49), "{answers:?}");
}

/// A revocation on one instance releases a waiter on another whose login
/// the revoked device approved.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_releases_a_waiter_on_another() {
    let Some((url, _)) = database(Db::Postgres).await else {
        return;
    };
    let one = service_at(&url, None, |_| {}).await;
    let two = service_at(&url, None, |_| {}).await;
    // Let both listeners connect before anything changes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let approver = one.user_with_device("ada").await;
    let session = approved(&one, &approver, &Requester::new(), "ada").await;
    let waiting = one.spawn_get(&format!(
        "/api/sessions/{}/wait?status=approved&timeout_s=20",
        session.uid()
    ));
    one.waiting_on(1).await;

    // A device may revoke itself.
    let revocation = approver.sign(countersign_core::Claim::RevokeDevice {
        user: approver.user,
        device: approver.device,
    });
    let (status, body) = two.post("/api/devices/revoke", revocation).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, released) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("released within 5 s of the revocation")
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(released["status"], "logged_out");
}
