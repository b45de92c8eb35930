//! Waiting through a failing network: the long poll is tried again with a
//! doubling pause, and the person is told in plain words.

use std::sync::Mutex;

use crate::common::{FakeService, Home};
use chrono::TimeDelta;
use countersign_core::{LoginRequest, LoginSession, uid_from_random};
use serde_json::json;

#[test]
fn failures_while_waiting_are_retried_and_said_plainly() {
    let session: Mutex<Option<LoginSession>> = Mutex::new(None);
    let waits = Mutex::new(0);
    let fake = FakeService::start(move |method, path, body| {
        if method == "POST" && path == "/api/sessions" {
            let request: LoginRequest = serde_json::from_str(body).unwrap();
            let made = LoginSession::request(
                request,
                uid_from_random([7; 16]),
                "127.0.0.1".parse().unwrap(),
                countersign_server::clock::now(),
                TimeDelta::seconds(60),
            )
            .unwrap();
            let answer = json!(countersign_core::api::RequestAnswer {
                uid: made.uid(),
                short_uid: made.short_uid(),
                login_url: made.login_url("http://fake"),
                expires_at: made.expires_at(),
                verification_code: made.verification_code().unwrap(),
                status: made.status(),
                session_url: format!("http://fake/api/sessions/{}", made.uid()),
                wait_url: format!("http://fake/api/sessions/{}/wait", made.uid()),
            });
            *session.lock().unwrap() = Some(made);
            return (201, answer.to_string());
        }
        let mut count = waits.lock().unwrap();
        *count += 1;
        match *count {
            // The connection drops, then a proxy answers without JSON.
            1 => (0, String::new()),
            2 => (503, "<html>busy</html>".into()),
            _ => {
                let mut ended = session.lock().unwrap().clone().unwrap();
                ended.expire(ended.expires_at()).unwrap();
                (200, ended.to_json())
            }
        }
    });
    let home = Home::new();
    let login = home.login(&fake.url, "ada", &["--message", "nightly backup"]);
    assert_eq!(login.requested["login_message"], "nightly backup");
    let (code, last, stderr) = login.end();
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(last["status"], "expired");
    assert!(stderr.contains("cannot reach the service at"), "{stderr}");
    assert!(stderr.contains("trying again in 0.5 s"), "{stderr}");
    assert!(
        stderr.contains(
            "the service answered HTTP 503 Service Unavailable (http_503); trying again in 1.0 s"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("Reached the service again"), "{stderr}");
}

#[test]
fn an_unreachable_service_is_an_error_not_a_hang() {
    let home = Home::new();
    // A port nothing listens on: bind one, then free it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = home.run(&[
        "--json",
        "login",
        "ada",
        "--server",
        &format!("http://127.0.0.1:{port}"),
    ]);
    run.assert_code(1);
    assert_eq!(run.json()["error"]["code"], "network");
    assert!(
        run.stderr.contains("cannot reach the service"),
        "{}",
        run.stderr
    );
}
