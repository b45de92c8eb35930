//! The routes of recovery and the audit trail through the real router,
//! each answer held against the document: a newer device's revocation of
//! an older one waits (202) and the older one cancels it, a link is
//! cancelled, the account and the trail are read by pages (with a logout
//! by revocation and a denial for a wrong code in it), and the refusals of
//! each.

use std::time::Duration;

use axum::http::StatusCode;
use countersign_core::{Claim, DeviceName};
use serde_json::{Value, json};
use uuid::Uuid;

use super::checker::Checker;
use crate::common::{
    Approver, Db, Requester, Service, approved, ask, drawn_code, service_on, shown,
};

/// Runs the recovery routes for `owner`'s user, whose unused link's token
/// is `link`; `owner` stays unrevoked.
pub(super) async fn recovery_routes(
    service: &Service,
    check: &mut Checker,
    owner: &Approver,
    link: &str,
) {
    let user = owner.user;
    // A device enrolled after the owner's, which revokes the owner's.
    service.clock.advance(Duration::from_secs(1));
    let newer = Approver::new(user);
    let claim = Claim::EnrollDevice {
        user,
        device: newer.device,
        device_key: newer.key.public_key(),
        device_name: DeviceName::new("Newer browser").unwrap(),
    };
    let sponsored = json!({"sponsor": owner.sign(claim.clone()), "proof": newer.sign(claim)});
    let (status, body) = check
        .post(service, "/api/devices", "/api/devices", &sponsored)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let revoke = "/api/devices/revoke";
    let revocation = newer.sign(Claim::RevokeDevice {
        user,
        device: owner.device,
    });
    let (status, pending) = check.post(service, revoke, revoke, &revocation).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{pending}");
    assert_eq!(pending["device"], owner.device.to_string());
    let again = newer.sign(Claim::RevokeDevice {
        user,
        device: owner.device,
    });
    let (status, body) = check.post(service, revoke, revoke, &again).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict")),
        "one pending revocation per device: {body}"
    );

    // The owner reads the account: the revocation and the link are there.
    let account = "/api/account";
    let read = owner.sign(Claim::ReadAccount { user });
    let (status, view) = check.post(service, account, account, &read).await;
    assert_eq!(status, StatusCode::OK, "{view}");
    assert_eq!(
        view["pending_revocations"][0]["requested_by"],
        json!(newer.device)
    );
    let invite: countersign_core::Digest =
        serde_json::from_value(view["invites"][0]["id"].clone()).unwrap();
    let read = owner.sign(Claim::ReadAccount { user });
    let (status, _) = check
        .post(service, account, "/api/account?before=nonsense", &read)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a cursor");

    // The owner cancels the revocation; a device of no part in it cannot.
    let cancel = "/api/devices/revocations/cancel";
    let claim = Claim::CancelRevocation {
        user,
        device: owner.device,
    };
    let stranger = service.user_with_device("grace").await;
    let (status, _) = check
        .post(service, cancel, cancel, &stranger.sign(claim.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another user's device");
    let (status, body) = check.post(service, cancel, cancel, &revocation).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a cancel: {body}");
    let cancelled = owner.sign(claim);
    let (status, body) = check.post(service, cancel, cancel, &cancelled).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["requested_by"], json!(newer.device));
    let (status, _) = check.post(service, cancel, cancel, &cancelled).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "nothing pending any more");

    // The owner cancels the unused link; it enrolls nothing then.
    let cancel = "/api/enrollments/cancel";
    let claim = Claim::CancelInvite { user, invite };
    let (status, _) = check
        .post(service, cancel, cancel, &stranger.sign(claim.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another user's device");
    let cancelled = owner.sign(claim);
    let (status, body) = check.post(service, cancel, cancel, &cancelled).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], json!(invite));
    let (status, _) = check.post(service, cancel, cancel, &cancelled).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "cancelled already");
    let lookup = "/api/enrollments/lookup";
    let (status, _) = check
        .post(service, lookup, lookup, &json!({"token": link}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link is dead");

    // A login the newer device approved, logged out by the owner's
    // revocation of it (at once: it is newer), and a request the owner
    // denied by a wrong code: both are in the trail with their fields.
    let login = approved(service, &newer, &Requester::new(), "ada").await;
    let revocation = owner.sign(Claim::RevokeDevice {
        user,
        device: newer.device,
    });
    let (status, body) = check.post(service, revoke, revoke, &revocation).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = ask(service, &Requester::new(), "ada").await;
    let denied = shown(service, answer["short_uid"].as_str().unwrap()).await;
    let wrong = if drawn_code(&answer) == 10 { 11 } else { 10 };
    let path = format!("/api/sessions/{}/statements", denied.uid());
    let (status, body) = service
        .post(&path, owner.decide(&denied, "approve", Some(wrong)))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The owner reads the trail, which holds both cancellations, the
    // logout by revocation and the denial.
    let audit = "/api/account/audit";
    let read = owner.sign(Claim::ReadAudit { user });
    let (status, trail) = check.post(service, audit, audit, &read).await;
    assert_eq!(status, StatusCode::OK, "{trail}");
    let entry = |session: Uuid, action: &str| -> Value {
        let entries = trail["entries"].as_array().unwrap();
        let found = entries
            .iter()
            .find(|e| e["session_uid"] == json!(session) && e["action"] == action);
        found
            .unwrap_or_else(|| panic!("no {action} of {session}: {trail}"))
            .clone()
    };
    let logout = entry(login.uid(), "logout");
    assert_eq!(
        (&logout["revoked_device"], &logout["device_uid"]),
        (&json!(newer.device), &json!(owner.device))
    );
    let denial = entry(denied.uid(), "deny");
    assert_eq!(
        (&denial["deny_reason"], &denial["revoked_device"]),
        (&json!("wrong_code"), &Value::Null)
    );
    let actions: Vec<&str> = trail["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|entry: &Value| entry["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"revocation_cancelled") && actions.contains(&"cancel"),
        "{actions:?}"
    );
    let (status, _) = check.post(service, audit, audit, &read).await;
    assert_eq!(status, StatusCode::CONFLICT, "a statement reads once");
    let read = owner.sign(Claim::ReadAudit { user });
    let (status, _) = check
        .post(service, audit, "/api/account/audit?before=x", &read)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a cursor");
    let elsewhere = owner.sign(Claim::ReadAudit {
        user: Uuid::from_u128(7),
    });
    let (status, _) = check.post(service, audit, audit, &elsewhere).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "another user's trail");
}

/// A request for a username with as many pending as the service allows is
/// refused with `too_many_pending` and a `Retry-After`, as documented.
#[tokio::test]
async fn too_many_pending_answers_as_documented() {
    let service = service_on(Db::Sqlite, |config| config.max_pending_per_user = 1)
        .await
        .unwrap();
    let mut check = Checker::new();
    let route = "/api/sessions";
    let (status, body) = check
        .post(&service, route, route, &Requester::new().request("ada"))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, body) = check
        .post(&service, route, route, &Requester::new().request("ada"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("too_many_pending")),
        "{body}"
    );
}
