//! `serve --metrics-addr`: `/metrics` on a listener of its own, which
//! serves nothing else, and not found on the public address; through the
//! router, and through the real binary on real sockets.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::*;
use crate::metrics::{exact, scrape_text};
use crate::process::{running, serve_command, temp_dir};
use axum::http::StatusCode;
use countersign_server::http;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_apart_are_not_found_on_the_public_router() {
    let service = service_on(Db::Sqlite, |c| c.public_metrics = false)
        .await
        .unwrap();
    let (status, body) = service.get("/metrics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(body["error"]["code"], "not_found");
    ask(&service, &Requester::new(), "ada").await;

    let apart = http::metrics_router(service.state.clone());
    let counts = exact(&scrape_text(&apart).await);
    assert_eq!(counts["countersign_sessions_requested_total"], 1);
    for path in ["/healthz", "/", "/api/sessions", "/openapi.json"] {
        let request = axum::http::Request::get(path)
            .body(axum::body::Body::empty())
            .unwrap();
        let (status, _) = send_to(apart.clone(), request).await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{path} on the metrics listener"
        );
    }
}

/// `GET path` on `addr` over a real socket: the status and the body's text.
fn get(addr: &str, path: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let (head, body) = answer.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

/// The address the service's log says `/metrics` is served on.
fn metrics_addr(log: &std::path::Path) -> String {
    let clock = real_clock();
    let start = clock.instant();
    while clock.instant() - start < Duration::from_secs(10) {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(rest) = text.split("metrics on http://").nth(1) {
            return rest.split("/metrics").next().unwrap().to_owned();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no metrics address in the log")
}

#[test]
fn the_binary_serves_metrics_on_the_metrics_addr_only() {
    let dir = temp_dir();
    let log = dir.join("serve.log");
    let server = running(
        serve_command(&dir.join("data"), &["--metrics-addr", "127.0.0.1:0"]),
        &log,
    );
    let metrics = metrics_addr(&log);
    assert_ne!(metrics, server.addr);

    let (status, text) = get(&metrics, "/metrics");
    assert_eq!(status, 200, "{text}");
    let counts = exact(&text);
    assert_eq!(counts["countersign_sessions{status=\"pending\"}"], 0);
    assert_eq!(counts["countersign_waiters"], 0);
    assert_eq!(get(&metrics, "/healthz").0, 404, "only /metrics there");

    let (status, body) = get(&server.addr, "/metrics");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("\"not_found\""), "{body}");
    assert_eq!(get(&server.addr, "/healthz").0, 200);
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_binary_serves_metrics_publicly_without_a_metrics_addr() {
    let dir = temp_dir();
    let server = running(
        serve_command(&dir.join("data"), &[]),
        &dir.join("serve.log"),
    );
    let (status, text) = get(&server.addr, "/metrics");
    assert_eq!(status, 200, "{text}");
    assert_eq!(exact(&text)["countersign_sessions_requested_total"], 0);
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}
