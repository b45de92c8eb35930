//! Enrolling a device: a used link, and what happens to the key file when
//! the service refuses the enrollment or its answer is lost.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::common::{FakeService, Home, Service};

#[test]
fn a_used_link_fails_and_leaves_no_key_file() {
    let service = Service::start();
    let home = Home::new();
    let link = service.add_user("ada");
    let first = home.enroll(&link, "laptop");
    assert!(first.is_file());

    let second = home.dir.join("keys").join("phone.json");
    let run = home.run(&[
        "--json",
        "device",
        "enroll",
        &link,
        "--key-file",
        second.to_str().unwrap(),
    ]);
    run.assert_code(1);
    assert!(!second.exists());
    assert!(
        run.stderr.contains("enrollment link was refused"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["error"]["code"], "not_found");

    // An existing key file is never overwritten.
    let link = service.add_user("bob");
    let before = std::fs::read(&first).unwrap();
    let run = home.run(&[
        "device",
        "enroll",
        &link,
        "--key-file",
        first.to_str().unwrap(),
    ]);
    run.assert_code(1);
    assert!(run.stderr.contains("already there"), "{}", run.stderr);
    assert_eq!(std::fs::read(&first).unwrap(), before);
}

/// A service that shows the link, then answers the enrollment with
/// `status` and `code`, noting whether the key file existed when it
/// arrived.
fn refusing(
    status: u16,
    code: &'static str,
    key: std::path::PathBuf,
    seen: Arc<AtomicBool>,
) -> FakeService {
    // The token travels in bodies only: a path holding it is not found.
    FakeService::start(move |method, path, _| match method {
        "POST" if path == "/api/enrollments/lookup" => (
            200,
            r#"{"user_uid":"5f1d0f4c-2a3e-4c1b-9f0e-1c2d3e4f5a6b","username":"ada"}"#.into(),
        ),
        "POST" if path == "/api/enrollments/redeem" => {
            seen.store(key.is_file(), Ordering::SeqCst);
            (
                status,
                format!(r#"{{"error":{{"code":"{code}","message":"said {status}"}}}}"#),
            )
        }
        _ => (404, "{}".into()),
    })
}

#[test]
fn the_key_file_exists_before_enrolling_and_is_deleted_when_refused() {
    let home = Home::new();
    let key = home.dir.join("k.json");
    let seen = Arc::new(AtomicBool::new(false));
    let fake = refusing(409, "enrollment_used", key.clone(), seen.clone());
    let link = format!("{}/enroll#token=tok", fake.url);
    let run = home.run(&[
        "device",
        "enroll",
        &link,
        "--key-file",
        key.to_str().unwrap(),
    ]);
    run.assert_code(1);
    assert!(
        run.stderr.contains("said 409 (enrollment_used)"),
        "{}",
        run.stderr
    );
    assert!(
        seen.load(Ordering::SeqCst),
        "the key was written before the enrollment was sent"
    );
    assert!(!key.exists(), "a refused device leaves no key");
}

#[test]
fn the_key_file_is_kept_when_the_enrollments_outcome_is_unknown() {
    let home = Home::new();
    let key = home.dir.join("k.json");
    let seen = Arc::new(AtomicBool::new(false));
    let fake = refusing(503, "internal", key.clone(), seen.clone());
    let link = format!("{}/enroll#token=tok", fake.url);
    let run = home.run(&[
        "device",
        "enroll",
        &link,
        "--key-file",
        key.to_str().unwrap(),
    ]);
    run.assert_code(1);
    assert!(run.stderr.contains("outcome is unknown"), "{}", run.stderr);
    assert!(key.is_file());
}

#[test]
fn a_code_from_a_newer_service_is_unrecognised_and_its_message_kept() {
    let home = Home::new();
    let key = home.dir.join("k.json");
    let seen = Arc::new(AtomicBool::new(false));
    let fake = refusing(409, "a_code_of_tomorrow", key.clone(), seen);
    let link = format!("{}/enroll#token=tok", fake.url);
    let run = home.run(&[
        "--json",
        "device",
        "enroll",
        &link,
        "--key-file",
        key.to_str().unwrap(),
    ]);
    run.assert_code(1);
    let error = run.json();
    assert_eq!(error["error"]["code"], "unrecognised");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("said 409"),
        "{error}"
    );
    // Refused all the same (a 4xx): the device does not exist, nor its key.
    assert!(!key.exists());
}
