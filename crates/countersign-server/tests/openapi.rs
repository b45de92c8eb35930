//! Exploration (temporary).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
mod common;
use axum::body::Body;
use axum::http::{Method, Request};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

#[tokio::test]
async fn explore() {
    let service = common::service().await;
    for (m, p) in [
        (Method::POST, "/healthz"),
        (Method::DELETE, "/api/sessions"),
        (Method::GET, "/api/sessions/%FF"),
        (Method::GET, "/api/approvals/%FF"),
        (Method::HEAD, "/healthz"),
        (Method::GET, "/nope"),
        (Method::GET, "/api/sessions/0190c6c0-0000-4000-8000-000000000000/wait?timeout_s=-1"),
    ] {
        let r = service.router.clone().oneshot(Request::builder().method(m.clone()).uri(p).body(Body::empty()).unwrap()).await.unwrap();
        let s = r.status();
        let h = r.headers().clone();
        let b = r.into_body().collect().await.unwrap().to_bytes();
        println!("{m} {p} -> {s} {:?} {:?}", h.get("content-type"), String::from_utf8_lossy(&b));
    }
}
