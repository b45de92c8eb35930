//! An approved login's lifetime on the service's clock, moved by the test:
//! a login past it is expired when read, by the sweeper when no one reads
//! it, and its long poll is released then; and a long poll on a session
//! that nothing more can happen to sleeps to its timeout instead of reading
//! the session over and over.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use chrono::TimeDelta;
use countersign_core::Status;
use countersign_server::ops::sweeper as sessions;

on_both_backends!(
    a_login_past_its_lifetime_is_expired_when_read,
    the_sweeper_expires_a_login_and_releases_its_waiter,
    a_long_poll_on_a_login_is_released_at_its_end,
    a_long_poll_on_a_final_session_sleeps_to_its_timeout,
);

const LIFETIME: TimeDelta = TimeDelta::seconds(60);

fn seconds(delta: TimeDelta) -> Duration {
    delta.to_std().unwrap()
}

async fn a_login_past_its_lifetime_is_expired_when_read(db: Db) {
    let Some(service) = service_on(db, |c| c.login_lifetime = LIFETIME).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let session = approved(&service, &approver, &Requester::new(), "ada").await;
    assert_eq!(
        session.login_expires_at(),
        Some(session.login_time().unwrap() + LIFETIME),
        "the configured lifetime"
    );

    service
        .clock
        .advance(seconds(LIFETIME) - Duration::from_millis(1));
    assert_eq!(
        service.session(session.uid()).await.status(),
        Status::Approved
    );
    service.clock.advance(Duration::from_millis(1));
    let read = service.session(session.uid()).await;
    assert_eq!(read.status(), Status::Expired);
    assert_eq!(read.login_time(), session.login_time(), "kept on record");
    assert!(read.granted_scope().is_empty());
    assert_eq!(
        stored_status(&service, session.uid()).await,
        Status::Expired
    );
    assert_eq!(
        audit_actions(&service, session.uid()).await,
        ["request", "approve", "expire"]
    );
}

async fn the_sweeper_expires_a_login_and_releases_its_waiter(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.login_lifetime = LIFETIME;
        c.session_ttl = TimeDelta::minutes(10);
    })
    .await
    else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let login = approved(&service, &approver, &Requester::new(), "ada").await;
    let pending = ask(&service, &Requester::new(), "ada").await;
    let pending = pending["uid"].as_str().unwrap().parse().unwrap();
    // Someone waits on the login, and nothing reads it: only a change made
    // by the sweeper can release them.
    let waiting = service.state.waiters.register(login.uid());
    let mut woken = Box::pin(waiting.notified());
    woken.as_mut().enable();
    tokio::spawn(sessions::sweeper(service.state.clone()));

    service
        .clock
        .advance(seconds(LIFETIME) + Duration::from_secs(1));
    tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            woken.as_mut().await;
            // On PostgreSQL the listener may wake everyone as it connects:
            // a wake-up counts once the login is expired.
            if stored_status(&service, login.uid()).await == Status::Expired {
                return;
            }
            woken = Box::pin(waiting.notified());
            woken.as_mut().enable();
        }
    })
    .await
    .expect("the sweeper expired the login and released its waiter");
    assert_eq!(
        audit_actions(&service, login.uid()).await,
        ["request", "approve", "expire"]
    );
    assert_eq!(
        stored_status(&service, pending).await,
        Status::Pending,
        "a pending session has its own, longer, time"
    );
    assert_eq!(
        sessions::sweep(&service.state).await.unwrap(),
        0,
        "nothing else ran out"
    );
}

async fn a_long_poll_on_a_login_is_released_at_its_end(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.login_lifetime = LIFETIME;
        c.max_wait = Duration::from_secs(120);
    })
    .await
    else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let login = approved(&service, &approver, &Requester::new(), "ada").await;
    let mut waiting = service.spawn_get(&format!(
        "/api/sessions/{}/wait?status=approved&timeout_s=90",
        login.uid()
    ));
    service.waiting_on(1).await;
    service
        .clock
        .advance(seconds(LIFETIME) - Duration::from_secs(1));
    let early = tokio::time::timeout(Duration::from_millis(100), &mut waiting).await;
    assert!(early.is_err(), "released before the login ended");
    // At the end of the login, 60 s into a 90 s poll: the end released it.
    service.clock.advance(Duration::from_secs(1));
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("released at the end of the login, not at the timeout")
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "expired", "{body}");
}

async fn a_long_poll_on_a_final_session_sleeps_to_its_timeout(db: Db) {
    let Some(service) = service_on(db, |c| c.session_ttl = TimeDelta::seconds(1)).await else {
        return;
    };
    let answer = ask(&service, &Requester::new(), "ada").await;
    let uid = answer["uid"].as_str().unwrap().parse().unwrap();
    service.clock.advance(Duration::from_secs(2));
    assert_eq!(service.session(uid).await.status(), Status::Expired);

    let lookups = service.state.cache.lookups();
    let mut waiting = service.spawn_get(&format!(
        "/api/sessions/{uid}/wait?status=expired&timeout_s=20"
    ));
    service.waiting_on(1).await;
    // Real time passes while the service's clock stands still: a poll that
    // woke at its session's long-past expiry would read it all this while.
    let early = tokio::time::timeout(Duration::from_millis(300), &mut waiting).await;
    assert!(early.is_err(), "answered before its timeout");
    service.clock.advance(Duration::from_secs(19));
    let early = tokio::time::timeout(Duration::from_millis(100), &mut waiting).await;
    assert!(early.is_err(), "answered before its timeout");
    service.clock.advance(Duration::from_secs(1));
    let (status, body) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("answered at its timeout")
        .unwrap();
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("expired"))
    );
    let reads = service.state.cache.lookups() - lookups;
    // One read to begin, one at the timeout, and a few for wake-ups (the
    // PostgreSQL listener wakes every waiter when it connects).
    assert!(reads <= 5, "the long poll read its session {reads} times");
}
