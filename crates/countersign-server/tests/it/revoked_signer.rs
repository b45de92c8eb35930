//! A device cannot act once it is revoked, even when its statement was
//! verified just before: the compare-and-set that writes a transition
//! checks, in the same statement (and on PostgreSQL under a lock on the
//! device's row), that the signing device is still unrevoked.

use axum::http::StatusCode;
use countersign_core::api::AuditSubject;
use countersign_core::{Action, Claim, Freshness, SignedStatement, Status};
use countersign_server::store::{AuditEntry, Cas, Swap};
use uuid::Uuid;

use crate::common::*;

on_both_backends!(
    a_transition_verified_before_its_device_was_revoked_is_not_written,
    approvals_racing_their_device_revocation_leave_no_live_approval,
);

/// The statement is verified against the device, the device is revoked,
/// then the transition is written: the write is refused and nothing
/// changes.
async fn a_transition_verified_before_its_device_was_revoked_is_not_written(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let uid = page.uid();
    let code = drawn_code(&answer);

    // Verified as `act` verifies it, while the device is still registered.
    let found = service.state.store.session(uid).await.unwrap().unwrap();
    let signed: SignedStatement =
        serde_json::from_value(approver.decide(&page, "approve", Some(code))).unwrap();
    let now = service.now();
    let proof = found
        .session
        .verify_device(
            &signed,
            &approver.key.public_key(),
            &service_url(),
            now,
            Freshness::default(),
        )
        .unwrap();
    let mut approved = found.session.clone();
    approved
        .set_approved(approver.user, &proof, now, chrono::TimeDelta::hours(1))
        .unwrap();

    // The device is revoked in between (it may revoke itself).
    let revocation = approver.sign(Claim::RevokeDevice {
        user: approver.user,
        device: approver.device,
    });
    let (status, body) = service.post("/api/devices/revoke", revocation).await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let entry = AuditEntry {
        at: now,
        session_uid: Some(uid),
        subject: AuditSubject::Session,
        action: Action::Approve.into(),
        from_status: Some("pending".into()),
        to_status: Some("approved".into()),
        user_uid: Some(approver.user),
        device_uid: Some(approver.device),
        source: None,
        revoked_device: None,
        deny_reason: None,
        note: None,
    };
    let written = service
        .state
        .store
        .compare_and_set(
            Cas::new(&approved, found.version, &entry).signed_by(Some(approver.device)),
        )
        .await
        .unwrap();
    assert_eq!(written, Swap::SignerRevoked);
    assert_eq!(stored_status(&service, uid).await, Status::Pending);
    assert_eq!(audit_actions(&service, uid).await, ["request"]);

    // Through the API the statement is refused for the same reason.
    let (status, body) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            signed_json(&signed),
        )
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("device_revoked")),
        "{body}"
    );
}

fn signed_json(signed: &SignedStatement) -> serde_json::Value {
    serde_json::to_value(signed).unwrap()
}

/// Thirty approvals by one device sent at the same time as its
/// revocation: each either lost to the revocation (refused, the session
/// still pending) or won before it (and was logged out by it). None is left
/// approved.
async fn approvals_racing_their_device_revocation_leave_no_live_approval(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.request_rate = (100, 1.0);
        c.lookup_rate = (100, 1.0);
    })
    .await
    else {
        return;
    };
    let kept = service.user_with_device("ada").await;
    let lost = service.second_device(&kept).await;
    let mut approvals = Vec::new();
    for _ in 0..30 {
        let answer = ask(&service, &Requester::new(), "ada").await;
        let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
        let code = drawn_code(&answer);
        approvals.push((page.uid(), lost.decide(&page, "approve", Some(code))));
    }
    let revocation = kept.sign(Claim::RevokeDevice {
        user: kept.user,
        device: lost.device,
    });

    let post = |path: String, body: serde_json::Value| {
        let request = axum::http::Request::post(path)
            .header("content-type", "application/json")
            .body(axum::body::Body::from(body.to_string()))
            .unwrap();
        tokio::spawn(send_to(service.router.clone(), request))
    };
    let mut sent: Vec<(Uuid, _)> = Vec::new();
    for (i, (uid, approval)) in approvals.into_iter().enumerate() {
        if i == 15 {
            sent.push((
                Uuid::nil(),
                post("/api/devices/revoke".into(), revocation.clone()),
            ));
        }
        sent.push((
            uid,
            post(format!("/api/sessions/{uid}/statements"), approval),
        ));
    }
    let mut answers = Vec::new();
    for (uid, answer) in sent {
        answers.push((uid, answer.await.unwrap()));
    }
    // Once everything was answered: the revocation is done.
    for (uid, (status, body)) in answers {
        if uid.is_nil() {
            assert_eq!(status, StatusCode::OK, "the revocation: {body}");
            continue;
        }
        let stored = stored_status(&service, uid).await;
        match status {
            StatusCode::OK => assert_eq!(stored, Status::LoggedOut, "{uid} {body}"),
            _ => {
                assert_eq!(body["error"]["code"], "device_revoked", "{uid} {body}");
                assert_eq!(stored, Status::Pending, "{uid}");
            }
        }
    }
}
