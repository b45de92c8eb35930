//! Requester text shown to the approver (the login message, and the
//! username, hostname and scope a service may send) never reaches the
//! terminal with bidirectional, zero-width or other invisible characters
//! raw (U+202E, U+200B, U+2066, tag characters ...): shown escaped where
//! the core accepts the text, refused as an unreadable answer where it
//! does not.

use countersign_core::api::ApprovalView;
use countersign_core::{Keypair, LoginRequest, LoginSession, TokenSet, Username, uid_from_random};
use serde_json::{Value, json};

use crate::common::{FakeService, Home, Run};

/// The invisible characters used here, and how the approver sees each.
const INVISIBLE: [(char, &str); 5] = [
    ('\u{202e}', "\\u{202e}"),
    ('\u{200b}', "\\u{200b}"),
    ('\u{2066}', "\\u{2066}"),
    ('\u{2069}', "\\u{2069}"),
    ('\u{e0041}', "\\u{e0041}"),
];

/// A fake service whose approval page shows a pending login of `ada`
/// changed by `patch` (on its JSON), with the details digest of what it
/// then shows if the core reads that; everything else is 503.
fn showing(patch: impl Fn(&mut Value)) -> FakeService {
    let request = LoginRequest {
        username: Username::new("ada").unwrap(),
        public_key: Keypair::from_seed(&[1; 32]).public_key(),
        public_cert: Keypair::from_seed(&[2; 32]).public_key(),
        hostname: Some("build-01".into()),
        login_message: Some("deploy".into()),
        scope: TokenSet::new("scope", ["files:read"]).unwrap(),
        permissions: TokenSet::empty(),
    };
    let now = countersign_server::clock::Clock::system().now();
    let session = LoginSession::request(
        request,
        uid_from_random([7; 16]),
        "192.0.2.7".parse().unwrap(),
        now,
        chrono::TimeDelta::seconds(60),
    )
    .unwrap();
    let fingerprint = |key: Option<&countersign_core::PublicKey>| key.map(|k| k.fingerprint());
    let mut view = json!(ApprovalView {
        details_digest: session.details_digest(),
        public_key_fingerprint: fingerprint(session.public_key()),
        public_certificate_fingerprint: fingerprint(session.public_cert()),
        session,
    });
    patch(&mut view["session"]);
    if let Ok(shown) = serde_json::from_value::<LoginSession>(view["session"].clone()) {
        view["details_digest"] = json!(shown.details_digest());
    }
    let body = view.to_string();
    FakeService::start(move |method, path, _| {
        if method == "GET" && path.starts_with("/api/approvals/") {
            (200, body.clone())
        } else {
            (503, String::new())
        }
    })
}

/// Runs `deny` on the fake's login, with no terminal to confirm on (so it
/// shows the login and stops), in text or JSON mode.
fn deny(fake: &FakeService, home: &Home, json: bool) -> Run {
    let key = home.write_key(&fake.url);
    let url = format!("{}/s?id={}", fake.url, short_of_uid_7());
    let mut args = vec!["deny", &url, "--key-file", key.to_str().unwrap()];
    if json {
        args.insert(0, "--json");
    }
    home.run(&args)
}

/// The short id of the session the fake shows (uid bytes all 7).
fn short_of_uid_7() -> String {
    countersign_core::ShortUid::of(&uid_from_random([7; 16])).to_string()
}

fn assert_nothing_raw(run: &Run) {
    for (c, _) in INVISIBLE {
        assert!(
            !run.stdout.contains(c) && !run.stderr.contains(c),
            "{c:?} printed raw:\n{}\n{}",
            run.stdout.escape_debug(),
            run.stderr.escape_debug()
        );
    }
}

/// The error code of a run that failed: its JSON error line's, or read
/// from the text run's stderr.
fn failed_with(run: &Run, json: bool) -> String {
    run.assert_code(1);
    if json {
        let error = run.json_lines().into_iter().last().unwrap();
        error["error"]["code"].as_str().unwrap().to_owned()
    } else if run.stderr.contains("refusing to deny without confirmation") {
        "not_confirmed".to_owned()
    } else if run.stderr.contains("cannot read") {
        "bad_answer".to_owned()
    } else {
        run.stderr.clone()
    }
}

#[test]
fn a_login_message_with_invisible_characters_is_shown_escaped() {
    let message: String = INVISIBLE.iter().map(|(c, _)| format!("x{c}")).collect();
    let patched = message.clone();
    let fake = showing(move |session| session["login_message"] = json!(patched));
    let home = Home::new();
    for json in [false, true] {
        let run = deny(&fake, &home, json);
        assert_nothing_raw(&run);
        match failed_with(&run, json).as_str() {
            // Shown, escaped, then refused for want of a terminal to ask on.
            "not_confirmed" => {
                let shown = if json { &run.stderr } else { &run.stdout };
                let escaped: String = INVISIBLE.iter().map(|(_, e)| format!("x{e}")).collect();
                assert!(
                    shown.contains(&format!("Message:        {escaped}")),
                    "{shown}"
                );
            }
            // A core that refuses such text: the page is not shown at all.
            "bad_answer" => {}
            other => panic!("{other}"),
        }
    }
}

#[test]
fn a_hostname_scope_or_username_with_invisible_characters_is_never_shown_raw() {
    let home = Home::new();
    type Patch = fn(&mut Value);
    let cases: [(&str, Patch); 4] = [
        ("hostname", |s| s["hostname"] = json!("build\u{202e}10")),
        ("scope", |s| s["scope"] = json!(["files\u{200b}:read"])),
        ("permissions", |s| {
            s["permissions"] = json!(["\u{2066}admin"])
        }),
        ("username", |s| s["username"] = json!("ad\u{2066}a\u{2069}")),
    ];
    for (what, patch) in cases {
        let fake = showing(patch);
        for json in [false, true] {
            let run = deny(&fake, &home, json);
            assert_nothing_raw(&run);
            let code = failed_with(&run, json);
            if what == "username" {
                // Not the key's user: refused, the name shown escaped.
                assert!(
                    run.stderr.contains("ad\\u{2066}a\\u{2069}"),
                    "{}",
                    run.stderr
                );
                if json {
                    assert_eq!(code, "wrong_key");
                }
            } else {
                // The core refuses such a field: the service's answer
                // cannot be read, and nothing of it is shown.
                assert_eq!(code, "bad_answer", "{what}: {}", run.stderr);
                assert!(!run.stdout.contains("From host"), "{what}");
            }
        }
    }
}
