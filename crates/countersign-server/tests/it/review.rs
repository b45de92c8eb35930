//! An attacker's review of recovery and passkeys: each test here failed on
//! the service before its fix.
//!
//! A passkey is the person's gesture over every statement that adds a
//! device (approve, deny, suspicious, revoke, invite). A device
//! that sponsors a new device (`POST /api/devices`) adds one as surely as
//! an invitation does, so it must not be a way round the gesture: a script
//! on the approval origin, holding the device key but not the person,
//! would otherwise enroll a key of its own, which then approves without
//! any gesture.
//!
//! `POST /api/passkeys` carries no signature (the registration's challenge,
//! given only to the device that asked, binds the answer): anyone who knows
//! a device's uid may post to it, and such an answer must not end the
//! device's registration, or a stranger could keep a device from ever
//! getting a passkey (and, under `--require-user-verification`, from
//! approving anything).
//!
//! The account view lists live sessions up to a bound (500), newest first.
//! Pending ones are capped per name, but the cap is soft (PostgreSQL: a
//! burst of 600 concurrent requests from addresses the rate limit does not
//! hold passed a cap of 20 by 488) and the operator may raise it to
//! 100,000: junk must not push an approved login, which only the user's
//! own approval makes, out of the one page where it can be logged out.
//!
//! Cancelling a pending revocation keeps a device: when the device has a
//! passkey, the cancel needs the person's gesture as the revocation did,
//! or a thief holding the owner's older, passkey-protected device (but not
//! the owner) could cancel the owner's revocation of it, again and again.

use axum::http::StatusCode;
use countersign_core::{Claim, DeviceName};
use serde_json::json;

use crate::authenticator::Authenticator;
use crate::common::*;
use crate::passkeys::{attested, challenge, register};
use crate::recovery::sign_at;

on_both_backends!(
    a_device_with_a_passkey_sponsors_no_device_without_the_gesture,
    without_user_verification_no_device_is_sponsored_when_it_is_required,
    a_strangers_answer_does_not_close_a_devices_passkey_registration,
    more_pending_requests_than_the_view_lists_leave_the_approved_login_in_view,
    a_revocation_of_a_device_with_a_passkey_is_cancelled_only_with_the_gesture,
);

/// `sponsor` vouches for a new device of its user, with no assertion: the
/// answer, and whether the new device was stored.
async fn sponsor_without_gesture(service: &Service, sponsor: &Approver) -> (StatusCode, String) {
    let newcomer = Approver::new(sponsor.user);
    let claim = Claim::EnrollDevice {
        user: sponsor.user,
        device: newcomer.device,
        device_key: newcomer.key.public_key(),
        device_name: DeviceName::new("Script's key").unwrap(),
    };
    let body = json!({"sponsor": sponsor.sign(claim.clone()), "proof": newcomer.sign(claim)});
    let (status, answer) = service.post("/api/devices", body).await;
    let stored = service.state.store.device(newcomer.device).await.unwrap();
    assert_eq!(
        stored.is_some(),
        status == StatusCode::CREATED,
        "stored only when accepted: {answer}"
    );
    (
        status,
        answer["error"]["code"].as_str().unwrap_or("").to_owned(),
    )
}

async fn a_device_with_a_passkey_sponsors_no_device_without_the_gesture(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    register(&service, &ada, &Authenticator::new(7, PUBLIC_URL)).await;
    assert_eq!(
        sponsor_without_gesture(&service, &ada).await,
        (
            StatusCode::FORBIDDEN,
            "user_verification_required".to_owned()
        )
    );
    let view = crate::recovery::account(&service, &ada, None).await;
    assert_eq!(view.devices.len(), 1, "no device added: {view:?}");
}

async fn without_user_verification_no_device_is_sponsored_when_it_is_required(db: Db) {
    let Some(service) = service_on(db, |c| c.allow_key_file_approvers = false).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    assert_eq!(
        sponsor_without_gesture(&service, &ada).await,
        (
            StatusCode::FORBIDDEN,
            "user_verification_required".to_owned()
        )
    );
}

