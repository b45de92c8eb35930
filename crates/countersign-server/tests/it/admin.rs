//! The operator's commands through the real binary, on a database a service
//! is using: users listed and shown, a new enrollment link for an existing
//! user that works once, devices listed, and a revocation by the operator
//! that logs out the device's live logins with audit entries from `admin`.

use std::process::Command;

use crate::common::*;
use axum::http::StatusCode;
use countersign_core::Status;
use countersign_core::api::AuditAction;
use serde_json::Value;

on_both_backends!(an_operator_lists_shows_links_and_revokes);

pub const BIN: &str = env!("CARGO_BIN_EXE_countersign-server");

/// Runs `countersign-server admin ARGS --database-url URL`: success, stdout,
/// stderr.
pub fn admin(url: &str, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(BIN)
        .arg("admin")
        .args(args)
        .args(["--database-url", url])
        .env_remove("COUNTERSIGN_DATA_DIR")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// Runs a command that must succeed with `--json` and reads its lines.
pub fn admin_json(url: &str, args: &[&str]) -> Vec<Value> {
    let mut args = args.to_vec();
    args.push("--json");
    let (ok, out, err) = admin(url, &args);
    assert!(ok, "{args:?}: {err}");
    out.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}")))
        .collect()
}

async fn an_operator_lists_shows_links_and_revokes(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let service = service_at(&url, dir, |_| {}).await;
    let ada = service.user_with_device("ada").await;
    let stolen = service.second_device(&ada).await;
    service.add_user("bob").await;

    let users = admin_json(&url, &["user", "list"]);
    let names: Vec<&str> = users
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ada", "bob"]);
    assert_eq!(users[0]["uid"], ada.user.to_string());

    let shown = admin_json(&url, &["user", "show", "ada"]);
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0]["username"], "ada");
    let devices: Vec<&str> = shown[0]["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["uid"].as_str().unwrap())
        .collect();
    assert_eq!(devices.len(), 2);
    assert!(devices.contains(&stolen.device.to_string().as_str()));
    let (ok, _, err) = admin(&url, &["user", "show", "nobody"]);
    assert!(!ok && err.contains("no user named"), "{err}");

    // A new link for an existing user (`add` refuses the name), used once.
    let link = admin_json(
        &url,
        &[
            "user",
            "enroll-link",
            "ada",
            "--public-url",
            "https://cs.example",
        ],
    );
    let link_url = link[0]["enrollment_url"].as_str().unwrap();
    assert!(
        link_url.starts_with("https://cs.example/enroll#token="),
        "{link_url}"
    );
    assert_eq!(link[0]["user_uid"], ada.user.to_string());
    let token = link_url.split("#token=").nth(1).unwrap();
    let third = Approver::new(ada.user);
    let (status, body) = service.redeem(token, third.enrollment()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (status, _) = service
        .redeem(token, Approver::new(ada.user).enrollment())
        .await;
    assert_ne!(status, StatusCode::CREATED, "the link works once");

    assert_eq!(admin_json(&url, &["device", "list"]).len(), 3);
    let of_ada = admin_json(&url, &["device", "list", "--user", "ada"]);
    assert_eq!(of_ada.len(), 3);
    assert!(admin_json(&url, &["device", "list", "--user", "bob"]).is_empty());

    // The operator revokes the stolen device: its approved login is logged
    // out, the other device's is not.
    let lost_login = approved(&service, &stolen, &Requester::new(), "ada").await;
    let kept_login = approved(&service, &ada, &Requester::new(), "ada").await;
    let uid = stolen.device.to_string();
    let revoked = admin_json(&url, &["device", "revoke", &uid]);
    assert!(
        !revoked[0]["device"]["revoked_at"].is_null(),
        "{}",
        revoked[0]
    );
    assert_eq!(
        revoked[0]["logged_out"],
        serde_json::json!([lost_login.uid().to_string()])
    );
    assert_eq!(
        stored_status(&service, lost_login.uid()).await,
        Status::LoggedOut
    );
    assert_eq!(
        stored_status(&service, kept_login.uid()).await,
        Status::Approved
    );
    let audit = service
        .state
        .store
        .audit_of(lost_login.uid())
        .await
        .unwrap();
    let logout = audit.last().unwrap();
    assert_eq!(logout.action, AuditAction::Logout);
    assert_eq!(logout.source.as_deref(), Some("admin"));
    assert_eq!(logout.device_uid, None, "no device acted: the operator did");

    let (ok, _, err) = admin(&url, &["device", "revoke", &uid]);
    assert!(!ok && err.contains("already revoked"), "{err}");
    let (ok, _, err) = admin(&url, &["device", "revoke", "not-a-uid"]);
    assert!(!ok && err.contains("not a device uid"), "{err}");
    let (ok, text, _) = admin(&url, &["device", "list", "--user", "ada"]);
    assert!(ok && text.contains("revoked"), "{text}");
}
