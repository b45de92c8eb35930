//! The whole flow by the command line alone: enroll a device, ask for a
//! login in one process, approve it from another, see it kept, log it out.

use crate::common::{Home, Service, mode};
use serde_json::Value;

#[test]
fn a_login_asked_approved_kept_and_logged_out_by_the_command_line() {
    let service = Service::start();
    let link = service.add_user("ada");
    let home = Home::new();

    // Enroll: the key file is owner-only, in an owner-only directory.
    let key = home.dir.join("keys").join("laptop.json");
    let key_arg = key.to_str().unwrap();
    let enrolled = home.run(&[
        "--json",
        "device",
        "enroll",
        &link,
        "--key-file",
        key_arg,
        "--name",
        "laptop",
    ]);
    let enrolled = enrolled.assert_code(0).json();
    assert_eq!(enrolled["username"], "ada");
    assert_eq!(enrolled["name"], "laptop");
    assert_eq!(enrolled["server"], service.url.as_str());
    assert_eq!(mode(&key), 0o600);
    assert_eq!(mode(key.parent().unwrap()), 0o700);
    let key_json: Value = serde_json::from_str(&std::fs::read_to_string(&key).unwrap()).unwrap();
    assert_eq!(key_json["device_uid"], enrolled["device_uid"]);
    assert_eq!(key_json["secret"].as_str().unwrap().len(), 43);

    // Ask: the first line comes at once, while the command waits.
    let mut login = home.login(
        &service.url,
        "ada",
        &[
            "--message",
            "deploy to staging",
            "--scope",
            "deploy, audit",
            "--permissions",
            "read write",
        ],
    );
    let first = login.requested.clone();
    assert_eq!(first["event"], "requested");
    assert!(first.get("status").is_none(), "{first}");
    let short = login.short_uid();
    assert_eq!(login.url(), format!("{}/s?id={short}", service.url));
    assert!(login.uid().starts_with(&short.replace('.', "")));
    assert!(first["expires_at"].as_str().unwrap().ends_with('Z'));
    assert!((10..=99).contains(&login.code()));
    assert!(login.is_waiting());
    assert!(home.kept().is_empty(), "nothing is kept before approval");

    // Approve from another process, as a script would.
    let code = login.code().to_string();
    let approved = home.run(&[
        "--json",
        "approve",
        &login.url(),
        "--key-file",
        key_arg,
        "--code",
        &code,
        "--yes",
    ]);
    let approved = approved.assert_code(0).json();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["action"], "approve");
    assert_eq!(approved["username"], "ada");
    assert_eq!(approved["login_message"], "deploy to staging");
    assert_eq!(approved["scope"], serde_json::json!(["audit", "deploy"]));
    assert_eq!(
        approved["permissions"],
        serde_json::json!(["read", "write"])
    );
    assert_eq!(approved["ipaddr"], "127.0.0.1");
    assert_eq!(
        approved["public_key_fingerprint"].as_str().unwrap().len(),
        22
    );

    // The waiting login is released, approved, and keeps the session.
    let uid = login.uid();
    let (code, last, _) = login.end();
    assert_eq!(code, 0, "{last}");
    assert_eq!(last["event"], "finished");
    assert_eq!(last["status"], "approved");
    let kept = home.sessions().join(format!("{uid}.json"));
    assert_eq!(last["kept"], kept.to_str().unwrap());
    assert_eq!(
        home.kept(),
        vec![kept.clone()],
        "one file, no temporary left"
    );
    assert_eq!(mode(&kept), 0o600);
    assert_eq!(mode(&home.sessions()), 0o700);
    assert_eq!(mode(home.sessions().parent().unwrap()), 0o700);
    let kept_json: Value = serde_json::from_str(&std::fs::read_to_string(&kept).unwrap()).unwrap();
    assert_eq!(kept_json["uid"], uid.as_str());
    assert_eq!(kept_json["server"], service.url.as_str());
    assert_eq!(kept_json["username"], "ada");
    assert_ne!(kept_json["key_secret"], kept_json["cert_secret"]);

    // Status, as text and as JSON.
    let status = home.run(&["--json", "status"]);
    let line = status.assert_code(0).json();
    assert_eq!(line["uid"], uid.as_str());
    assert_eq!(line["status"], "approved");
    let text = home.run(&["status"]);
    text.assert_code(0);
    assert!(
        text.stdout.contains(&short) && text.stdout.contains("approved"),
        "{}",
        text.stdout
    );

    // Log out by short id: signed by the session's key; the keys are gone.
    let logout = home.run(&["--json", "logout", &short]);
    let line = logout.assert_code(0).json();
    assert_eq!(line["status"], "logged_out");
    assert_eq!(line["already_final"], false);
    assert!(home.kept().is_empty());
    let stored = service
        .block_on(service.state.store.session(uid.parse().unwrap()))
        .unwrap()
        .unwrap();
    assert!(stored.session.is_logged_out());
    let text = home.run(&["status"]);
    assert!(
        text.assert_code(0).stdout.contains("No sessions are kept"),
        "{}",
        text.stdout
    );
}

#[test]
fn help_documents_the_exit_codes() {
    let home = Home::new();
    for args in [
        vec!["--help"],
        vec!["login", "--help"],
        vec!["approve", "--help"],
        vec!["sign", "--help"],
    ] {
        let run = home.run(&args);
        run.assert_code(0);
        for line in [
            "0  success",
            "1  error",
            "2  usage",
            "3  login denied",
            "4  login reported as suspicious",
            "5  login request expired",
            "130  login interrupted (Ctrl-C)",
        ] {
            assert!(
                run.stdout.contains(line),
                "{args:?} lacks {line:?}:\n{}",
                run.stdout
            );
        }
    }
    let sign = home.run(&["sign", "--help"]);
    assert!(
        sign.stdout
            .contains(r#"curl -H "$(countersign sign 'GET https://api.example/x')""#),
        "{}",
        sign.stdout
    );
    let usage = home.run(&["login"]);
    usage.assert_code(2);
}
