//! Plain `http://` to a host other than this machine is refused before
//! anything is sent, wherever the URL comes from (`--server`, a login URL,
//! an enrollment link, a kept session or key file), unless
//! `--insecure-http` or `COUNTERSIGN_INSECURE_HTTP` says it is wanted.
//! The tests reach a fake service on 127.0.0.1 through `0.0.0.0`, which
//! Linux connects to this machine but which is not a loopback address.

use std::sync::{Arc, Mutex};

use crate::common::{FakeService, Home, Run};

/// A fake service that answers 503 to everything and records what it was
/// asked; and its URL through `0.0.0.0`.
fn recording_service() -> (FakeService, String, Arc<Mutex<Vec<String>>>) {
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = Arc::clone(&asked);
    let fake = FakeService::start(move |method, path, _| {
        log.lock().unwrap().push(format!("{method} {path}"));
        (503, String::new())
    });
    let port = fake.url.rsplit(':').next().unwrap().to_owned();
    (fake, format!("http://0.0.0.0:{port}"), asked)
}

/// The run failed with `insecure_http`, and its message (on stderr too,
/// but for `status`, which lists it with the session) says why and what
/// to do, and names the service.
fn assert_refused(run: &Run, service: &str) {
    run.assert_code(1);
    let error = run
        .json_lines()
        .into_iter()
        .find(|line| line.get("error").is_some())
        .unwrap_or_else(|| panic!("no error line: {}", run.stdout));
    assert_eq!(error["error"]["code"], "insecure_http", "{}", run.stdout);
    let message = error["error"]["message"].as_str().unwrap();
    for words in ["plain http://", service, "--insecure-http"] {
        assert!(message.contains(words), "{words:?}: {message}");
    }
}

#[test]
fn plain_http_to_another_host_is_refused_before_anything_is_sent() {
    let (_fake, plain, asked) = recording_service();
    let home = Home::new();

    let login = home.run(&["--json", "login", "ada", "--server", &plain]);
    assert_refused(&login, &plain);

    let new_key = home.dir.join("keys").join("new.json");
    let enroll = home.run(&[
        "--json",
        "device",
        "enroll",
        &format!("{plain}/enroll?token=abc"),
        "--key-file",
        new_key.to_str().unwrap(),
    ]);
    assert_refused(&enroll, &plain);
    assert!(!new_key.exists(), "no key is made for a refused link");

    let key = home.write_key(&plain);
    let key = key.to_str().unwrap();
    let url = format!("{plain}/s?id=ab.cd.ef.01");
    for args in [
        vec!["approve", &url, "--code", "42"],
        vec!["deny", &url],
        vec!["suspicious", &url],
        // A bare short id is on the key's own service.
        vec!["deny", "ab.cd.ef.01"],
    ] {
        let mut all = vec!["--json"];
        all.extend(args);
        all.extend(["--key-file", key, "--yes"]);
        assert_refused(&home.run(&all), &plain);
    }

    let short = home.write_kept(&plain);
    assert_refused(&home.run(&["--json", "logout"]), &plain);
    assert_refused(
        &home.run(&["--json", "sign", "GET https://api.example/x"]),
        &plain,
    );
    let status = home.run(&["--json", "status"]);
    assert_refused(&status, &plain);
    assert_eq!(status.json()["short_uid"], short);
    assert_eq!(status.json()["status"], serde_json::Value::Null);

    assert_eq!(
        asked.lock().unwrap().len(),
        0,
        "{:?}",
        asked.lock().unwrap()
    );
    assert_eq!(home.kept().len(), 1, "a refused session stays kept");
}

#[test]
fn insecure_http_or_its_variable_lets_plain_http_through() {
    let (_fake, plain, asked) = recording_service();
    let home = Home::new();

    // The flag is global: before or after the command.
    for args in [
        [
            "--insecure-http",
            "--json",
            "login",
            "ada",
            "--server",
            &plain,
        ],
        [
            "--json",
            "login",
            "ada",
            "--server",
            &plain,
            "--insecure-http",
        ],
    ] {
        let run = home.run(&args);
        run.assert_code(1);
        assert_eq!(run.json()["error"]["code"], "http_503", "{}", run.stderr);
    }

    home.write_kept(&plain);
    let status = |value: &str| {
        let mut command = home.command(&["--json", "status"]);
        command.env("COUNTERSIGN_INSECURE_HTTP", value);
        let out = command.output().unwrap();
        (
            out.status.code(),
            serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap(),
        )
    };
    let (code, line) = status("1");
    assert_eq!(code, Some(1));
    assert_eq!(line["error"]["code"], "http_503", "{line}");
    // A false value is not a yes.
    let (code, line) = status("false");
    assert_eq!(code, Some(1));
    assert_eq!(line["error"]["code"], "insecure_http", "{line}");

    let asked = asked.lock().unwrap();
    assert_eq!(
        *asked,
        [
            "POST /api/sessions",
            "POST /api/sessions",
            "GET /api/sessions/0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6d",
        ]
    );
}
