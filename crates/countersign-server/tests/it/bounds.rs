//! Input at the edges: a path segment that is not text gets the JSON
//! error of its parameter on every route that has one, and waits near
//! `u64::MAX` seconds (in the query, the configuration or the flag) neither
//! overflow a deadline nor turn a long poll into an instant answer.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_server::http::ROUTES;
use countersign_server::http::route::Method;
use serde_json::Value;

use crate::common::*;
use crate::process::{serve_command, start, temp_dir};

/// The code a malformed value of each path parameter is refused with.
fn code_for(parameter: &str) -> &'static str {
    match parameter {
        "{uid}" => "bad_uid",
        "{short_uid}" => "bad_short_uid",
        other => panic!("no code listed here for the path parameter {other}: add it"),
    }
}

#[tokio::test]
async fn every_path_parameter_that_is_not_text_is_refused_with_a_json_error() {
    let service = service().await;
    let mut checked = 0;
    for route in ROUTES.iter().filter(|r| r.path.contains('{')) {
        let parameters: Vec<&str> = route
            .path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .collect();
        for parameter in &parameters {
            // This parameter not UTF-8 once decoded; any others well formed.
            let path = route
                .path
                .split('/')
                .map(|s| match s {
                    s if s == *parameter => "%FF",
                    s if s.starts_with('{') => "x",
                    s => s,
                })
                .collect::<Vec<_>>()
                .join("/");
            let request = match route.method {
                Method::Get => Request::get(&path).body(Body::empty()),
                Method::Post => Request::post(&path)
                    .header("content-type", "application/json")
                    .body(Body::from("{}")),
            }
            .unwrap();
            let (status, body) = service.send(request).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{route:?} as {path}");
            assert_eq!(
                body["error"]["code"],
                code_for(parameter),
                "{route:?} as {path}: {body}"
            );
            checked += 1;
        }
    }
    // Session uids (read, wait, statements) and short uids; enrollment
    // tokens travel in bodies, never in a path.
    assert!(checked >= 4, "only {checked} path parameters checked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wait_near_u64_max_seconds_waits_and_is_released_by_a_change() {
    let service = service_on(Db::Sqlite, |c| c.max_wait = Duration::MAX)
        .await
        .unwrap();
    let requester = Requester::new();
    let answer = ask(&service, &requester, "ada").await;
    let uid: uuid::Uuid = answer["uid"].as_str().unwrap().parse().unwrap();
    let waiting = service.spawn_get(&format!(
        "/api/sessions/{uid}/wait?status=pending&timeout_s={}",
        u64::MAX
    ));
    service.waiting_on(1).await;
    // The service's clock moves past the default longest wait: still
    // waiting, as configured.
    service.clock.advance(Duration::from_secs(31));
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        !waiting.is_finished(),
        "a wait of u64::MAX seconds answered at once: {:?}",
        waiting.await
    );
    let pending = service.session(uid).await;
    let (status, out) = service
        .post(
            &format!("/api/sessions/{uid}/statements"),
            requester.logout(&pending),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    let (status, released): (StatusCode, Value) =
        tokio::time::timeout(Duration::from_secs(5), waiting)
            .await
            .expect("the change releases the wait")
            .unwrap();
    assert_eq!(status, StatusCode::OK, "{released}");
    assert_eq!(released["status"], "logged_out");
}

#[test]
fn a_max_wait_near_u64_max_is_refused_when_the_service_starts() {
    let dir = temp_dir();
    for value in [u64::MAX.to_string(), "0".to_owned()] {
        let command = serve_command(&dir, &["--max-wait-s", &value]);
        match start(command, &dir.join("log")) {
            crate::process::Started::Running(_) => {
                panic!("serve started with --max-wait-s {value}")
            }
            crate::process::Started::Exited { status, stderr } => {
                assert!(!status.success());
                assert!(stderr.contains("--max-wait-s"), "{stderr}");
            }
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}
