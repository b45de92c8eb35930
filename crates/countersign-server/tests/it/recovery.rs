//! Recovery a thief cannot block, through the service on both backends: a
//! stolen newer device's revocation of its owner's older one waits, the
//! owner cancels it and revokes the thief at once, and the thief's
//! enrollment links die with its device; left alone, the revocation takes
//! effect after the delay; a thief holding the oldest device is stopped by
//! the operator (the real binary's `admin device revoke` and `admin user
//! enroll-link`), and the owner enrolls again.

use std::time::Duration;

use crate::admin::{admin, admin_json};
use crate::common::*;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use countersign_core::Digest;
use countersign_core::api::AccountView;
use countersign_core::{Claim, Signer, Statement};
use serde_json::{Value, json};

on_both_backends!(
    the_owner_cancels_a_thiefs_revocation_and_revokes_the_thief,
    a_revocation_left_alone_takes_effect_after_the_delay,
    the_operator_restores_an_owner_whose_oldest_device_was_stolen,
    the_operators_revocation_of_a_thief_voids_its_pending_one,
);

/// Signs `claim` as `device` at about the service's time (the tests move
/// the service's clock by days, past any statement dated by the real one),
/// up to 10 s earlier at random, so that two statements of one claim on a
/// still clock are two statements and not a replay.
pub fn sign_at(device: &Approver, claim: Claim, at: DateTime<Utc>) -> Value {
    let jitter = i64::from(u16::from_le_bytes(random()) % 10_000);
    let at = at - chrono::TimeDelta::milliseconds(jitter);
    let signed =
        Statement::new(claim, service_url(), Signer::Device(device.device), at).sign(&device.key);
    serde_json::to_value(signed).unwrap()
}

/// The service's answer to `claim` signed by `device` at the service's
/// time, posted to `path`.
async fn post_signed(
    service: &Service,
    path: &str,
    device: &Approver,
    claim: Claim,
) -> (StatusCode, Value) {
    service
        .post(path, sign_at(device, claim, service.now()))
        .await
}

/// The account as `device` reads it, at the service's time.
pub async fn account(service: &Service, device: &Approver, before: Option<&str>) -> AccountView {
    let path = match before {
        Some(cursor) => format!("/api/account?before={cursor}"),
        None => "/api/account".to_owned(),
    };
    let read = Claim::ReadAccount { user: device.user };
    let (status, body) = post_signed(service, &path, device, read).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    serde_json::from_value(body).unwrap()
}

/// A one-time link made by `device`: its token.
async fn invite(service: &Service, device: &Approver) -> String {
    let claim = Claim::InviteDevice { user: device.user };
    let (status, body) = post_signed(service, "/api/enrollments", device, claim).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let url = body["enrollment_url"].as_str().unwrap();
    url.split("#token=").nth(1).unwrap().to_owned()
}

async fn revoke(service: &Service, by: &Approver, target: &Approver) -> (StatusCode, Value) {
    let claim = Claim::RevokeDevice {
        user: by.user,
        device: target.device,
    };
    post_signed(service, "/api/devices/revoke", by, claim).await
}

/// Moves the service's clock on by `seconds` and runs its sweep, which
/// applies the revocations then due.
async fn sweep_after(service: &Service, seconds: u64) {
    service.clock.advance(Duration::from_secs(seconds));
    countersign_server::ops::sweeper::sweep(&service.state)
        .await
        .unwrap();
}

/// When `device` was revoked, as stored (`None`: it is active).
async fn revoked_at(service: &Service, device: &Approver) -> Option<DateTime<Utc>> {
    let stored = service.state.store.device(device.device).await.unwrap();
    stored.unwrap().revoked_at
}

/// The service's answer to a lookup of the link with this token.
async fn lookup(service: &Service, token: &str) -> (StatusCode, Value) {
    service
        .post("/api/enrollments/lookup", json!({"token": token}))
        .await
}

/// A service on `db` with its database's URL, which the real binary's
/// `admin` commands (the operator's) are given.
async fn operated(db: Db) -> Option<(String, Service)> {
    let (url, dir) = database(db).await?;
    let service = service_at(&url, dir, |_| {}).await;
    Some((url, service))
}

