//! `admin session list|logout` and `admin audit` through the real binary,
//! on a database a service is using: sessions listed newest first by user
//! and status, a live session logged out by the operator (a closed one
//! refused), and the audit log exported as NDJSON with who acted.

use crate::admin::{admin, admin_json};
use crate::common::*;
use countersign_core::Status;
use serde_json::Value;

on_both_backends!(an_operator_lists_and_logs_out_sessions_and_reads_the_audit_log);

fn uids(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|line| line["uid"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_operator_lists_and_logs_out_sessions_and_reads_the_audit_log(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let service = service_at(&url, dir, |_| {}).await;
    let ada = service.user_with_device("ada").await;
    let login = approved(&service, &ada, &Requester::new(), "ada").await;
    service.clock.advance(std::time::Duration::from_secs(1));
    let asked = ask(&service, &Requester::new(), "ada").await;
    let pending = asked["uid"].as_str().unwrap().to_owned();
    service.clock.advance(std::time::Duration::from_secs(1));
    let other = ask(&service, &Requester::new(), "bob").await;
    let other = other["uid"].as_str().unwrap().to_owned();
    let login_uid = login.uid().to_string();

    let all = admin_json(&url, &["session", "list"]);
    assert_eq!(
        uids(&all),
        [&*other, &*pending, &*login_uid],
        "newest first"
    );
    assert_eq!(all[2]["status"], "approved");
    let of_ada = admin_json(&url, &["session", "list", "--user", "ada"]);
    assert_eq!(uids(&of_ada), [&*pending, &*login_uid]);
    let approved_ones = admin_json(&url, &["session", "list", "--status", "approved"]);
    assert_eq!(uids(&approved_ones), [&*login_uid]);
    let newest = admin_json(&url, &["session", "list", "--limit", "1"]);
    assert_eq!(uids(&newest), [&*other]);
    let (ok, _, err) = admin(&url, &["session", "list", "--status", "gone"]);
    assert!(!ok && err.contains("not a status"), "{err}");
    let (ok, text, _) = admin(&url, &["session", "list", "--user", "bob"]);
    assert!(
        ok && text.contains("pending") && text.contains(&other),
        "{text}"
    );

    // The operator logs out the approved login and the pending request.
    let out = admin_json(&url, &["session", "logout", &login_uid]);
    assert_eq!(out[0]["status"], "logged_out", "{}", out[0]);
    assert_eq!(
        stored_status(&service, login.uid()).await,
        Status::LoggedOut
    );
    let (ok, text, _) = admin(&url, &["session", "logout", &pending]);
    assert!(ok && text.contains("Logged out"), "{text}");
    let pending_uid = pending.parse().unwrap();
    assert_eq!(
        stored_status(&service, pending_uid).await,
        Status::LoggedOut
    );
    let (ok, _, err) = admin(&url, &["session", "logout", &login_uid]);
    assert!(!ok && err.contains("cannot be logged out"), "{err}");
    let (ok, _, err) = admin(&url, &["session", "logout", "nope"]);
    assert!(!ok && err.contains("not a session uid"), "{err}");
    let unknown = uuid::Uuid::from_bytes(random()).to_string();
    let (ok, _, err) = admin(&url, &["session", "logout", &unknown]);
    assert!(!ok && err.contains("no session"), "{err}");

    // The login's story, with who acted at each step.
    let story = admin_json(&url, &["audit", "--session", &login_uid]);
    let steps: Vec<(&str, &str)> = story
        .iter()
        .map(|row| {
            (
                row["action"].as_str().unwrap(),
                row["actor"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("request", "requester"),
            ("approve", "device"),
            ("logout", "admin")
        ]
    );
    assert_eq!(story[1]["device_uid"], ada.device.to_string());
    assert_eq!(story[2]["source"], "admin");
    assert!(story[0]["id"].as_i64() < story[2]["id"].as_i64());

    // Everything, oldest first; by user; since a time.
    let everything = admin_json(&url, &["audit"]);
    let ids: Vec<i64> = everything
        .iter()
        .map(|row| row["id"].as_i64().unwrap())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let of_bob = admin_json(&url, &["audit", "--user", "bob"]);
    assert_eq!(of_bob.len(), 1, "bob, no user, has one request: {of_bob:?}");
    assert_eq!(of_bob[0]["session_uid"], other.as_str());
    let later = (real_clock().now() + chrono::TimeDelta::hours(1)).to_rfc3339();
    assert!(admin_json(&url, &["audit", "--since", &later]).is_empty());
    let earlier = (real_clock().now() - chrono::TimeDelta::hours(1)).to_rfc3339();
    assert_eq!(
        admin_json(&url, &["audit", "--since", &earlier]).len(),
        everything.len()
    );
    let (ok, _, err) = admin(&url, &["audit", "--since", "yesterday"]);
    assert!(!ok && err.contains("RFC 3339"), "{err}");
    let (ok, text, _) = admin(&url, &["audit", "--session", &login_uid]);
    assert!(ok && text.lines().count() == 3, "{text}");
    assert!(
        text.contains("admin  session logout approved->logged_out"),
        "{text}"
    );
}
