//! Cross-origin access: only for the origins the operator names, never with
//! credentials, and never for anyone else.

use crate::common::*;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt as _;

const APP: &str = "https://app.example";

async fn with_app_allowed() -> Service {
    service_on(Db::Sqlite, |c| c.allowed_origins = vec![APP.into()])
        .await
        .unwrap()
}

async fn send(service: &Service, request: Request<Body>) -> axum::response::Response {
    service.router.clone().oneshot(request).await.unwrap()
}

fn preflight(origin: &str) -> Request<Body> {
    Request::builder()
        .method(Method::OPTIONS)
        .uri("/api/sessions")
        .header("origin", origin)
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .body(Body::empty())
        .unwrap()
}

fn request_from(origin: &str, requester: &Requester) -> Request<Body> {
    Request::builder()
        .method(Method::POST)
        .uri("/api/sessions")
        .header("origin", origin)
        .header("content-type", "application/json")
        .body(Body::from(requester.request("ada").to_string()))
        .unwrap()
}

#[tokio::test]
async fn a_named_origin_may_request_logins_from_a_browser() {
    let service = with_app_allowed().await;
    let answer = send(&service, preflight(APP)).await;
    assert_eq!(answer.status(), StatusCode::NO_CONTENT);
    let headers = answer.headers();
    assert_eq!(headers["access-control-allow-origin"], APP);
    assert!(
        headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert_eq!(headers["access-control-allow-headers"], "content-type");
    assert!(!headers.contains_key("access-control-allow-credentials"));

    let answer = send(&service, request_from(APP, &Requester::new())).await;
    assert_eq!(answer.status(), StatusCode::CREATED);
    assert_eq!(answer.headers()["access-control-allow-origin"], APP);
    assert!(
        answer.headers()["vary"]
            .to_str()
            .unwrap()
            .contains("origin")
    );
}

#[tokio::test]
async fn any_other_origin_gets_no_cross_origin_access() {
    for service in [service().await, with_app_allowed().await] {
        let answer = send(&service, preflight("https://evil.example")).await;
        assert_ne!(answer.status(), StatusCode::NO_CONTENT);
        assert!(!answer.headers().contains_key("access-control-allow-origin"));
        let answer = send(
            &service,
            request_from("https://evil.example", &Requester::new()),
        )
        .await;
        assert!(!answer.headers().contains_key("access-control-allow-origin"));
    }
}

#[tokio::test]
async fn the_web_app_is_never_shared_across_origins() {
    let service = with_app_allowed().await;
    let request = Request::builder()
        .uri("/healthz")
        .header("origin", APP)
        .body(Body::empty())
        .unwrap();
    let answer = send(&service, request).await;
    assert!(!answer.headers().contains_key("access-control-allow-origin"));
}
