//! Bad input and abuse: each gets a clear JSON error with a stable code and
//! the right status, and changes nothing.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use countersign_core::{Claim, Signer, Statement};
use serde_json::{Value, json};

on_both_backends!(
    malformed_requests_are_refused_clearly,
    unknown_ids_tell_nothing,
    stale_and_foreign_statements_are_refused,
    deny_and_suspicious,
    conflicting_actions_never_both_win,
    request_rate_is_limited_with_retry_after,
);

fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

async fn status_of(service: &Service, uid: &str) -> String {
    service.get(&format!("/api/sessions/{uid}")).await.1["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn malformed_requests_are_refused_clearly(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let send = |body: &'static str, content_type: &'static str| {
        Request::builder()
            .method(Method::POST)
            .uri("/api/sessions")
            .header("content-type", content_type)
            .body(Body::from(body))
            .unwrap()
    };
    let (status, body) = service.send(send("{not json", "application/json")).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_json")
    );
    let (status, body) = service
        .send(send("{\"username\": \"ada\"}", "text/plain"))
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_content_type")
    );

    let mut request = Requester::new().request("ada");
    request["public_key"] = json!("not-a-key");
    let (status, body) = service.post("/api/sessions", request).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_field")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("public_key"),
        "{body}"
    );

    let mut request = Requester::new().request("ada");
    request["hostname"] = json!("evil host");
    let (status, body) = service.post("/api/sessions", request).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_field"),
        "{body}"
    );

    let mut request = Requester::new().request("ada");
    request["login_message"] = json!("x".repeat(20_000));
    let (status, body) = service.post("/api/sessions", request).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );

    let (status, body) = service
        .post("/api/sessions/not-a-uid/statements", json!({}))
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_uid")
    );
    let (status, body) = service.get("/api/approvals/zz.zz").await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_short_uid")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("xx.xx.xx.xx")
    );
    let (status, body) = service
        .get(&format!(
            "/api/sessions/{}/wait?status=sleeping",
            uuid::Uuid::nil()
        ))
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_query")
    );

    // Nothing was stored by any of these.
    let read = service.user_with_device("ada").await;
    let (_, account) = service
        .post(
            "/api/account",
            read.sign(Claim::ReadAccount { user: read.user }),
        )
        .await;
    assert_eq!(account["sessions"], json!([]));
}

async fn unknown_ids_tell_nothing(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let (status, body) = service
        .get(&format!("/api/sessions/{}", uuid::Uuid::nil()))
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, body) = service.get("/api/approvals/01.02.03.04").await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let made_up = json!({"token": "made-up-token"});
    let (status, body) = service.post("/api/enrollments/lookup", made_up).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let (status, body) = service.get("/no/such/route").await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::NOT_FOUND, "not_found")
    );
}

async fn stale_and_foreign_statements_are_refused(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let eve = service.user_with_device("eve").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let code = countersign_core::VerificationCode::new(drawn_code(&answer)).unwrap();
    let path = format!("/api/sessions/{}/statements", page.uid());
    let claim = Claim::Approve {
        session: page.uid(),
        details: page.details_digest().unwrap(),
        code,
    };

    let old = Statement::new(
        claim.clone(),
        service_url(),
        Signer::Device(ada.device),
        real_clock().now() - chrono::TimeDelta::hours(1),
    )
    .sign(&ada.key);
    let (status, body) = service
        .post(&path, serde_json::to_value(old).unwrap())
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "stale_statement")
    );

    let (status, body) = service
        .post(&path, eve.decide(&page, "approve", Some(code.value())))
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "unknown_device"),
        "{body}"
    );

    // Ada's device key, but claiming to be another device.
    let forged = Statement::new(
        claim,
        service_url(),
        Signer::Device(eve.device),
        real_clock().now(),
    )
    .sign(&ada.key);
    let (status, body) = service
        .post(&path, serde_json::to_value(forged).unwrap())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    // The requester may not approve its own request.
    let requester_claim = ada.decide(&page, "approve", Some(code.value()));
    let mut as_requester: countersign_core::SignedStatement =
        serde_json::from_value(requester_claim).unwrap();
    as_requester.statement.signer = Signer::Requester;
    let (status, body) = service
        .post(&path, serde_json::to_value(as_requester).unwrap())
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::FORBIDDEN, "wrong_signer")
    );

    assert_eq!(
        status_of(&service, &page.uid().to_string()).await,
        "pending"
    );
}

