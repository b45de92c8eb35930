//! The audit log says in fields what its readers branch on: a login logged
//! out by the revocation of the device that approved it names that device
//! in `revoked_device`, with no note, whichever revocation it was (a
//! device's at once, the operator's `admin device revoke`, or one the
//! sweeper applied after its delay). The user reads it in their trail
//! (`POST /api/account/audit`), the operator in `admin audit --json`, under
//! the same key.

use std::time::Duration;

use axum::http::StatusCode;
use chrono::TimeDelta;
use countersign_core::Claim;
use countersign_core::api::{AuditAction, AuditPage};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::admin::{admin, admin_json};
use crate::common::*;
use crate::recovery::sign_at;

on_both_backends!(a_logout_by_revocation_names_the_device_revoked);

async fn a_logout_by_revocation_names_the_device_revoked(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let service = service_at(&url, dir, |config| {
        config.revocation_delay = TimeDelta::minutes(5);
    })
    .await;
    let oldest = service.user_with_device("ada").await;
    let second = service.second_device(&oldest).await;
    let third = service.second_device(&oldest).await;
    let by_oldest = approved(&service, &oldest, &Requester::new(), "ada").await;
    let by_second = approved(&service, &second, &Requester::new(), "ada").await;
    let by_third = approved(&service, &third, &Requester::new(), "ada").await;

    // A device's revocation of one enrolled as early: at once.
    let claim = Claim::RevokeDevice {
        user: oldest.user,
        device: third.device,
    };
    let (status, body) = service
        .post("/api/devices/revoke", oldest.sign(claim))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // The operator's.
    let (ok, _, err) = admin(&url, &["device", "revoke", &second.device.to_string()]);
    assert!(ok, "{err}");
    // A newer device's revocation of the oldest, applied by the sweeper
    // once its delay is over.
    service.clock.advance(Duration::from_secs(60));
    let newest = service.second_device(&oldest).await;
    let claim = Claim::RevokeDevice {
        user: oldest.user,
        device: oldest.device,
    };
    let (status, body) = service
        .post(
            "/api/devices/revoke",
            sign_at(&newest, claim, service.now()),
        )
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    service.clock.advance(Duration::from_secs(6 * 60));
    countersign_server::ops::sweeper::sweep(&service.state)
        .await
        .unwrap();

    // Each login, the device whose revocation logged it out, and the
    // device that revoked it (none: the operator).
    let expected = [
        (by_third.uid(), third.device, Some(oldest.device)),
        (by_second.uid(), second.device, None),
        (by_oldest.uid(), oldest.device, Some(newest.device)),
    ];

    // The user's trail.
    let read = Claim::ReadAudit { user: newest.user };
    let (status, body) = service
        .post("/api/account/audit", sign_at(&newest, read, service.now()))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let wire = body["entries"].as_array().unwrap();
    assert!(
        wire.iter()
            .all(|entry| entry.get("revoked_device").is_some()),
        "every entry has the key: {body}"
    );
    let trail: AuditPage = serde_json::from_value(body.clone()).unwrap();
    assert!(trail.next.is_none(), "one page holds it all");
    for (login, revoked, by) in expected {
        let logouts: Vec<_> = trail
            .entries
            .iter()
            .filter(|e| e.session_uid == Some(login) && e.action == AuditAction::Logout)
            .collect();
        assert_eq!(logouts.len(), 1, "{login}: {body}");
        let logout = logouts[0];
        assert_eq!(
            (
                logout.revoked_device,
                logout.device_uid,
                logout.note.as_deref()
            ),
            (Some(revoked), by, None),
            "{login}"
        );
        let raw = wire.iter().find(|e| e["id"] == json!(logout.id)).unwrap();
        assert_eq!(raw["revoked_device"], json!(revoked.to_string()));
    }
    let others = trail
        .entries
        .iter()
        .filter(|e| e.action != AuditAction::Logout);
    assert!(
        others.clone().count() > 0 && others.clone().all(|e| e.revoked_device.is_none()),
        "only the logouts name a revoked device"
    );

    // The operator's export, under the same key.
    let export = admin_json(&url, &["audit", "--user", "ada"]);
    assert!(
        export
            .iter()
            .all(|line| line.get("revoked_device").is_some()),
        "every line has the key"
    );
    for (login, revoked, by) in expected {
        let logout = export_logout(&export, login);
        assert_eq!(
            logout["revoked_device"],
            json!(revoked.to_string()),
            "{login}"
        );
        assert_eq!(logout["note"], Value::Null, "{login}");
        let actor = if by.is_some() { "device" } else { "admin" };
        assert_eq!(logout["actor"], actor, "{login}");
        assert_eq!(logout["device_uid"], json!(by.map(|uid| uid.to_string())));
    }
}

/// The one logout of `login` in an `admin audit --json` export.
fn export_logout(export: &[Value], login: Uuid) -> &Value {
    let logouts: Vec<&Value> = export
        .iter()
        .filter(|line| {
            line["session_uid"] == json!(login.to_string()) && line["action"] == "logout"
        })
        .collect();
    assert_eq!(logouts.len(), 1, "{login}: {logouts:?}");
    logouts[0]
}
