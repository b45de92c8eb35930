//! Revoking a device logs out, in the same transaction, the logins it
//! approved that are still live (approved or reported suspicious): their
//! waiters are released, their tokens refused, and each logout is in the
//! audit log as the revocation's. Other devices' logins are left alone.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use countersign_core::{Claim, Status};

on_both_backends!(revoking_a_device_logs_out_the_logins_it_approved);

const RESOURCE: &str = "deploy staging";

async fn revoking_a_device_logs_out_the_logins_it_approved(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let kept = service.user_with_device("ada").await;
    let lost = service.second_device(&kept).await;

    let by_kept = Requester::new();
    let approved_by_kept = approved(&service, &kept, &by_kept, "ada").await;
    let by_lost = Requester::new();
    let approved_by_lost = approved(&service, &lost, &by_lost, "ada").await;
    let reported = approved(&service, &lost, &Requester::new(), "ada").await;
    let path = format!("/api/sessions/{}/statements", reported.uid());
    let (status, body) = service
        .post(&path, kept.decide(&reported, "suspicious", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let closed_requester = Requester::new();
    let closed = approved(&service, &lost, &closed_requester, "ada").await;
    let path = format!("/api/sessions/{}/statements", closed.uid());
    let (status, body) = service.post(&path, closed_requester.logout(&closed)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let pending = ask(&service, &Requester::new(), "ada").await;
    let pending = pending["uid"].as_str().unwrap().parse().unwrap();

    let token = by_lost.authorise(&approved_by_lost, RESOURCE, None, service.now());
    assert_eq!(
        service.verify(&token, RESOURCE, false).await.0,
        StatusCode::OK
    );
    let waiting = service.spawn_get(&format!(
        "/api/sessions/{}/wait?status=approved&timeout_s=20",
        approved_by_lost.uid()
    ));
    service.waiting_on(1).await;

    let revocation = kept.sign(Claim::RevokeDevice {
        user: kept.user,
        device: lost.device,
    });
    let (status, body) = service.post("/api/devices/revoke", revocation).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let (status, released) = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("the waiter is released by the revocation")
        .unwrap();
    assert_eq!(
        (status, released["status"].as_str()),
        (StatusCode::OK, Some("logged_out"))
    );
    let answer = service.verify(&token, RESOURCE, false).await;
    assert_eq!(
        (answer.0, answer.1["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("logged_out")),
        "{}",
        answer.1
    );

    for (session, expected) in [
        (approved_by_lost.uid(), Status::LoggedOut),
        (reported.uid(), Status::LoggedOut),
        (approved_by_kept.uid(), Status::Approved),
        (pending, Status::Pending),
        (closed.uid(), Status::LoggedOut),
    ] {
        assert_eq!(stored_status(&service, session).await, expected);
    }
    let logged_out = service.session(approved_by_lost.uid()).await;
    assert!(logged_out.logout_time().is_some() && !logged_out.was_cancelled());
    assert_eq!(logged_out.public_cert(), None, "keys cleared");
    let token = by_kept.authorise(&approved_by_kept, RESOURCE, None, service.now());
    assert_eq!(
        service.verify(&token, RESOURCE, false).await.0,
        StatusCode::OK,
        "another device's login goes on"
    );

    let audit = service
        .state
        .store
        .audit_of(approved_by_lost.uid())
        .await
        .unwrap();
    let actions: Vec<&str> = audit.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["request", "approve", "logout"]);
    let logout = &audit[2];
    assert_eq!(
        (logout.from_status.as_deref(), logout.to_status.as_deref()),
        (Some("approved"), Some("logged_out"))
    );
    assert_eq!(logout.device_uid, Some(kept.device), "the revoking device");
    assert_eq!(logout.user_uid, Some(kept.user));
    assert_eq!(logout.source.as_deref(), Some("203.0.113.5"));
    assert_eq!(
        (logout.revoked_device, logout.note.as_deref()),
        (Some(lost.device), None),
        "the device revoked in its field, not in a note"
    );
    assert_eq!(
        audit_actions(&service, reported.uid()).await,
        ["request", "approve", "report_suspicious", "logout"]
    );
    assert_eq!(
        audit_actions(&service, closed.uid()).await,
        ["request", "approve", "logout"],
        "a closed login is not logged out again"
    );
}