async fn a_strangers_answer_does_not_close_a_devices_passkey_registration(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let asked = ada.sign(Claim::RegisterPasskey {
        user: ada.user,
        device: ada.device,
    });
    let (status, options) = service.post("/api/passkeys/options", asked).await;
    assert_eq!(status, StatusCode::OK, "{options}");

    // A stranger answers for ada's device with a credential of its own,
    // made for a challenge it does not know.
    let strangers = Authenticator::new(9, PUBLIC_URL).register("c3RyYW5nZXI");
    let body = json!({"device": ada.device, "credential": strangers});
    let (status, answer) = service.post("/api/passkeys", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"]["code"], "bad_assertion");

    // Ada's own answer still registers her passkey.
    let credential =
        Authenticator::new(7, PUBLIC_URL).register(options["challenge"].as_str().unwrap());
    let body = json!({"device": ada.device, "credential": credential});
    let (status, answer) = service.post("/api/passkeys", body).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert!(
        service
            .state
            .store
            .passkey(ada.device)
            .await
            .unwrap()
            .is_some()
    );

    // And the registration is used once: the same answer again adds nothing.
    let body = json!({"device": ada.device, "credential": credential});
    let (status, answer) = service.post("/api/passkeys", body).await;
    assert!(status.is_client_error(), "{answer}");
}

async fn more_pending_requests_than_the_view_lists_leave_the_approved_login_in_view(db: Db) {
    let Some(service) = service_on(db, |config| {
        config.request_rate = (100_000, 100_000.0);
        config.max_pending_per_user = 1_000;
    })
    .await
    else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let login = approved(&service, &ada, &Requester::new(), "ada").await;
    service.clock.advance(std::time::Duration::from_secs(1));
    for _ in 0..501 {
        ask(&service, &Requester::new(), "ada").await;
    }
    let view = crate::recovery::account(&service, &ada, None).await;
    assert!(
        view.sessions.iter().any(|s| s.uid() == login.uid()),
        "the approved login is listed among {} sessions",
        view.sessions.len()
    );
}

async fn a_revocation_of_a_device_with_a_passkey_is_cancelled_only_with_the_gesture(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    // The owner's older device, with a passkey, is now in a thief's hands;
    // the owner revokes it from their newer device, which must wait.
    let stolen = service.user_with_device("ada").await;
    service.clock.advance(std::time::Duration::from_secs(60));
    let owners = service.second_device(&stolen).await;
    let mut authenticator = Authenticator::new(17, PUBLIC_URL);
    register(&service, &stolen, &authenticator).await;
    let revoke = Claim::RevokeDevice {
        user: owners.user,
        device: stolen.device,
    };
    let (status, answer) = service
        .post(
            "/api/devices/revoke",
            sign_at(&owners, revoke, service.now()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{answer}");

    let cancel = Claim::CancelRevocation {
        user: stolen.user,
        device: stolen.device,
    };
    let pending = |view: countersign_core::api::AccountView| view.pending_revocations.len();
    // The thief holds the key, not the person: refused, still pending.
    let by_key = sign_at(&stolen, cancel.clone(), service.now());
    let (status, answer) = service
        .post("/api/devices/revocations/cancel", by_key)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"]["code"], "user_verification_required");
    assert_eq!(
        pending(crate::recovery::account(&service, &owners, None).await),
        1
    );

    // With the person's gesture (had the owner kept the device) it is
    // cancelled.
    let statement = sign_at(&stolen, cancel, service.now());
    let body = attested(&statement, &authenticator.assert(&challenge(&statement)));
    let (status, answer) = service.post("/api/devices/revocations/cancel", body).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        pending(crate::recovery::account(&service, &owners, None).await),
        0
    );
}
