//! How a waiting login ends, and what each exit code says: denied (3),
//! suspicious (4), expired (5); and the approvals that are refused.

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use crate::common::{Home, Service, Watchdog};

fn enrolled() -> (Service, Home, PathBuf) {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    (service, home, key)
}

#[test]
fn a_denied_login_exits_3_and_keeps_nothing() {
    let (service, home, key) = enrolled();
    let login = home.login(&service.url, "ada", &[]);
    let denied = home.run(&[
        "deny",
        &login.url(),
        "--key-file",
        key.to_str().unwrap(),
        "--yes",
    ]);
    denied.assert_code(0);
    assert!(denied.stdout.contains("Denied"), "{}", denied.stdout);
    assert!(
        denied.stdout.contains("User:           ada"),
        "{}",
        denied.stdout
    );
    let (code, last, _) = login.end();
    assert_eq!(code, 3);
    assert_eq!(last["status"], "denied");
    assert_eq!(last["kept"], serde_json::Value::Null);
    assert!(home.kept().is_empty());
}

#[test]
fn a_login_reported_as_suspicious_exits_4() {
    let (service, home, key) = enrolled();
    let login = home.login(&service.url, "ada", &[]);
    let reported = home.run(&[
        "--json",
        "suspicious",
        &login.url(),
        "--key-file",
        key.to_str().unwrap(),
        "--yes",
    ]);
    assert_eq!(reported.assert_code(0).json()["status"], "suspicious");
    let (code, last, _) = login.end();
    assert_eq!(code, 4);
    assert_eq!(last["status"], "suspicious");
    assert!(home.kept().is_empty());
}

#[test]
fn a_login_no_one_decides_expires_with_5() {
    let service = Service::start_with(|config| config.session_ttl = chrono::TimeDelta::seconds(2));
    let home = Home::new();
    let login = home.login(&service.url, "ada", &[]);
    let (code, last, _) = login.end();
    assert_eq!(code, 5, "{last}");
    assert_eq!(last["status"], "expired");
    assert!(home.kept().is_empty());
}

#[test]
fn a_wrong_code_denies_the_login_and_both_sides_are_told() {
    let (service, home, key) = enrolled();
    let login = home.login(&service.url, "ada", &[]);
    let key = key.to_str().unwrap();
    let wrong = if login.code() == 99 {
        10
    } else {
        login.code() + 1
    }
    .to_string();
    let refused = home.run(&[
        "--json",
        "approve",
        &login.url(),
        "--key-file",
        key,
        "--code",
        &wrong,
        "--yes",
    ]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains(
            "the verification code typed is not the one the requester shows: the request is \
             now denied"
        ) && refused.stderr.contains("(wrong_code)"),
        "{}",
        refused.stderr
    );
    let error = refused.json();
    assert_eq!(error["error"]["code"], "wrong_code");

    // The login ends as denied, and says why.
    let right = login.code().to_string();
    let url = login.url();
    let (code, last, _) = login.end();
    assert_eq!(code, 3, "{last}");
    assert_eq!(last["status"], "denied");
    assert_eq!(last["deny_reason"], "wrong_code");
    assert!(home.kept().is_empty());

    // The right code, typed next, finds nothing left to approve.
    let late = home.run(&[
        "approve",
        &url,
        "--key-file",
        key,
        "--code",
        &right,
        "--yes",
    ]);
    late.assert_code(1);
}

#[test]
fn a_login_in_text_says_the_approver_typed_another_code() {
    let (service, home, key) = enrolled();
    let mut child = home
        .command(&["login", "ada", "--server", &service.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let watchdog = Watchdog::arm(child.id(), Duration::from_secs(20));
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (mut url, mut code) = (None, None);
    while code.is_none() {
        let mut line = String::new();
        assert_ne!(stdout.read_line(&mut line).unwrap(), 0, "no code shown");
        if line.contains("/s?id=") {
            url = Some(line.trim().to_owned());
        }
        if let Some(rest) = line.trim().strip_prefix("Verification code:") {
            code = rest
                .split_whitespace()
                .next()
                .map(|c| c.parse::<u8>().unwrap());
        }
    }
    let code = code.unwrap();
    let wrong = if code == 10 { 11 } else { 10 }.to_string();
    home.run(&[
        "approve",
        &url.unwrap(),
        "--key-file",
        key.to_str().unwrap(),
        "--code",
        &wrong,
        "--yes",
    ])
    .assert_code(1);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    watchdog.disarm();
    assert_eq!(status.code(), Some(3), "{rest}");
    assert!(
        rest.contains("Denied: the approver typed a different code than the one shown here"),
        "{rest}"
    );
}

#[test]
fn approving_without_a_terminal_or_yes_is_refused() {
    let (service, home, key) = enrolled();
    let mut login = home.login(&service.url, "ada", &[]);
    let key = key.to_str().unwrap();
    let code = login.code().to_string();
    let refused = home.run(&["approve", &login.url(), "--key-file", key, "--code", &code]);
    refused.assert_code(1);
    assert!(
        refused.stderr.contains("stdin is not a terminal"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("--yes"), "{}", refused.stderr);
    // The request was shown, but nothing was signed: still pending.
    assert!(
        refused.stdout.contains(&login.short_uid()),
        "{}",
        refused.stdout
    );
    assert!(login.is_waiting());
    let refused = home.run(&["deny", &login.url(), "--key-file", key]);
    refused.assert_code(1);
    assert!(login.is_waiting());

    home.run(&["deny", &login.short_uid(), "--key-file", key, "--yes"])
        .assert_code(0);
    assert_eq!(login.end().0, 3);
}

#[test]
fn a_key_signs_only_for_its_own_service_and_user() {
    let (service, home, key) = enrolled();
    let key_arg = key.to_str().unwrap();
    let login = home.login(&service.url, "ada", &[]);

    // The same short id on another service: refused before any request.
    let elsewhere = format!("http://127.0.0.1:9/s?id={}", login.short_uid());
    let refused = home.run(&[
        "approve",
        &elsewhere,
        "--key-file",
        key_arg,
        "--code",
        "42",
        "--yes",
    ]);
    refused.assert_code(1);
    assert!(
        refused
            .stderr
            .contains("refusing to sign for another service"),
        "{}",
        refused.stderr
    );

    // A login for another user.
    let bob = home.login(&service.url, "bob", &[]);
    let refused = home.run(&["deny", &bob.url(), "--key-file", key_arg, "--yes"]);
    refused.assert_code(1);
    assert!(refused.stderr.contains("for \"bob\""), "{}", refused.stderr);

    // Not a code at all, and a key file others can read.
    let bad = home.run(&[
        "approve",
        &login.url(),
        "--key-file",
        key_arg,
        "--code",
        "7",
        "--yes",
    ]);
    bad.assert_code(1);
    assert!(
        bad.stderr.contains("invalid verification code"),
        "{}",
        bad.stderr
    );
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let exposed = home.run(&["deny", &login.url(), "--key-file", key_arg, "--yes"]);
    exposed.assert_code(1);
    assert!(exposed.stderr.contains("chmod 600"), "{}", exposed.stderr);
}

#[test]
fn an_interrupted_login_keeps_nothing() {
    let (service, home, _key) = enrolled();
    let mut login = home.login(&service.url, "ada", &[]);
    assert!(login.is_waiting());
    let pid = login.child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let (code, _, _) = login.end();
    assert_ne!(code, 0);
    assert!(home.kept().is_empty(), "{:?}", home.kept());
}