/// The operator's `admin device revoke` of `device`, which must succeed.
fn operator_revokes(url: &str, device: &Approver) {
    let (ok, _, err) = admin(url, &["device", "revoke", &device.device.to_string()]);
    assert!(ok, "{err}");
}

/// Two devices of ada, the second enrolled a minute after the first.
async fn owner_and_thief(service: &Service) -> (Approver, Approver) {
    let first = service.user_with_device("ada").await;
    service.clock.advance(Duration::from_secs(60));
    let second = service.second_device(&first).await;
    (first, second)
}

async fn the_owner_cancels_a_thiefs_revocation_and_revokes_the_thief(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let (owner, thief) = owner_and_thief(&service).await;
    let thiefs_link = invite(&service, &thief).await;

    // The thief revokes the owner's older device: it only waits.
    let (status, pending) = revoke(&service, &thief, &owner).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["device"], owner.device.to_string());
    let due: DateTime<Utc> = serde_json::from_value(pending["due_at"].clone()).unwrap();
    assert_eq!(due - service.now(), chrono::TimeDelta::hours(48));

    // The owner sees it, and the thief's link, and can still approve.
    let view = account(&service, &owner, None).await;
    assert_eq!(view.pending_revocations.len(), 1, "{view:?}");
    assert_eq!(view.pending_revocations[0].requested_by, thief.device);
    assert_eq!(view.invites.len(), 1);
    assert_eq!(view.invites[0].invited_by, Some(thief.device));
    approved(&service, &owner, &Requester::new(), "ada").await;

    // The thief cannot cancel its way round; the owner cancels.
    let cancel = Claim::CancelRevocation {
        user: owner.user,
        device: owner.device,
    };
    let (status, body) =
        post_signed(&service, "/api/devices/revocations/cancel", &owner, cancel).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        account(&service, &owner, None)
            .await
            .pending_revocations
            .is_empty()
    );

    // The thief tries again; the owner revokes the thief's newer device at
    // once, which voids the thief's revocation and its link.
    assert_eq!(
        revoke(&service, &thief, &owner).await.0,
        StatusCode::ACCEPTED
    );
    let (status, body) = revoke(&service, &owner, &thief).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["revoked_at"].is_string(), "{body}");
    let view = account(&service, &owner, None).await;
    assert!(view.pending_revocations.is_empty(), "{view:?}");
    assert!(view.invites.is_empty(), "the thief's link is not listed");
    let (status, body) = lookup(&service, &thiefs_link).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found")),
        "{body}"
    );
    let newcomer = Approver::new(owner.user);
    let (status, body) = service.redeem(&thiefs_link, newcomer.enrollment()).await;
    assert!(
        status.is_client_error(),
        "the thief's link enrolls nothing: {body}"
    );

    // Past the delay nothing happens to the owner.
    sweep_after(&service, 49 * 3600).await;
    assert_eq!(revoked_at(&service, &owner).await, None);
}

async fn a_revocation_left_alone_takes_effect_after_the_delay(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let (older, newer) = owner_and_thief(&service).await;
    let login = approved(&service, &older, &Requester::new(), "ada").await;
    assert_eq!(
        revoke(&service, &newer, &older).await.0,
        StatusCode::ACCEPTED
    );

    // Not before it is due.
    sweep_after(&service, 47 * 3600).await;
    assert_eq!(revoked_at(&service, &older).await, None);

    sweep_after(&service, 3600 + 1).await;
    assert!(
        revoked_at(&service, &older).await.is_some(),
        "revoked once due"
    );
    // Its login is over (it ran out or was logged out by the revocation).
    assert_ne!(
        stored_status(&service, login.uid()).await,
        countersign_core::Status::Approved
    );
    let view = account(&service, &newer, None).await;
    assert!(view.pending_revocations.is_empty());

    // Revoking itself, or a newer device, never waits.
    let third = Approver::new(newer.user);
    let claim = Claim::EnrollDevice {
        user: newer.user,
        device: third.device,
        device_key: third.key.public_key(),
        device_name: countersign_core::DeviceName::new("Third").unwrap(),
    };
    let body = json!({
        "sponsor": sign_at(&newer, claim.clone(), service.now()),
        "proof": sign_at(&third, claim, service.now()),
    });
    assert_eq!(
        service.post("/api/devices", body).await.0,
        StatusCode::CREATED
    );
    service.clock.advance(Duration::from_secs(60));
    assert_eq!(revoke(&service, &newer, &third).await.0, StatusCode::OK);
    assert_eq!(revoke(&service, &newer, &newer).await.0, StatusCode::OK);
}

