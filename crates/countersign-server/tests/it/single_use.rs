//! Account statements are single-use: `invite_device`, `read_account`,
//! `revoke_device` and `enroll_device` are accepted once each, however many
//! copies arrive, and a replay within the freshness window is refused with
//! `already_used` and changes nothing (a replayed invitation mints no
//! link). The records are swept once the statements are stale.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_core::{Claim, DeviceName};
use serde_json::{Value, json};
use sqlx::Row as _;

use crate::common::*;

on_both_backends!(
    a_replayed_invitation_is_refused_and_mints_no_link,
    a_replayed_account_read_is_refused,
    a_replayed_revocation_or_enrollment_is_refused,
    copies_sent_at_once_are_accepted_once,
    used_statements_are_swept_once_stale,
);

fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

/// Rows in `table`, read past the service.
async fn rows(service: &Service, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(service.state.store.url())
        .await
        .unwrap();
    let row = sqlx::query(&format!("SELECT COUNT(*) AS n FROM {table}"))
        .fetch_one(&pool)
        .await
        .unwrap();
    let count: i64 = row.try_get("n").unwrap();
    pool.close().await;
    count
}

fn assert_replay_refused(status: StatusCode, body: &Value) {
    assert_eq!(
        (status, code_of(body)),
        (StatusCode::CONFLICT, "already_used"),
        "{body}"
    );
}

async fn a_replayed_invitation_is_refused_and_mints_no_link(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let invite = ada.sign(Claim::InviteDevice { user: ada.user });
    let (status, body) = service.post("/api/enrollments", invite.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let links = rows(&service, "enrollments").await;
    let (status, body) = service.post("/api/enrollments", invite).await;
    assert_replay_refused(status, &body);
    assert_eq!(rows(&service, "enrollments").await, links, "no new link");
    // A new statement, signed again, is a new invitation.
    let again = ada.sign(Claim::InviteDevice { user: ada.user });
    let (status, body) = service.post("/api/enrollments", again).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
}

async fn a_replayed_account_read_is_refused(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let read = ada.sign(Claim::ReadAccount { user: ada.user });
    let (status, account) = service.post("/api/account", read.clone()).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    let (status, body) = service.post("/api/account", read).await;
    assert_replay_refused(status, &body);
    assert!(body.get("devices").is_none(), "nothing read: {body}");
}

async fn a_replayed_revocation_or_enrollment_is_refused(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let second = service.second_device(&ada).await;
    let revoke = ada.sign(Claim::RevokeDevice {
        user: ada.user,
        device: second.device,
    });
    let (status, body) = service.post("/api/devices/revoke", revoke.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Refused as a replay before the device's state is looked at.
    let (status, body) = service.post("/api/devices/revoke", revoke).await;
    assert_replay_refused(status, &body);

    // An enrollment proof replayed with a fresh link of the same user.
    let (user, token) = service.add_user("bob").await;
    let bob = Approver::new(user);
    let proof = bob.enrollment();
    let (status, body) = service.redeem(&token, proof.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let info = countersign_core::api::UserInfo {
        uid: user,
        username: "bob".into(),
    };
    let state = &service.state;
    let link = countersign_server::ops::enrollment::operator_enrollment_link(
        &state.store,
        &state.clock,
        &state.random,
        PUBLIC_URL,
        &info,
        chrono::TimeDelta::days(1),
    )
    .await
    .unwrap();
    let fresh = link.split("#token=").nth(1).unwrap();
    let (status, body) = service.redeem(fresh, proof).await;
    assert_replay_refused(status, &body);
    // The fresh link is still unused: the replay changed nothing.
    let lookup = json!({"token": fresh});
    let (status, body) = service.post("/api/enrollments/lookup", lookup).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // A sponsor's statement replayed for a sponsored enrollment.
    let third = Approver::new(ada.user);
    let claim = Claim::EnrollDevice {
        user: ada.user,
        device: third.device,
        device_key: third.key.public_key(),
        device_name: DeviceName::new("Third browser").unwrap(),
    };
    let sponsored = json!({"sponsor": ada.sign(claim.clone()), "proof": third.sign(claim)});
    let (status, body) = service.post("/api/devices", sponsored.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = service.post("/api/devices", sponsored).await;
    assert_replay_refused(status, &body);
}

async fn copies_sent_at_once_are_accepted_once(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let links = rows(&service, "enrollments").await;
    let invite = ada.sign(Claim::InviteDevice { user: ada.user });
    let mut sent = tokio::task::JoinSet::new();
    for _ in 0..8 {
        let request = Request::post("/api/enrollments")
            .header("content-type", "application/json")
            .body(Body::from(invite.to_string()))
            .unwrap();
        sent.spawn(send_to(service.router.clone(), request));
    }
    let mut answers = Vec::new();
    while let Some(answer) = sent.join_next().await {
        answers.push(answer.unwrap());
    }
    let created = answers
        .iter()
        .filter(|(status, _)| *status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1, "{answers:?}");
    for (status, body) in answers.iter().filter(|(s, _)| *s != StatusCode::CREATED) {
        assert_replay_refused(*status, body);
    }
    assert_eq!(rows(&service, "enrollments").await, links + 1);
}

async fn used_statements_are_swept_once_stale(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let read = ada.sign(Claim::ReadAccount { user: ada.user });
    assert_eq!(service.post("/api/account", read).await.0, StatusCode::OK);
    // The enrollment and the read.
    assert_eq!(rows(&service, "used_statements").await, 2);
    countersign_server::ops::sweeper::sweep(&service.state)
        .await
        .unwrap();
    assert_eq!(rows(&service, "used_statements").await, 2, "still fresh");
    // Stale everywhere: 5 minutes of freshness and 1 of grace.
    service.clock.advance(Duration::from_secs(7 * 60));
    countersign_server::ops::sweeper::sweep(&service.state)
        .await
        .unwrap();
    assert_eq!(rows(&service, "used_statements").await, 0);
}
