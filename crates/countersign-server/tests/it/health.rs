//! `/healthz` looks at what the service needs: it answers `ok` while the
//! store answers (and, on PostgreSQL, the LISTEN connection is up), and 503
//! `unavailable` saying which part is down when one is not.

use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_server::health::Listening;
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;

on_both_backends!(
    healthz_answers_ok_while_the_store_and_listener_are_up,
    healthz_answers_503_once_the_store_is_closed,
    healthz_answers_503_while_the_listener_is_down,
);

/// The status, content type and body text of `GET /healthz`.
async fn healthz(service: &Service) -> (StatusCode, String, String) {
    let request = Request::get("/healthz").body(Body::empty()).unwrap();
    let response = service.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// Waits until `/healthz` answers 200 (on PostgreSQL the listener connects
/// in the background), and returns its body; fails after 10 s.
async fn healthy(service: &Service) -> String {
    let poll = async {
        loop {
            let (status, _, body) = healthz(service).await;
            if status == StatusCode::OK {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .unwrap_or_else(|_| panic!("/healthz does not answer 200 within 10 s"))
}

/// The 503's error body, checked against core's list of codes.
fn unavailable(status: StatusCode, body: &str) -> String {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let value: Value = serde_json::from_str(body).unwrap();
    assert_error_body(status, &value);
    assert_eq!(value["error"]["code"], "unavailable", "{value}");
    value["error"]["message"].as_str().unwrap().to_owned()
}

async fn healthz_answers_ok_while_the_store_and_listener_are_up(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    assert_eq!(healthy(&service).await, "ok");
    let listening = service.state.listening.get();
    match db {
        Db::Sqlite => assert_eq!(listening, Listening::Unused),
        Db::Postgres => assert!(matches!(listening, Listening::Up(_)), "{listening:?}"),
    }
}

async fn healthz_answers_503_once_the_store_is_closed(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    healthy(&service).await;
    service.state.store.close().await;
    let (status, content_type, body) = healthz(&service).await;
    assert_eq!(content_type, "application/json");
    let message = unavailable(status, &body);
    assert!(message.contains("database"), "{message}");
}

async fn healthz_answers_503_while_the_listener_is_down(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    healthy(&service).await;
    // What the listener records when its connection fails. Set by hand: a
    // connection killed on the server is made again within 100 ms, too soon
    // to be seen reliably.
    service
        .state
        .listening
        .set(Listening::Down("connection reset".into()));
    let (status, _, body) = healthz(&service).await;
    let message = unavailable(status, &body);
    assert!(message.contains("LISTEN"), "{message}");
    assert!(
        !message.contains("connection reset"),
        "causes stay in the log: {message}"
    );
}