async fn deny_and_suspicious(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;

    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let path = format!("/api/sessions/{}/statements", page.uid());
    let (status, body) = service
        .post(&path, approver.decide(&page, "deny", None))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("denied"))
    );
    assert_eq!(body["public_key"], Value::Null);

    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let path = format!("/api/sessions/{}/statements", page.uid());
    let (status, body) = service
        .post(&path, approver.decide(&page, "suspicious", None))
        .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("suspicious"))
    );
    let code = drawn_code(&answer);
    let (status, body) = service
        .post(&path, approver.decide(&page, "approve", Some(code)))
        .await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::CONFLICT, "transition_refused")
    );
    assert_eq!(
        status_of(&service, &page.uid().to_string()).await,
        "suspicious"
    );
}

async fn conflicting_actions_never_both_win(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    for _ in 0..5 {
        let answer = ask(&service, &Requester::new(), "ada").await;
        let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
        let path = format!("/api/sessions/{}/statements", page.uid());
        let code = drawn_code(&answer);
        let (approve, deny) = tokio::join!(
            service.post(&path, approver.decide(&page, "approve", Some(code))),
            service.post(&path, approver.decide(&page, "deny", None)),
        );
        let winners = [&approve, &deny]
            .iter()
            .filter(|(s, _)| *s == StatusCode::OK)
            .count();
        assert_eq!(winners, 1, "approve: {approve:?}\ndeny: {deny:?}");
        let loser = if approve.0 == StatusCode::OK {
            &deny
        } else {
            &approve
        };
        assert_eq!(loser.0, StatusCode::CONFLICT, "{loser:?}");
        let audit = service.state.store.audit_of(page.uid()).await.unwrap();
        assert_eq!(audit.len(), 2, "one request and one decision: {audit:?}");
    }
}

async fn request_rate_is_limited_with_retry_after(db: Db) {
    let Some(service) = service_on(db, |c| c.request_rate = (2, 0.01)).await else {
        return;
    };
    let requester = Requester::new();
    for _ in 0..2 {
        assert_eq!(
            service
                .post("/api/sessions", requester.request("ada"))
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri("/api/sessions")
        .header("content-type", "application/json")
        .body(Body::from(requester.request("ada").to_string()))
        .unwrap();
    let response = tower::ServiceExt::oneshot(service.router.clone(), request)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    for name in [
        "content-security-policy",
        "x-frame-options",
        "referrer-policy",
        "x-content-type-options",
    ] {
        assert!(
            response.headers().contains_key(name),
            "{name} missing on an error"
        );
    }
    assert!(
        response.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("frame-ancestors 'none'")
    );
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    // The router's peer address in these tests is 203.0.113.5.
    for (trusted, expected) in [(false, "203.0.113.5"), (true, "198.51.100.7")] {
        let Some(service) = service_on(Db::Sqlite, |c| {
            if trusted {
                c.trusted_proxies = vec!["203.0.113.5".parse().unwrap()];
            }
        })
        .await
        else {
            return;
        };
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/sessions")
            .header("content-type", "application/json")
            .header("x-forwarded-for", "10.9.9.9, 198.51.100.7")
            .body(Body::from(Requester::new().request("ada").to_string()))
            .unwrap();
        let (status, answer) = service.send(request).await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
        let (_, session) = service
            .get(&format!(
                "/api/sessions/{}",
                answer["uid"].as_str().unwrap()
            ))
            .await;
        assert_eq!(session["ipaddr"], expected, "trusted: {trusted}");
    }
}