async fn the_operator_restores_an_owner_whose_oldest_device_was_stolen(db: Db) {
    let Some((url, service)) = operated(db).await else {
        return;
    };
    // The thief holds the oldest device: it revokes the owner's at once.
    let (thief, owner) = owner_and_thief(&service).await;
    let thiefs_link = invite(&service, &thief).await;
    let (status, body) = revoke(&service, &thief, &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The operator revokes the thief's device and gives the owner a link.
    operator_revokes(&url, &thief);
    let link = admin_json(&url, &["user", "enroll-link", "ada"]);
    let link = link[0]["enrollment_url"].as_str().unwrap();
    let token = link.split("#token=").nth(1).unwrap();
    let restored = Approver::new(owner.user);
    let (status, body) = service.redeem(token, restored.enrollment()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    approved(&service, &restored, &Requester::new(), "ada").await;

    // The thief's link is dead, and its device signs nothing.
    assert_eq!(
        lookup(&service, &thiefs_link).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, body) = revoke(&service, &thief, &restored).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked")),
        "{body}"
    );
    let view = account(&service, &restored, None).await;
    assert!(view.invites.is_empty() && view.pending_revocations.is_empty());
}

async fn the_operators_revocation_of_a_thief_voids_its_pending_one(db: Db) {
    let Some((url, service)) = operated(db).await else {
        return;
    };
    // The owner has lost every device but the old one, which the thief's
    // newer device is revoking; the owner calls the operator instead.
    let (owner, thief) = owner_and_thief(&service).await;
    let thiefs_link = invite(&service, &thief).await;
    assert_eq!(
        revoke(&service, &thief, &owner).await.0,
        StatusCode::ACCEPTED
    );
    operator_revokes(&url, &thief);

    // The pending revocation and the link went with the thief's device.
    let view = account(&service, &owner, None).await;
    assert!(view.pending_revocations.is_empty(), "{view:?}");
    assert!(view.invites.is_empty(), "{view:?}");
    assert_eq!(
        lookup(&service, &thiefs_link).await.0,
        StatusCode::NOT_FOUND
    );
    sweep_after(&service, 49 * 3600).await;
    assert_eq!(
        revoked_at(&service, &owner).await,
        None,
        "the owner keeps its device"
    );

    // The operator's export tells the story, the operator's act included.
    let trail = admin_json(&url, &["audit", "--user", "ada"]);
    let acts: Vec<(&str, &str)> = trail
        .iter()
        .map(|line| {
            (
                line["actor"].as_str().unwrap(),
                line["action"].as_str().unwrap(),
            )
        })
        .collect();
    let asked = acts
        .iter()
        .position(|a| *a == ("device", "revoke_requested"));
    let stopped = acts.iter().position(|a| *a == ("admin", "revoke"));
    assert!(
        asked.is_some() && stopped > asked,
        "the request, then the operator's revocation: {acts:?}"
    );
}

/// Cancelling a link: listed, cancelled by any device of the user, and
/// then it enrolls nothing.
#[tokio::test]
async fn a_user_cancels_an_unused_link() {
    let service = service().await;
    let ada = service.user_with_device("ada").await;
    let token = invite(&service, &ada).await;
    let view = account(&service, &ada, None).await;
    let id: Digest = view.invites[0].id;
    let cancel = Claim::CancelInvite {
        user: ada.user,
        invite: id,
    };
    let (status, body) =
        post_signed(&service, "/api/enrollments/cancel", &ada, cancel.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(account(&service, &ada, None).await.invites.is_empty());
    assert_eq!(lookup(&service, &token).await.0, StatusCode::NOT_FOUND);
    let (status, body) = post_signed(&service, "/api/enrollments/cancel", &ada, cancel).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
}
