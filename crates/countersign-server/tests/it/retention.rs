//! Retention: the sweeper (on the service's manual clock) and `admin prune`
//! (through the real binary, on rows dated back) delete final sessions,
//! used or expired enrollments and their audit rows older than the window,
//! and nothing else: not live sessions whatever their age, not a session
//! that ended within the window, not a recent link.

use std::time::Duration;

use crate::admin::{admin, admin_json};
use crate::common::*;
use axum::http::StatusCode;
use chrono::{SecondsFormat, TimeDelta};
use countersign_core::{LoginSession, Status};
use countersign_server::ops::enrollment as accounts;
use countersign_server::ops::sweeper as sessions;
use countersign_server::store::Pruned;
use uuid::Uuid;

on_both_backends!(
    the_sweeper_deletes_only_what_is_older_than_the_window,
    admin_prune_counts_then_deletes_only_old_rows
);

const DAY: Duration = Duration::from_secs(86_400);

/// What would go now with the default window of 90 days.
async fn prunable(service: &Service) -> Pruned {
    let before = service.now() - TimeDelta::days(90);
    service.state.store.prunable(before).await.unwrap()
}

/// Asks for a login for ada and has her device `action` it.
async fn decided(service: &Service, ada: &Approver, action: &str) -> Uuid {
    let asked = ask(service, &Requester::new(), "ada").await;
    let short = asked["short_uid"].as_str().unwrap();
    let (status, shown) = service.get(&format!("/api/approvals/{short}")).await;
    assert_eq!(status, StatusCode::OK, "{shown}");
    let page = LoginSession::from_json_value(shown["session"].clone()).unwrap();
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            ada.decide(&page, action, None),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    page.uid()
}

/// A link for ada made by the operator at the service's time: its token.
async fn link(service: &Service, ada: Uuid) -> String {
    let user = service.state.store.user(ada).await.unwrap().unwrap();
    let state = &service.state;
    let url = accounts::operator_enrollment_link(
        &state.store,
        &state.clock,
        &state.random,
        PUBLIC_URL,
        &user,
        TimeDelta::days(1),
    )
    .await
    .unwrap();
    url.split("token=").nth(1).unwrap().to_owned()
}

async fn usable(service: &Service, token: &str) -> bool {
    let hash = accounts::token_hash(token);
    let store = &service.state.store;
    store
        .enrollment_user(&hash, service.now())
        .await
        .unwrap()
        .is_some()
}

async fn the_sweeper_deletes_only_what_is_older_than_the_window(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let old_link = link(&service, ada.user).await;
    let login = approved(&service, &ada, &Requester::new(), "ada").await;
    let denied = decided(&service, &ada, "deny").await;
    let reported = decided(&service, &ada, "suspicious").await;

    service.clock.advance(91 * DAY);
    let asked = ask(&service, &Requester::new(), "ada").await;
    let recent: Uuid = asked["uid"].as_str().unwrap().parse().unwrap();
    service.clock.advance(Duration::from_secs(11 * 60));
    let new_link = link(&service, ada.user).await;
    assert_eq!(
        prunable(&service).await,
        Pruned {
            sessions: 1,
            session_audit: 2,
            enrollments: 2,
            enrollment_audit: 1,
        },
        "the denial and its request and decision, ada's used link and the \
         expired one, and the expired one's invite"
    );
    sessions::sweep(&service.state).await.unwrap();

    let store = &service.state.store;
    assert!(store.session(denied).await.unwrap().is_none());
    assert!(store.audit_of(denied).await.unwrap().is_empty());
    // Expired by this sweep, within the window: kept.
    assert_eq!(stored_status(&service, login.uid()).await, Status::Expired);
    assert_eq!(stored_status(&service, recent).await, Status::Expired);
    // Live whatever its age.
    assert_eq!(stored_status(&service, reported).await, Status::Suspicious);
    assert!(usable(&service, &new_link).await);
    assert!(!usable(&service, &old_link).await);
    assert_eq!(prunable(&service).await, Pruned::default());

    // A window later, what ended at the last sweep goes too; the report
    // stays.
    service.clock.advance(91 * DAY);
    sessions::sweep(&service.state).await.unwrap();
    assert!(store.session(login.uid()).await.unwrap().is_none());
    assert!(store.session(recent).await.unwrap().is_none());
    assert!(store.audit_of(login.uid()).await.unwrap().is_empty());
    assert_eq!(stored_status(&service, reported).await, Status::Suspicious);
}

async fn admin_prune_counts_then_deletes_only_old_rows(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let service = service_at(&url, dir, |_| {}).await;
    let ada = service.user_with_device("ada").await;
    let login = approved(&service, &ada, &Requester::new(), "ada").await;
    let denied = decided(&service, &ada, "deny").await;
    let kept = decided(&service, &ada, "deny").await;

    // Dated back 100 days, as if written then: both sessions, their audit
    // rows, and ada's enrollment.
    let long_ago =
        (real_clock().now() - TimeDelta::days(100)).to_rfc3339_opts(SecondsFormat::Millis, true);
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    for uid in [login.uid(), denied] {
        for sql in [
            "UPDATE sessions SET request_datetime = $1 WHERE uid = $2",
            "UPDATE audit SET at = $1 WHERE session_uid = $2",
        ] {
            sqlx::query(sql)
                .bind(long_ago.clone())
                .bind(uid.to_string())
                .execute(&pool)
                .await
                .unwrap();
        }
    }
    sqlx::query("UPDATE enrollments SET used_at = $1")
        .bind(long_ago)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;

    let counts = |report: &serde_json::Value| {
        [
            "sessions",
            "session_audit",
            "enrollments",
            "enrollment_audit",
        ]
        .map(|kind| report[kind].as_u64().unwrap())
    };
    let dry = admin_json(&url, &["prune", "--dry-run"]);
    assert_eq!(dry[0]["dry_run"], true);
    assert_eq!(dry[0]["retain_days"], 90);
    assert_eq!(counts(&dry[0]), [1, 2, 1, 0], "{}", dry[0]);
    let wider = admin_json(&url, &["prune", "--dry-run", "--retain-days", "101"]);
    assert_eq!(counts(&wider[0]), [0, 0, 0, 0], "{}", wider[0]);
    let (ok, text, _) = admin(&url, &["prune", "--dry-run"]);
    assert!(ok && text.starts_with("Would delete"), "{text}");
    assert!(service.state.store.session(denied).await.unwrap().is_some());

    let done = admin_json(&url, &["prune"]);
    assert_eq!(done[0]["dry_run"], false);
    assert_eq!(counts(&done[0]), [1, 2, 1, 0], "{}", done[0]);
    let store = &service.state.store;
    assert!(store.session(denied).await.unwrap().is_none());
    assert!(store.audit_of(denied).await.unwrap().is_empty());
    // Live however old, and final but recent: kept.
    assert_eq!(stored_status(&service, login.uid()).await, Status::Approved);
    assert_eq!(stored_status(&service, kept).await, Status::Denied);
    let again = admin_json(&url, &["prune", "--dry-run"]);
    assert_eq!(counts(&again[0]), [0, 0, 0, 0], "{}", again[0]);
    let (ok, _, err) = admin(&url, &["prune", "--retain-days", "0"]);
    assert!(!ok && err.contains("retain-days"), "{err}");
}
