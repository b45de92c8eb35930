//! `countersign sign`: a header whose token a relying party verifies
//! against the session, with the body bound when asked, and clear refusals.

use std::io::Write as _;
use std::process::Stdio;

use crate::common::{Home, Service, approved, read_session};
use countersign_core::{
    AUTHORISATION_WINDOW, AuthorisationError, Expectation, Identity, LoginSession,
    SignedAuthorisation,
};
use serde_json::Value;

const RESOURCE: &str = "GET https://api.example/x";

/// Verifies `header` (the whole line) as a relying party would, against
/// the session as it stands, for `resource` and `body`.
fn verify(
    service: &Service,
    uid: &str,
    header: &str,
    resource: &str,
    body: Option<&[u8]>,
) -> Result<Identity, AuthorisationError> {
    let value = header
        .strip_prefix("Authorization: ")
        .unwrap_or_else(|| panic!("not a header line: {header:?}"));
    let signed = SignedAuthorisation::parse_header(value)?;
    let expected = Expectation {
        service: &service.url,
        resource,
        body,
    };
    let now = countersign_server::clock::Clock::system().now();
    signed.verify(
        &expected,
        &read_session::<LoginSession>(service, uid),
        now,
        AUTHORISATION_WINDOW,
    )
}

#[test]
fn sign_prints_a_header_that_verifies_against_the_kept_session() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let (_, uid) = approved(&service, &home, &key);

    let run = home.run(&["sign", RESOURCE]);
    run.assert_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    let header = lines[0];
    assert!(
        header.starts_with("Authorization: Countersign "),
        "{header}"
    );
    let who = verify(&service, &uid, header, RESOURCE, None).unwrap();
    assert_eq!(who.username.as_str(), "ada");
    assert_eq!(who.session_uid.to_string(), uid);
    assert_eq!(
        verify(&service, &uid, header, "GET https://api.example/y", None),
        Err(AuthorisationError::WrongResource)
    );

    // Each signature is new: a relying party that records nonces takes
    // each once.
    let again = home.run(&["sign", RESOURCE]);
    assert_ne!(again.assert_code(0).stdout.trim(), header);

    let json = home.run(&["--json", "sign", RESOURCE]);
    let line = json.assert_code(0).json();
    let keys: Vec<&str> = line
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, ["header", "resource", "session_uid", "token"]);
    let token = line["token"].as_str().unwrap();
    assert_eq!(
        line["header"],
        format!("Authorization: Countersign {token}")
    );
    assert_eq!(line["resource"], RESOURCE);
    assert_eq!(line["session_uid"], uid.as_str());
    verify(
        &service,
        &uid,
        line["header"].as_str().unwrap(),
        RESOURCE,
        None,
    )
    .unwrap();

    // Once logged out, what was signed before is refused.
    home.run(&["logout"]).assert_code(0);
    assert_eq!(
        verify(&service, &uid, header, RESOURCE, None),
        Err(AuthorisationError::LoggedOut)
    );
}

#[test]
fn a_body_file_or_stdin_binds_the_body_digest() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let (_, uid) = approved(&service, &home, &key);
    let body = br#"{"files": ["a.txt"]}"#;
    let file = home.dir.join("body.json");
    std::fs::write(&file, body).unwrap();

    let run = home.run(&["sign", "POST https://api.example/x", "--body-file"]);
    run.assert_code(2);
    let run = home.run(&[
        "sign",
        "POST https://api.example/x",
        "--body-file",
        file.to_str().unwrap(),
    ]);
    let header = run.assert_code(0).stdout.trim().to_owned();
    let resource = "POST https://api.example/x";
    verify(&service, &uid, &header, resource, Some(body)).unwrap();
    assert_eq!(
        verify(&service, &uid, &header, resource, Some(b"{}")),
        Err(AuthorisationError::WrongBody)
    );

    let mut child = home
        .command(&["sign", resource, "--body-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let header = String::from_utf8(out.stdout).unwrap();
    verify(&service, &uid, header.trim(), resource, Some(body)).unwrap();
    assert_eq!(
        verify(&service, &uid, header.trim(), resource, Some(b"")),
        Err(AuthorisationError::WrongBody)
    );

    let missing = home.dir.join("missing.json");
    let unread = home.run(&[
        "--json",
        "sign",
        resource,
        "--body-file",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(unread.assert_code(1).json()["error"]["code"], "file");
    assert!(
        unread.stderr.contains("cannot read the body file"),
        "{}",
        unread.stderr
    );
}

#[test]
fn sign_refuses_without_a_session_a_bad_resource_or_an_ended_login() {
    let service = Service::start();
    let home = Home::new();

    let none = home.run(&["--json", "sign", RESOURCE]);
    assert_eq!(
        none.assert_code(1).json()["error"]["code"],
        "no_such_session"
    );
    assert!(
        none.stderr.contains("no session is kept"),
        "{}",
        none.stderr
    );

    let key = home.enroll(&service.add_user("ada"), "laptop");
    approved(&service, &home, &key);
    for bad in ["", " GET https://api.example/x", "GET x\nuser: eve"] {
        let run = home.run(&["--json", "sign", bad]);
        assert_eq!(run.assert_code(1).json()["error"]["code"], "bad_resource");
        assert!(run.stderr.contains("refusing to sign"), "{}", run.stderr);
    }

    // The login ends (as kept), and nothing is signed after.
    let file = home.kept().remove(0);
    let mut kept: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert!(kept["login_expires_at"].is_string(), "{kept}");
    kept["login_expires_at"] = "2026-01-01T00:00:00Z".into();
    std::fs::write(&file, kept.to_string()).unwrap();
    let ended = home.run(&["--json", "sign", RESOURCE]);
    assert_eq!(ended.assert_code(1).json()["error"]["code"], "expired");
    assert!(
        ended.stderr.contains("expired at 2026-01-01 00:00:00 UTC"),
        "{}",
        ended.stderr
    );
}

#[test]
fn a_session_kept_without_its_user_asks_the_service() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let (_, uid) = approved(&service, &home, &key);
    // As an earlier version kept it.
    let file = home.kept().remove(0);
    let mut kept: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let fields = kept.as_object_mut().unwrap();
    fields.remove("user_uid").unwrap();
    fields.remove("login_expires_at").unwrap();
    std::fs::write(&file, kept.to_string()).unwrap();

    let run = home.run(&["sign", RESOURCE]);
    verify(
        &service,
        &uid,
        run.assert_code(0).stdout.trim(),
        RESOURCE,
        None,
    )
    .unwrap();

    drop(service);
    let unreachable = home.run(&["--json", "sign", RESOURCE]);
    assert_eq!(
        unreachable.assert_code(1).json()["error"]["code"],
        "network"
    );
}
