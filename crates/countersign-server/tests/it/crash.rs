//! `kill -9` of `serve` on SQLite under load, three times: every login
//! request the service acknowledged (201) and every approval it
//! acknowledged (200) is there after a restart on the same data directory,
//! with its status. What was in flight when it died may or may not be.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use countersign_core::LoginSession;
use uuid::Uuid;

use crate::common::{Approver, PUBLIC_URL, Requester, service_at};
use crate::process::{Server, http, running, serve_command, temp_dir};

/// What a client was told about a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Told {
    /// 201 to the request; no approval sent.
    Requested,
    /// 201 to the request; an approval sent, its answer lost in the crash.
    ApprovalUnanswered,
    /// 200 to the approval.
    Approved,
}

type Ledger = Arc<Mutex<HashMap<Uuid, Told>>>;

fn note(ledger: &Ledger, uid: Uuid, told: Told) {
    ledger
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(uid, told);
}

/// One client's loop until `stop`: ask for a login, and approve two in
/// three of them, recording only what the service acknowledged.
fn load(addr: &str, approver: &Approver, ledger: &Ledger, stop: &AtomicBool) {
    let requester = Requester::new();
    let mut n = 0_u32;
    while !stop.load(Ordering::Relaxed) {
        n += 1;
        let Ok((201, _, answer)) = http(
            addr,
            "POST",
            "/api/sessions",
            Some(&requester.request("ada")),
        ) else {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let uid: Uuid = answer["uid"].as_str().unwrap().parse().unwrap();
        note(ledger, uid, Told::Requested);
        if n.is_multiple_of(3) {
            continue;
        }
        let short = answer["short_uid"].as_str().unwrap();
        let code = u8::try_from(answer["verification_code"].as_u64().unwrap()).unwrap();
        let Ok((200, _, page)) = http(addr, "GET", &format!("/api/approvals/{short}"), None) else {
            continue;
        };
        let shown = LoginSession::from_json_value(page["session"].clone()).unwrap();
        let statement = approver.decide(&shown, "approve", Some(code));
        note(ledger, uid, Told::ApprovalUnanswered);
        let path = format!("/api/sessions/{uid}/statements");
        if let Ok((status, _, body)) = http(addr, "POST", &path, Some(&statement)) {
            assert_eq!(status, 200, "the approval was refused: {body}");
            note(ledger, uid, Told::Approved);
        }
    }
}

/// Every session in `ledger`, read back from `server`, has the status the
/// client was told (or, for an approval whose answer was lost, either).
fn check(server: &Server, ledger: &Ledger, round: usize) {
    let told = ledger
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    for (uid, told) in told {
        let (status, _, session) =
            http(&server.addr, "GET", &format!("/api/sessions/{uid}"), None).unwrap();
        assert_eq!(
            status, 200,
            "round {round}: session {uid} ({told:?}) is gone: {session}"
        );
        let found = session["status"].as_str().unwrap();
        let expected: &[&str] = match told {
            Told::Requested => &["pending"],
            Told::ApprovalUnanswered => &["pending", "approved"],
            Told::Approved => &["approved"],
        };
        assert!(
            expected.contains(&found),
            "round {round}: session {uid} ({told:?}) is {found}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_requests_and_approvals_survive_kill_9_under_load() {
    let dir = temp_dir();
    // The user and their device, added through the library on the very
    // file `serve --data-dir` opens.
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.join("countersign.sqlite3").display()
    );
    let approver = {
        let service = service_at(&url, None, |_| {}).await;
        Arc::new(service.user_with_device("ada").await)
    };
    let done = tokio::task::spawn_blocking(move || {
        let ledger: Ledger = Arc::default();
        let args = [
            // Statements name the service the tests' approvers sign for.
            "--public-url",
            PUBLIC_URL,
            "--insecure-http",
            "--request-rate",
            "1000000",
            "--request-burst",
            "1000000",
            "--lookup-rate",
            "1000000",
            "--lookup-burst",
            "1000000",
            "--rate-limit",
            "read=1000000/1000000,statement=1000000/1000000",
        ];
        let start = || running(serve_command(&dir, &args), &dir.join("log"));
        for round in 1..=3 {
            let mut server = start();
            check(&server, &ledger, round);
            let stop = Arc::new(AtomicBool::new(false));
            let clients: Vec<_> = (0..3)
                .map(|_| {
                    let (addr, approver, ledger, stop) = (
                        server.addr.clone(),
                        Arc::clone(&approver),
                        Arc::clone(&ledger),
                        Arc::clone(&stop),
                    );
                    std::thread::spawn(move || load(&addr, &approver, &ledger, &stop))
                })
                .collect();
            std::thread::sleep(Duration::from_millis(1500));
            // SIGKILL, mid-load: no chance to finish anything.
            server.child.kill().unwrap();
            server.child.wait().unwrap();
            stop.store(true, Ordering::Relaxed);
            for client in clients {
                client.join().unwrap();
            }
            let told = ledger.lock().unwrap_or_else(PoisonError::into_inner);
            let approved = told.values().filter(|t| **t == Told::Approved).count();
            assert!(approved > 0, "round {round}: no approval was acknowledged");
        }
        let server = start();
        check(&server, &ledger, 4);
        let told = ledger.lock().unwrap_or_else(PoisonError::into_inner);
        eprintln!(
            "kill -9 three times: {} acknowledged requests, {} acknowledged approvals, all found",
            told.len(),
            told.values().filter(|t| **t == Told::Approved).count()
        );
        drop(server);
        std::fs::remove_dir_all(&dir).unwrap();
    });
    done.await.unwrap();
}
