//! What a service answers reaches the terminal only as this program
//! expects it: a login URL that is not the plain link of the session it
//! asked for, on the service it asked, is refused before anything is
//! printed; the service's error messages are printed with control and
//! invisible characters escaped.

use std::sync::{Arc, Mutex, OnceLock};

use chrono::TimeDelta;
use countersign_core::api::RequestAnswer;
use countersign_core::{LoginRequest, LoginSession, uid_from_random};
use serde_json::json;

use crate::common::{FakeService, Home, Run};

/// Characters that must never reach the terminal raw from a service.
const RAW: [char; 5] = ['\u{1b}', '\u{202e}', '\u{200b}', '\u{2066}', '\u{7}'];

/// A fake service that takes a login request (60 s to live) and answers
/// it with the login URL `login_url(its own URL, short id)`; later reads
/// find the session expired. Records what it was asked.
fn answering(
    login_url: impl Fn(&str, &str) -> String + Send + 'static,
) -> (FakeService, Arc<Mutex<Vec<String>>>) {
    let base: Arc<OnceLock<String>> = Arc::default();
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let (own, log) = (Arc::clone(&base), Arc::clone(&asked));
    let made: Mutex<Option<LoginSession>> = Mutex::new(None);
    let fake = FakeService::start(move |method, path, body| {
        log.lock().unwrap().push(format!("{method} {path}"));
        if method == "POST" && path == "/api/sessions" {
            let request: LoginRequest = serde_json::from_str(body).unwrap();
            let now = countersign_server::clock::Clock::system().now();
            let session = LoginSession::request(
                request,
                uid_from_random([7; 16]),
                "127.0.0.1".parse().unwrap(),
                now,
                TimeDelta::seconds(60),
            )
            .unwrap();
            let base = own.get().unwrap();
            let answer = RequestAnswer {
                uid: session.uid(),
                short_uid: session.short_uid(),
                login_url: login_url(base, &session.short_uid().to_string()),
                expires_at: session.expires_at(),
                verification_code: countersign_core::VerificationCode::new(42).unwrap(),
                status: session.status(),
                session_url: format!("{base}/api/sessions/{}", session.uid()),
                wait_url: format!("{base}/api/sessions/{}/wait", session.uid()),
            };
            *made.lock().unwrap() = Some(session);
            return (201, json!(answer).to_string());
        }
        let mut ended = made.lock().unwrap().clone().unwrap();
        ended.expire(ended.expires_at()).unwrap();
        (200, ended.to_json())
    });
    base.set(fake.url.clone()).unwrap();
    (fake, asked)
}

/// Nothing the run printed holds a raw control or invisible character.
fn assert_nothing_raw(run: &Run) {
    for c in RAW {
        assert!(
            !run.stdout.contains(c) && !run.stderr.contains(c),
            "{c:?} printed raw:\n{}\n{}",
            run.stdout.escape_debug(),
            run.stderr.escape_debug()
        );
    }
}

#[test]
fn a_login_url_that_is_not_the_sessions_plain_link_is_refused_unprinted() {
    type Hostile = fn(&str, &str) -> String;
    let cases: [(&str, Hostile); 6] = [
        // A terminal hyperlink whose text is the real URL and whose target
        // is not.
        ("escape", |base, short| {
            format!("\u{1b}]8;;https://evil.example\u{1b}\\{base}/s?id={short}\u{1b}]8;;\u{1b}\\")
        }),
        // Right-to-left override: shows as a URL it is not.
        ("bidi", |base, short| {
            format!("{base}/s?id={short}\u{202e}lpmaxe.live//:sptth")
        }),
        ("zero width", |base, short| {
            format!("{base}/s\u{200b}?id={short}")
        }),
        ("isolate", |base, short| {
            format!("{base}/s?id={short}&x=\u{2066}y\u{2069}")
        }),
        ("another service", |_, short| {
            format!("https://evil.example/s?id={short}")
        }),
        ("another session", |base, _| {
            format!("{base}/s?id=00.11.22.33")
        }),
    ];
    for (what, hostile) in cases {
        let (fake, asked) = answering(hostile);
        let home = Home::new();
        for json in [false, true] {
            let mut args = vec!["login", "ada", "--server", &fake.url];
            if json {
                args.insert(0, "--json");
            }
            let run = home.run(&args);
            run.assert_code(1);
            assert_nothing_raw(&run);
            assert!(
                run.stderr
                    .contains("login URL that is not this session's link on"),
                "{what}: {}",
                run.stderr
            );
            assert!(!run.stdout.contains("Open this URL"), "{what}");
            if json {
                let error = run.json();
                assert_eq!(error["error"]["code"], "bad_answer", "{what}");
            }
        }
        assert_eq!(asked.lock().unwrap().len(), 2, "{what}: only the requests");
        assert!(home.kept().is_empty());
    }
}

#[test]
fn the_sessions_own_link_is_printed_and_its_qr_code_made() {
    let (fake, _) = answering(|base, short| format!("{base}/s?id={short}"));
    let home = Home::new();
    let run = home.run(&["login", "ada", "--server", &fake.url]);
    run.assert_code(5);
    let short = run
        .stdout
        .lines()
        .find_map(|line| line.trim().strip_prefix("Short id:"))
        .unwrap()
        .trim()
        .to_owned();
    assert!(
        run.stdout
            .contains(&format!("    {}/s?id={short}\n", fake.url)),
        "{}",
        run.stdout
    );
}

#[test]
fn a_services_error_message_is_printed_escaped() {
    let message = "bad\u{1b}[2J request \u{202e}nimda\u{200b}\u{2066}\u{7}";
    let fake = FakeService::start(move |_, _, _| {
        let body = json!({"error": {"code": "bad_field", "message": message}});
        (400, body.to_string())
    });
    let home = Home::new();
    let run = home.run(&["--json", "login", "ada", "--server", &fake.url]);
    run.assert_code(1);
    assert_nothing_raw(&run);
    assert!(
        run.stderr.contains(
            "bad\\u{001b}[2J request \\u{202e}nimda\\u{200b}\\u{2066}\\u{0007} (bad_field)"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["error"]["code"], "bad_field");
}
