//! The account view cannot be flooded: anyone may ask for logins for any
//! name, but only `--max-pending-per-user` of them wait at once (then
//! `429 too_many_pending`), and the account view lists every live session
//! whatever its age, paging the closed ones; the user reads their audit
//! trail, refusals included, with a signed `read_audit`.

use std::time::Duration;

use crate::common::*;
use crate::recovery::{account, sign_at};
use axum::http::StatusCode;
use countersign_core::Claim;
use countersign_core::api::{AuditPage, AuditSubject};

on_both_backends!(a_flood_of_requests_leaves_the_approved_session_in_view);

async fn a_flood_of_requests_leaves_the_approved_session_in_view(db: Db) {
    let Some(service) = service_on(db, |config| {
        config.request_rate = (1000, 1000.0);
        config.max_pending_per_user = 20;
    })
    .await
    else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let login = approved(&service, &ada, &Requester::new(), "ada").await;
    service.clock.advance(Duration::from_secs(1));

    // Three floods of junk, each refused past the cap, each left to expire.
    for _ in 0..3 {
        for _ in 0..20 {
            ask(&service, &Requester::new(), "ada").await;
        }
        let (status, body) = service
            .post("/api/sessions", Requester::new().request("ada"))
            .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::TOO_MANY_REQUESTS, Some("too_many_pending")),
            "{body}"
        );
        // Another name is not held up by ada's flood.
        ask(&service, &Requester::new(), "bob").await;
        service.clock.advance(Duration::from_secs(11 * 60));
        countersign_server::ops::sweeper::sweep(&service.state)
            .await
            .unwrap();
    }

    // 60 newer closed requests, and the approved login is still in view.
    let first = account(&service, &ada, None).await;
    assert!(
        first.sessions.iter().any(|s| s.uid() == login.uid()),
        "the approved login is listed"
    );
    assert_eq!(first.sessions.len(), 51, "the live one and 50 closed");
    let cursor = first.next.clone().expect("a next page");
    let second = account(&service, &ada, Some(&cursor)).await;
    assert_eq!(second.sessions.len(), 10);
    assert!(second.next.is_none());
    assert!(second.sessions.iter().all(|s| s.uid() != login.uid()));

    // The audit trail shows the approval with the device and address, and
    // each junk request from where it came.
    let read = sign_at(&ada, Claim::ReadAudit { user: ada.user }, service.now());
    let (status, body) = service.post("/api/account/audit", read.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let page: AuditPage = serde_json::from_value(body).unwrap();
    assert_eq!(page.entries.len(), 100, "a full page");
    let mut all = page.entries.clone();
    let mut next = page.next.clone();
    while let Some(cursor) = next {
        let read = sign_at(&ada, Claim::ReadAudit { user: ada.user }, service.now());
        let (status, body) = service
            .post(&format!("/api/account/audit?before={cursor}"), read)
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let page: AuditPage = serde_json::from_value(body).unwrap();
        all.extend(page.entries);
        next = page.next;
    }
    assert!(all.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    let approval = all
        .iter()
        .find(|e| e.session_uid == Some(login.uid()) && e.to_status.as_deref() == Some("approved"))
        .expect("the approval is in the trail");
    assert_eq!(approval.device_uid, Some(ada.device));
    assert_eq!(approval.source.as_deref(), Some("203.0.113.5"));
    assert!(
        all.iter()
            .all(|e| e.session_uid.is_none() || e.subject == AuditSubject::Session)
    );
    // A replayed read shows nothing.
    let (status, _) = service.post("/api/account/audit", read).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

/// A denial is in the trail as a refusal, by the device that denied.
#[tokio::test]
async fn a_denial_is_in_the_users_audit_trail() {
    let service = service().await;
    let ada = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            ada.decide(&page, "deny", None),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read = sign_at(&ada, Claim::ReadAudit { user: ada.user }, service.now());
    let (status, body) = service.post("/api/account/audit", read).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let trail: AuditPage = serde_json::from_value(body).unwrap();
    let denial = &trail.entries[0];
    assert_eq!(
        (denial.to_status.as_deref(), denial.device_uid),
        (Some("denied"), Some(ada.device))
    );
    // Another user's device reads nothing of ada's.
    let bob = service.user_with_device("bob").await;
    let read = sign_at(&bob, Claim::ReadAudit { user: ada.user }, service.now());
    let (status, _) = service.post("/api/account/audit", read).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
