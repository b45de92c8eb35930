//! Expiry on the service's clock, moved by the test instead of waited for:
//! a waiting requester is released when its session runs out, and the
//! sweeper expires run-out sessions that no one reads.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use chrono::TimeDelta;
use countersign_core::Status;
use countersign_server::ops::sweeper::{self as sessions, SWEEP_EVERY};
use uuid::Uuid;

on_both_backends!(
    expiry_releases_the_waiter_and_refuses_approval,
    the_sweeper_expires_what_no_one_reads_and_releases_its_waiter,
    a_sweep_expires_the_run_out_sessions_only,
);

fn uid_of(answer: &serde_json::Value) -> Uuid {
    answer["uid"].as_str().unwrap().parse().unwrap()
}

async fn expiry_releases_the_waiter_and_refuses_approval(db: Db) {
    let Some(service) = service_on(db, |c| c.session_ttl = TimeDelta::seconds(1)).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let uid = answer["uid"].as_str().unwrap();
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let mut waiting = service.spawn_get(&format!("/api/sessions/{uid}/wait?timeout_s=20"));
    service.waiting_on(1).await;

    // Half a second before its expiry the requester still waits...
    service.clock.advance(Duration::from_millis(500));
    let early = tokio::time::timeout(Duration::from_millis(100), &mut waiting).await;
    assert!(early.is_err(), "released before the session ran out");
    // ...and at its expiry it is released: the clock moved 1.5 s of its
    // 20 s timeout, so the expiry released it.
    service.clock.advance(Duration::from_secs(1));
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("released at expiry, not at timeout")
        .unwrap();
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("expired"))
    );

    let code = drawn_code(&answer);
    let (status, body) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::GONE, Some("expired")),
        "{body}"
    );
    assert_eq!(
        service
            .get(&format!("/api/approvals/{}", page.short_uid()))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
}

async fn the_sweeper_expires_what_no_one_reads_and_releases_its_waiter(db: Db) {
    let Some(service) = service_on(db, |c| c.session_ttl = TimeDelta::seconds(60)).await else {
        return;
    };
    let uid = uid_of(&ask(&service, &Requester::new(), "ada").await);
    // Someone waits on the session, and nothing reads it: only a change
    // made by the sweeper can release them.
    let waiting = service.state.waiters.register(uid);
    let mut woken = Box::pin(waiting.notified());
    woken.as_mut().enable();
    tokio::spawn(sessions::sweeper(service.state.clone()));

    service.clock.advance(Duration::from_secs(61));
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            woken.as_mut().await;
            // On PostgreSQL the listener may wake everyone as it connects:
            // a wake-up counts once the session is expired.
            if stored_status(&service, uid).await == Status::Expired {
                return;
            }
            woken = Box::pin(waiting.notified());
            woken.as_mut().enable();
        }
    })
    .await
    .expect("the sweeper expired the session and released its waiter");
    assert_eq!(audit_actions(&service, uid).await, ["request", "expire"]);
    assert!(SWEEP_EVERY < Duration::from_secs(61), "one sweep was due");
}

async fn a_sweep_expires_the_run_out_sessions_only(db: Db) {
    let Some(service) = service_on(db, |c| c.session_ttl = TimeDelta::seconds(60)).await else {
        return;
    };
    let old = uid_of(&ask(&service, &Requester::new(), "ada").await);
    service.clock.advance(Duration::from_secs(30));
    let young = uid_of(&ask(&service, &Requester::new(), "ada").await);
    service.clock.advance(Duration::from_secs(31));

    assert_eq!(sessions::sweep(&service.state).await.unwrap(), 1);
    assert_eq!(stored_status(&service, old).await, Status::Expired);
    assert_eq!(stored_status(&service, young).await, Status::Pending);
    assert_eq!(
        sessions::sweep(&service.state).await.unwrap(),
        0,
        "an expired session is not swept again"
    );
    assert_eq!(audit_actions(&service, old).await, ["request", "expire"]);
    assert_eq!(audit_actions(&service, young).await, ["request"]);
}
