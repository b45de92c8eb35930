//! `/metrics` counts refusals exactly: signed statements (about sessions
//! and accounts) by the code they were refused with, and rate limits by
//! the class of route whose budget ran out. Everything else stays at 0.

use std::time::Duration;

use crate::common::*;
use crate::metrics::{exact, scrape_text, set, zeros};
use axum::http::{Method, StatusCode};
use countersign_core::Claim;

on_both_backends!(refusals_are_counted_by_code_and_by_class);

async fn refusals_are_counted_by_code_and_by_class(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.lookup_rate = (1, 0.01);
        c.account_rate = (3, 0.01);
    })
    .await
    else {
        return;
    };
    // The enrollment is the account class's first call.
    let ada = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let short = answer["short_uid"].as_str().unwrap();
    let uid = answer["uid"].as_str().unwrap();
    let page = shown(&service, short).await;
    // The lookup budget (one) is spent.
    let (status, _) = service.get(&format!("/api/approvals/{short}")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    // A device no one registered signs a denial: refused, counted by its code.
    let stranger = Approver::new(ada.user);
    let statements = format!("/api/sessions/{uid}/statements");
    let (status, body) = service
        .post(&statements, stranger.decide(&page, "deny", None))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "unknown_device");
    // A body that is no statement at all is a bad request, not a refused
    // statement.
    let request = axum::http::Request::builder()
        .method(Method::POST)
        .uri(&statements)
        .header("content-type", "application/json")
        .body(axum::body::Body::from("{not json"))
        .unwrap();
    assert_eq!(service.send(request).await.0, StatusCode::BAD_REQUEST);

    // An account read, then a read of someone else's account; then the
    // account budget (three) is spent.
    let read = ada.sign(Claim::ReadAccount { user: ada.user });
    assert_eq!(service.post("/api/account", read).await.0, StatusCode::OK);
    let nosy = ada.sign(Claim::ReadAccount {
        user: uuid::Uuid::nil(),
    });
    let (status, body) = service.post("/api/account", nosy.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "wrong_user");
    let (status, _) = service.post("/api/account", nosy).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "not counted as a statement's refusal"
    );
    // The device's own denial is accepted.
    let (status, _) = service
        .post(&statements, ada.decide(&page, "deny", None))
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut expected = zeros();
    // A route is listed once it refused one.
    for route in ["GET /api/approvals/{short_uid}", "POST /api/account"] {
        expected.insert(
            format!("countersign_rate_limited_route_total{{route=\"{route}\"}}"),
            1,
        );
    }
    let mut set = |sample: &str, value| set(&mut expected, sample, value);
    set(
        "countersign_statements_refused_total{code=\"unknown_device\"}",
        1,
    );
    set(
        "countersign_statements_refused_total{code=\"wrong_user\"}",
        1,
    );
    set("countersign_rate_limited_total{class=\"lookup\"}", 1);
    set("countersign_rate_limited_total{class=\"account\"}", 1);
    set("countersign_sessions_requested_total", 1);
    set("countersign_transitions_total{action=\"deny\"}", 1);
    set("countersign_sessions{status=\"denied\"}", 1);
    assert_eq!(exact(&scrape_text(&service.router).await), expected);

    // Counters only grow, and a refill is no refusal.
    service.clock.advance(Duration::from_secs(100));
    assert_eq!(
        service.get(&format!("/api/approvals/{short}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        service.call(Method::GET, "/healthz", None).await.0,
        StatusCode::OK
    );
    assert_eq!(exact(&scrape_text(&service.router).await), expected);
}
