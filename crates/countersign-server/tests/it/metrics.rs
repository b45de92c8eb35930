//! `/metrics` after a scripted flow: each counter holds the number of
//! things that happened, no more and no less.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_core::Action;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

on_both_backends!(metrics_count_a_scripted_flow);

/// Every sample of the Prometheus text: its name (with labels) and value.
async fn samples(service: &Service) -> BTreeMap<String, u64> {
    let request = Request::get("/metrics").body(Body::empty()).unwrap();
    let response = service.router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec())
        .unwrap()
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (name, value) = line.rsplit_once(' ').unwrap();
            (name.to_owned(), value.parse().unwrap())
        })
        .collect()
}

async fn metrics_count_a_scripted_flow(db: Db) {
    let Some(service) = service_on(db, |c| c.request_rate = (2, 1.0)).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let approved = ask(&service, &requester, "ada").await;
    let refused = ask(&service, &Requester::new(), "ada").await;
    // Over the burst: refused; a second later by the service's clock, one
    // token has come back.
    let (status, _) = service
        .post("/api/sessions", Requester::new().request("ada"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    service.clock.advance(Duration::from_secs(1));
    let denied = ask(&service, &Requester::new(), "ada").await;

    let decide = async |answer: &serde_json::Value, action: &str, wrong: bool| {
        let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
        let right = drawn_code(answer);
        let code = if wrong {
            if right == 10 { 11 } else { 10 }
        } else {
            right
        };
        let path = format!("/api/sessions/{}/statements", page.uid());
        service
            .post(&path, approver.decide(&page, action, Some(code)))
            .await
            .0
    };
    assert_eq!(decide(&approved, "approve", false).await, StatusCode::OK);
    assert_eq!(
        decide(&refused, "approve", true).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(decide(&denied, "deny", false).await, StatusCode::OK);
    // A relying party verifies a token of the approved login, then one
    // meant for something else.
    let uid = approved["uid"].as_str().unwrap().parse().unwrap();
    let session = service.session(uid).await;
    let token = requester.authorise(&session, "deploy staging", None, service.now());
    let (status, _) = service.verify(&token, "deploy staging", false).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = service.verify(&token, "deploy production", false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut expected = BTreeMap::from([
        ("countersign_sessions_requested_total".to_owned(), 3),
        ("countersign_statements_refused_total".to_owned(), 1),
        ("countersign_rate_limited_total".to_owned(), 1),
        ("countersign_waiting_sessions".to_owned(), 0),
        (
            "countersign_authorisations_verified_total{outcome=\"accepted\"}".to_owned(),
            1,
        ),
        (
            "countersign_authorisations_verified_total{outcome=\"refused\"}".to_owned(),
            1,
        ),
    ]);
    for action in Action::ALL {
        // The wrong code's refusal denied its request too.
        let count = match action {
            Action::Approve => 1,
            Action::Deny => 2,
            _ => 0,
        };
        expected.insert(
            format!("countersign_transitions_total{{action=\"{action}\"}}"),
            count,
        );
    }
    assert_eq!(samples(&service).await, expected);
}
