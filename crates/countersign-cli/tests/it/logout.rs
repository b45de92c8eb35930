//! Logging out kept sessions: which one, and one that is already closed.

use crate::common::{Home, Service, approved};
use countersign_core::{Claim, Keypair, LoginSession, Signer, Statement};
use serde_json::Value;

#[test]
fn logout_without_a_session_names_the_choices_and_with_one_takes_it() {
    let service = Service::start();
    let home = Home::new();
    let none = home.run(&["logout"]);
    none.assert_code(1);
    assert!(
        none.stderr.contains("no session is kept"),
        "{}",
        none.stderr
    );

    let key = home.enroll(&service.add_user("ada"), "laptop");
    let (first, _) = approved(&service, &home, &key);
    let (second, second_uid) = approved(&service, &home, &key);

    let which = home.run(&["logout"]);
    which.assert_code(1);
    assert!(
        which.stderr.contains("2 sessions are kept"),
        "{}",
        which.stderr
    );
    assert!(
        which.stderr.contains(&first) && which.stderr.contains(&second),
        "{}",
        which.stderr
    );
    let unknown = home.run(&["logout", "00.00.00.00"]);
    unknown.assert_code(1);
    assert!(unknown.stderr.contains(&first), "{}", unknown.stderr);
    assert_eq!(home.kept().len(), 2);

    home.run(&["logout", &second_uid]).assert_code(0);
    assert_eq!(home.kept().len(), 1);
    let only = home.run(&["logout"]);
    only.assert_code(0);
    assert!(
        only.stdout.contains(&format!("Logged out session {first}")),
        "{}",
        only.stdout
    );
    assert!(home.kept().is_empty());
}

#[test]
fn a_session_already_closed_is_forgotten_and_said_so() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let (short, uid) = approved(&service, &home, &key);

    // The approver logs the session out from their device meanwhile.
    let device: Value = serde_json::from_str(&std::fs::read_to_string(&key).unwrap()).unwrap();
    let seed = base64_seed(device["secret"].as_str().unwrap());
    let uid: uuid::Uuid = uid.parse().unwrap();
    let session: LoginSession = service
        .block_on(service.state.store.session(uid))
        .unwrap()
        .unwrap()
        .session;
    let claim = Claim::Logout {
        session: uid,
        details: session.details_digest().unwrap(),
    };
    let signer = Signer::Device(device["device_uid"].as_str().unwrap().parse().unwrap());
    let signed = Statement::new(
        claim,
        countersign_core::ServiceUrl::parse(&service.url).unwrap(),
        signer,
        countersign_server::clock::Clock::system().now(),
    )
    .sign(&Keypair::from_seed(&seed));
    service
        .block_on(countersign_server::ops::decide::act(
            &service.state,
            uid,
            &signed,
            "127.0.0.1".parse().unwrap(),
        ))
        .unwrap();

    let status = home.run(&["--json", "status"]);
    assert_eq!(status.assert_code(0).json()["status"], "logged_out");
    let logout = home.run(&["logout"]);
    logout.assert_code(0);
    assert!(
        logout
            .stdout
            .contains(&format!("Session {short} was already logged_out")),
        "{}",
        logout.stdout
    );
    assert!(home.kept().is_empty());
}

fn base64_seed(text: &str) -> [u8; 32] {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap();
    bytes.try_into().unwrap()
}

#[test]
fn status_says_which_sessions_it_cannot_read() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let (short, _) = approved(&service, &home, &key);
    drop(service);

    let status = home.run(&["--json", "status"]);
    let line = status.assert_code(1).json();
    assert_eq!(line["short_uid"], short.as_str());
    assert_eq!(line["status"], Value::Null);
    assert_eq!(line["error"]["code"], "network");
    let text = home.run(&["status"]);
    assert!(
        text.assert_code(1).stdout.contains("unknown"),
        "{}",
        text.stdout
    );
    // Nothing is forgotten for want of an answer.
    assert_eq!(home.kept().len(), 1);
    home.run(&["logout"]).assert_code(1);
    assert_eq!(home.kept().len(), 1);
}
