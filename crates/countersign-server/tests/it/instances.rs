//! Several stateless instances on one PostgreSQL database: a requester
//! waiting on one is released by an approval made on another.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use countersign_server::clock;

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

    let waiting = {
        let path = format!("/api/sessions/{uid}/wait?status=pending&timeout_s=20");
        tokio::spawn(async move {
            let started = clock::instant();
            let (status, body) = one.get(&path).await;
            (status, body, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (page, _) = shown(&two, answer["short_uid"].as_str().unwrap()).await;
    let (status, body) = two
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, released, waited) = waiting.await.unwrap();
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
        let (page, _) = shown(&one, answer["short_uid"].as_str().unwrap()).await;
        assert_eq!(
            one.get(&format!("/api/sessions/{uid}")).await.1["status"],
            "pending"
        );
        assert_eq!(
            two.get(&format!("/api/sessions/{uid}")).await.1["status"],
            "pending"
        );
        let code = page.verification_code().unwrap().value();
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
