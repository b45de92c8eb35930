//! Waiting through a failing network: the long poll is tried again with a
//! doubling pause (or as long as the service asks), and the person is told
//! in plain words.

use std::sync::{Arc, Mutex, OnceLock};

use crate::common::{FakeService, Home, Reply};
use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::{LoginRequest, LoginSession, uid_from_random};
use serde_json::json;

fn now() -> DateTime<Utc> {
    countersign_server::clock::Clock::system().now()
}

/// A service that takes a login request (60 s to live) and answers every
/// later request, the `n`th from 1, with `after(n, path, session)`.
pub fn waiting_service(
    after: impl Fn(u32, &str, &LoginSession) -> Reply + Send + 'static,
) -> FakeService {
    let session: Mutex<Option<LoginSession>> = Mutex::new(None);
    let count = Mutex::new(0);
    // Its own URL, known once it listens: the login URL is on it.
    let base: Arc<OnceLock<String>> = Arc::default();
    let own = Arc::clone(&base);
    let fake = FakeService::start(move |method, path, body| {
        if method == "POST" && path == "/api/sessions" {
            let request: LoginRequest = serde_json::from_str(body).unwrap();
            let made = LoginSession::request(
                request,
                uid_from_random([7; 16]),
                "127.0.0.1".parse().unwrap(),
                now(),
                TimeDelta::seconds(60),
            )
            .unwrap();
            let base = own.get().unwrap();
            let answer = json!(countersign_core::api::RequestAnswer {
                uid: made.uid(),
                short_uid: made.short_uid(),
                login_url: made.login_url(base),
                expires_at: made.expires_at(),
                verification_code: countersign_core::VerificationCode::new(42).unwrap(),
                status: made.status(),
                session_url: format!("{base}/api/sessions/{}", made.uid()),
                wait_url: format!("{base}/api/sessions/{}/wait", made.uid()),
            });
            *session.lock().unwrap() = Some(made);
            return (201, answer.to_string()).into();
        }
        let mut count = count.lock().unwrap();
        *count += 1;
        let made = session.lock().unwrap().clone().unwrap();
        after(*count, path, &made)
    });
    base.set(fake.url.clone()).unwrap();
    fake
}

/// The session as the service answers it once expired.
fn expired(session: &LoginSession) -> Reply {
    let mut ended = session.clone();
    ended.expire(ended.expires_at()).unwrap();
    (200, ended.to_json()).into()
}

#[test]
fn failures_while_waiting_are_retried_and_said_plainly() {
    let fake = waiting_service(|count, _, session| match count {
        // The connection drops, then a proxy answers without JSON.
        1 => (0, String::new()).into(),
        2 => (503, "<html>busy</html>".into()).into(),
        _ => expired(session),
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

/// A request's path and when it arrived.
type Asked = (String, DateTime<Utc>);

#[test]
fn an_unreadable_answer_is_retried_and_retry_after_is_honoured() {
    let asked: Arc<Mutex<Vec<Asked>>> = Arc::default();
    let log = Arc::clone(&asked);
    let fake = waiting_service(move |count, path, session| {
        log.lock().unwrap().push((path.to_owned(), now()));
        match count {
            // A success status with a body that is not a session.
            1 => (200, "<html>maintenance</html>".into()).into(),
            // Slow down: the back-off would pause 1 s, the service asks 2.
            2 => Reply {
                status: 429,
                headers: vec![("retry-after", "2".into())],
                body: json!({"error": {"code": "rate_limited", "message": "too many requests"}})
                    .to_string(),
            },
            _ => expired(session),
        }
    });
    let home = Home::new();
    let login = home.login(&fake.url, "ada", &[]);
    let uid = login.uid();
    let (code, last, stderr) = login.end();
    assert_eq!(code, 5, "{stderr}");
    assert_eq!(last["status"], "expired");
    assert!(
        stderr.contains("gave an answer this program cannot read"),
        "{stderr}"
    );
    assert!(stderr.contains("trying again in 0.5 s"), "{stderr}");
    assert!(
        stderr.contains("too many requests (rate_limited); trying again in 2.0 s"),
        "{stderr}"
    );
    assert!(stderr.contains("Reached the service again"), "{stderr}");

    let asked = asked.lock().unwrap();
    let paths: Vec<&str> = asked.iter().map(|(path, _)| path.as_str()).collect();
    assert_eq!(
        paths,
        [
            format!("/api/sessions/{uid}/wait?status=pending&timeout_s=25"),
            // After a failure, a quick read.
            format!("/api/sessions/{uid}"),
            format!("/api/sessions/{uid}"),
        ]
    );
    let paused = asked[2].1 - asked[1].1;
    assert!(paused >= TimeDelta::seconds(2), "paused {paused}");
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
