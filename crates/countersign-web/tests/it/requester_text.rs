//! Requester text on the approval page never holds invisible format
//! characters (a right-to-left override, a zero-width space, an isolate, a
//! tag character): a session whose message, hostname or scope holds one
//! cannot be decoded at all, and a username, which may, is shown escaped.

use countersign_core::api::ApprovalView;
use countersign_core::{Keypair, LoginRequest, LoginSession, TokenSet, Username, uid_from_random};
use countersign_web::components::session_details::{SessionDetails, SessionDetailsProps};
use wasm_bindgen_test::wasm_bindgen_test as test;
use yew::Renderer;

use crate::components::{root, settle};

const HIDDEN: [char; 5] = ['\u{202e}', '\u{200b}', '\u{2066}', '\u{e0041}', '\u{00ad}'];

fn session(username: &str) -> LoginSession {
    let request = LoginRequest {
        username: Username::new(username).unwrap(),
        public_key: Keypair::from_seed(&[1; 32]).public_key(),
        public_cert: Keypair::from_seed(&[2; 32]).public_key(),
        hostname: Some("build-01".into()),
        login_message: Some("deploy release".into()),
        scope: TokenSet::new("scope", ["files:read"]).unwrap(),
        permissions: TokenSet::empty(),
    };
    let now = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    LoginSession::request(
        request,
        uid_from_random([7; 16]),
        "192.0.2.7".parse().unwrap(),
        now,
        chrono::TimeDelta::seconds(60),
    )
    .unwrap()
}

#[test]
fn a_session_whose_text_holds_a_format_character_is_not_decoded() {
    let json = session("ada").to_json();
    assert!(LoginSession::from_json(&json).is_ok());
    for c in HIDDEN {
        for (field, plain) in [
            ("login message", "\"deploy release\""),
            ("hostname", "\"build-01\""),
            ("scope", "\"files:read\""),
        ] {
            let hidden = format!("{}{c}{}", &plain[..2], &plain[2..]);
            let patched = json.replacen(plain, &hidden, 1);
            assert_ne!(patched, json, "{field}");
            assert!(
                LoginSession::from_json(&patched).is_err(),
                "{field} with {c:?} was decoded"
            );
        }
    }
}

#[test]
async fn a_username_with_format_characters_is_shown_escaped() {
    let root = root();
    let session = session("ad\u{2066}a\u{202e}nimda");
    let view = ApprovalView {
        details_digest: session.details_digest(),
        public_key_fingerprint: session.public_key().map(|k| k.fingerprint()),
        public_certificate_fingerprint: session.public_cert().map(|k| k.fingerprint()),
        session,
    };
    let props = SessionDetailsProps {
        view,
        on_expired: yew::Callback::noop(),
    };
    Renderer::<SessionDetails>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let text = root.text_content().unwrap();
    for c in HIDDEN {
        assert!(!text.contains(c), "{c:?} shown raw in {text:?}");
    }
    let name = root.query_selector("dd strong").unwrap().unwrap();
    assert_eq!(name.text_content().unwrap(), "ad\\u{2066}a\\u{202e}nimda");
    assert!(text.contains("deploy release"), "{text}");
}
