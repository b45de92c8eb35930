//! Transport: `serve` refuses a plain `http://` public URL for a host that
//! is not this machine unless told `--insecure-http`, and when the public
//! URL is `https://` every answer tells browsers to come back only over
//! TLS (`Strict-Transport-Security`).

use axum::body::Body;
use axum::http::Request;

use crate::common::{Db, service_on};
use crate::process::{Started, http, serve_command, start, temp_dir};

const HSTS: &str = "max-age=31536000";

#[test]
fn serve_refuses_plain_http_to_another_host_unless_told_insecure_http() {
    let dir = temp_dir();
    let log = dir.join("log");
    let started = |args: &[&str], env: Option<(&str, &str)>| {
        let mut command = serve_command(&dir, args);
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        start(command, &log)
    };

    match started(&["--public-url", "http://cs.example"], None) {
        Started::Running(_) => panic!("serve ran with http://cs.example as its public URL"),
        Started::Exited { status, stderr } => {
            assert!(!status.success());
            for needed in ["http://cs.example", "https://", "--insecure-http"] {
                assert!(stderr.contains(needed), "{needed} not in: {stderr}");
            }
        }
    }
    // Arguments, and an environment variable to set.
    type Case<'a> = (&'a [&'a str], Option<(&'a str, &'a str)>);
    let allowed: &[Case] = &[
        (
            &["--public-url", "http://cs.example", "--insecure-http"],
            None,
        ),
        (
            &["--public-url", "http://cs.example"],
            Some(("COUNTERSIGN_INSECURE_HTTP", "1")),
        ),
        (&["--public-url", "https://cs.example"], None),
        (&["--public-url", "http://localhost:8080"], None),
        (&["--public-url", "http://[::1]:8080"], None),
        // The default public URL is the listening address, here loopback.
        (&[], None),
    ];
    for (args, env) in allowed {
        match started(args, *env) {
            Started::Running(server) => {
                let (status, _, _) = http(&server.addr, "GET", "/healthz", None).unwrap();
                assert_eq!(status, 200, "{args:?}");
            }
            Started::Exited { status, stderr } => {
                panic!("serve {args:?} {env:?} exited ({status}): {stderr}")
            }
        }
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_binary_sends_hsts_when_its_public_url_is_https() {
    let dir = temp_dir();
    let command = serve_command(&dir, &["--public-url", "https://cs.example"]);
    let Started::Running(server) = start(command, &dir.join("log")) else {
        panic!("serve did not start");
    };
    let (status, head, _) = http(&server.addr, "GET", "/healthz", None).unwrap();
    assert_eq!(status, 200);
    assert!(
        head.contains(&format!("strict-transport-security: {HSTS}")),
        "{head}"
    );
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn every_answer_carries_hsts_when_the_public_url_is_https_and_none_over_http() {
    for (public_url, expected) in [("https://cs.test", Some(HSTS)), ("http://cs.test", None)] {
        let Some(service) = service_on(Db::Sqlite, |c| c.public_url = public_url.to_owned()).await
        else {
            return;
        };
        // A page, an API answer, a refusal, an unknown path.
        for path in [
            "/",
            "/healthz",
            "/api/sessions/00000000-0000-4000-8000-000000000000",
            "/api/sessions/not-a-uid",
            "/nowhere",
        ] {
            let request = Request::get(path).body(Body::empty()).unwrap();
            let response = tower::ServiceExt::oneshot(service.router.clone(), request)
                .await
                .unwrap();
            let hsts = response
                .headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap().to_owned());
            assert_eq!(hsts.as_deref(), expected, "{public_url}{path}");
        }
    }
}
