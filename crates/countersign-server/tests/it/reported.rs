//! A session reported suspicious ("this wasn't me") stays visible: the
//! requester cannot close it, it stays in the account view however many
//! requests are made for the user afterwards, and the audit log keeps the
//! report, also once a device of the user closed it.

use axum::http::StatusCode;
use countersign_core::Claim;
use serde_json::Value;

use crate::common::*;

on_both_backends!(a_reported_session_stays_in_the_account_view_and_the_audit_log);

/// The statuses the account view lists, by session uid.
async fn account_statuses(service: &Service, reader: &Approver) -> Vec<(String, String)> {
    let read = reader.sign(Claim::ReadAccount { user: reader.user });
    let (status, account) = service.post("/api/account", read).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    account["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s: &Value| {
            (
                s["uid"].as_str().unwrap().to_owned(),
                s["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn a_reported_session_stays_in_the_account_view_and_the_audit_log(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.request_rate = (200, 1.0);
        c.lookup_rate = (200, 1.0);
    })
    .await
    else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let answer = ask(&service, &requester, "ada").await;
    let uid = answer["uid"].as_str().unwrap().to_owned();
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let statements = format!("/api/sessions/{uid}/statements");
    let (status, body) = service
        .post(&statements, approver.decide(&page, "suspicious", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The requester can neither close it...
    let (status, body) = service.post(&statements, requester.logout(&page)).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("wrong_signer")),
        "{body}"
    );
    // ...nor push it out of the account view with newer requests.
    for _ in 0..120 {
        service.clock.advance(std::time::Duration::from_millis(10));
        ask(&service, &requester, "ada").await;
    }
    let listed = account_statuses(&service, &approver).await;
    assert!(
        listed.contains(&(uid.clone(), "suspicious".to_owned())),
        "the report is not in the account view: {} sessions listed",
        listed.len()
    );
    // The first page lists every live session whatever its age: the 120
    // pending requests and the report.
    assert_eq!(listed.len(), 121, "every live session, the report included");
    let parsed = uid.parse().unwrap();
    assert_eq!(
        audit_actions(&service, parsed).await,
        ["request", "report_suspicious"]
    );

    // A device of the user closes it: the audit log keeps the report.
    let (status, body) = service
        .post(&statements, approver.decide(&page, "logout", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        audit_actions(&service, parsed).await,
        ["request", "report_suspicious", "logout"]
    );
    let audit = service.state.store.audit_of(parsed).await.unwrap();
    assert_eq!(audit[1].device_uid, Some(approver.device));
    assert_eq!(audit[1].to_status.as_deref(), Some("suspicious"));
}
