//! `admin user disable|enable` through the real binary, on a database a
//! service is using: the user's live sessions are logged out, requests for
//! them and their devices' statements are refused with `user_disabled`
//! (another user's are not), and enabling lets them back in while what was
//! logged out stays logged out; each is an audit entry of the operator.

use crate::admin::{admin, admin_json};
use crate::common::*;
use axum::http::StatusCode;
use countersign_core::{Claim, Status};

on_both_backends!(disabling_a_user_logs_them_out_and_refuses_them_until_enabled);

async fn disabling_a_user_logs_them_out_and_refuses_them_until_enabled(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let service = service_at(&url, dir, |_| {}).await;
    let ada = service.user_with_device("ada").await;
    let bob = service.user_with_device("bob").await;
    let login = approved(&service, &ada, &Requester::new(), "ada").await;
    let waiting = ask(&service, &Requester::new(), "ada").await;
    let pending = waiting["uid"].as_str().unwrap().to_owned();
    let bobs = approved(&service, &bob, &Requester::new(), "bob").await;

    let disabled = admin_json(&url, &["user", "disable", "ada"]);
    assert_eq!(disabled[0]["username"], "ada");
    assert!(!disabled[0]["disabled_at"].is_null(), "{}", disabled[0]);
    let mut logged_out: Vec<&str> = disabled[0]["logged_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|uid| uid.as_str().unwrap())
        .collect();
    logged_out.sort_unstable();
    let login_uid = login.uid().to_string();
    let mut expected = vec![login_uid.as_str(), pending.as_str()];
    expected.sort_unstable();
    assert_eq!(logged_out, expected, "both live sessions, and no other");
    assert_eq!(
        stored_status(&service, login.uid()).await,
        Status::LoggedOut
    );
    let pending_uid = pending.parse().unwrap();
    assert_eq!(
        stored_status(&service, pending_uid).await,
        Status::LoggedOut
    );
    assert_eq!(stored_status(&service, bobs.uid()).await, Status::Approved);

    // Requests for ada, and every statement her device signs, are refused.
    let (status, body) = service
        .post("/api/sessions", Requester::new().request("ada"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "user_disabled");
    let read = ada.sign(Claim::ReadAccount { user: ada.user });
    let (status, body) = service.post("/api/account", read).await;
    assert_eq!(body["error"]["code"], "user_disabled", "{status} {body}");
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", login.uid()),
            ada.decide(&login, "logout", None),
        )
        .await;
    assert_eq!(body["error"]["code"], "user_disabled", "{status} {body}");
    // Bob is not touched.
    ask(&service, &Requester::new(), "bob").await;

    let users = admin_json(&url, &["user", "list"]);
    assert!(!users[0]["disabled_at"].is_null(), "{}", users[0]);
    assert!(users[1]["disabled_at"].is_null(), "{}", users[1]);
    let (ok, text, _) = admin(&url, &["user", "show", "ada"]);
    assert!(ok && text.contains("disabled"), "{text}");
    let (ok, _, err) = admin(&url, &["user", "disable", "ada"]);
    assert!(!ok && err.contains("already disabled"), "{err}");

    let enabled = admin_json(&url, &["user", "enable", "ada"]);
    assert!(enabled[0]["disabled_at"].is_null(), "{}", enabled[0]);
    ask(&service, &Requester::new(), "ada").await;
    let read = ada.sign(Claim::ReadAccount { user: ada.user });
    let (status, body) = service.post("/api/account", read).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        stored_status(&service, login.uid()).await,
        Status::LoggedOut,
        "what the disable logged out stays logged out"
    );
    let (ok, _, err) = admin(&url, &["user", "enable", "ada"]);
    assert!(!ok && err.contains("not disabled"), "{err}");
    let (ok, _, err) = admin(&url, &["user", "disable", "nobody"]);
    assert!(!ok && err.contains("no user named"), "{err}");

    // The operator's actions are in the audit log, as the operator's.
    let audit = admin_json(&url, &["audit", "--user", "ada"]);
    let by_admin: Vec<(&str, &str)> = audit
        .iter()
        .filter(|row| row["actor"] == "admin")
        .map(|row| {
            (
                row["subject"].as_str().unwrap(),
                row["action"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        by_admin,
        [
            ("user", "add"),
            ("user", "disable"),
            ("session", "logout"),
            ("session", "logout"),
            ("user", "enable"),
        ],
        "{audit:?}"
    );
}
