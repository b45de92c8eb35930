//! On SQLite, a change made by another process on the same file (an
//! operator's `admin device revoke` while `serve` runs) reaches the running
//! service within a second: its verifications refuse the revoked device's
//! logins, and a long poll on one of them answers the logout.

use std::process::Command;
use std::time::Duration;

use countersign_core::LoginSession;
use serde_json::{Value, json};

use crate::common::{Approver, PUBLIC_URL, Requester, real_clock, service_at};
use crate::process::{BIN, http, running, serve_command, temp_dir};

const RESOURCE: &str = "GET https://api.example/v1/files";

/// Runs `countersign-server admin ARGS --data-dir DIR --json`, which must
/// succeed, and reads its one JSON line.
fn admin(dir: &std::path::Path, args: &[&str]) -> Value {
    let mut command = Command::new(BIN);
    command.arg("admin").args(args).arg("--data-dir").arg(dir);
    command.arg("--json");
    for (name, _) in std::env::vars() {
        if name.starts_with("COUNTERSIGN_") {
            command.env_remove(name);
        }
    }
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn verify(addr: &str, token: &str) -> (u16, Value) {
    let body = json!({"token": token, "resource": RESOURCE, "once": false});
    let (status, _, answer) =
        http(addr, "POST", "/api/authorisations/verify", Some(&body)).unwrap();
    (status, answer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operators_revocation_from_another_process_is_refused_within_a_second() {
    let dir = temp_dir();
    // The user and their device, enrolled through the library on the very
    // file `serve --data-dir` opens (as another process would).
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.join("countersign.sqlite3").display()
    );
    let approver = service_at(&url, None, |_| {})
        .await
        .user_with_device("ada")
        .await;
    tokio::task::spawn_blocking(move || {
        log_in_revoke_and_verify(&dir, &approver);
        std::fs::remove_dir_all(dir).unwrap();
    })
    .await
    .unwrap();
}

/// Against `serve` on `dir`: a login approved by `approver`, a token that
/// verifies, the operator's revocation from another process, and the
/// refusal within a second.
fn log_in_revoke_and_verify(dir: &std::path::Path, approver: &Approver) {
    let args = ["--public-url", PUBLIC_URL, "--insecure-http"];
    let server = running(serve_command(dir, &args), &dir.join("log"));
    let addr = server.addr.as_str();

    // Log in, and approve with the device.
    let requester = Requester::new();
    let request = requester.request("ada");
    let (status, _, asked) = http(addr, "POST", "/api/sessions", Some(&request)).unwrap();
    assert_eq!(status, 201, "{asked}");
    let short = asked["short_uid"].as_str().unwrap();
    let code = u8::try_from(asked["verification_code"].as_u64().unwrap()).unwrap();
    let (status, _, page) = http(addr, "GET", &format!("/api/approvals/{short}"), None).unwrap();
    assert_eq!(status, 200, "{page}");
    let shown = LoginSession::from_json_value(page["session"].clone()).unwrap();
    let statement = approver.decide(&shown, "approve", Some(code));
    let path = format!("/api/sessions/{}/statements", shown.uid());
    let (status, _, body) = http(addr, "POST", &path, Some(&statement)).unwrap();
    assert_eq!(status, 200, "{body}");
    let session = LoginSession::from_json_value(body).unwrap();

    // The service verifies a token, and so has the session in its cache.
    let token = requester.authorise(&session, RESOURCE, None, real_clock().now());
    let (status, answer) = verify(addr, &token);
    assert_eq!(status, 200, "{answer}");

    // A relying party watching the session waits on it.
    let wait_path = format!(
        "/api/sessions/{}/wait?status=approved&timeout_s=20",
        session.uid()
    );
    let watch_addr = server.addr.clone();
    let watcher = std::thread::spawn(move || {
        let clock = real_clock();
        let start = clock.instant();
        let answer = http(&watch_addr, "GET", &wait_path, None).unwrap();
        (answer, clock.instant() - start)
    });
    std::thread::sleep(Duration::from_millis(300));

    // The operator revokes the device from another process.
    let revoked = admin(dir, &["device", "revoke", &approver.device.to_string()]);
    assert_eq!(
        revoked["logged_out"],
        json!([session.uid().to_string()]),
        "{revoked}"
    );
    let clock = real_clock();
    let revoked_at = clock.instant();

    // The running service refuses the same token within a second; it is
    // asked until two seconds have passed, to tell slow from never.
    let refused_after = loop {
        let (status, answer) = verify(addr, &token);
        let elapsed = clock.instant() - revoked_at;
        if status != 200 {
            assert_eq!(status, 403, "{answer}");
            assert_eq!(answer["error"]["code"], "logged_out", "{answer}");
            break elapsed;
        }
        assert!(
            elapsed < Duration::from_secs(2),
            "still accepted {elapsed:?} after the revocation"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        refused_after < Duration::from_secs(1),
        "refused only {refused_after:?} after the revocation"
    );

    // The waiter heard of it too, long before its 20 s were up.
    let ((status, _, answered), waited) = watcher.join().unwrap();
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "logged_out", "{answered}");
    assert!(waited < Duration::from_secs(2), "the wait took {waited:?}");
    eprintln!("refused {refused_after:?} after an operator's revocation in another process");

    drop(server);
}
