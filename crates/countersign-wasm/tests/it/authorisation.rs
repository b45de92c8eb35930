//! Authorisations as JavaScript sees them, without a service: a token read
//! bare or from its header, every refusal with its code, and the argument
//! checks of `verifyAuthorisation` and `SessionWatch.start`. (Signing with
//! `Login.authorise` and verifying with a live watch need a service: the
//! Node tests in tests/js do those.)

use chrono::{DateTime, Utc};
use countersign_core::client::WatchError;
use countersign_core::{Authorisation, AuthorisationError, Keypair, uid_from_random};
use countersign_wasm::{
    CountersignError, Failure, SessionWatch, parse_authorisation, verify_authorisation,
};
use js_sys::{JSON, Reflect};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

/// 2027-01-15T08:00:00Z.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_800_000_000_000).unwrap()
}

fn token() -> String {
    Authorisation::new(
        uid_from_random([7; 16]),
        uid_from_random([9; 16]),
        "https://cs.example/",
        "GET https://api.example/v1/files",
        Some(b"{}"),
        now(),
        [5; 16],
    )
    .unwrap()
    .sign(&Keypair::from_seed(&[2; 32]))
    .to_token()
}

fn get(object: &JsValue, key: &str) -> JsValue {
    Reflect::get(object, &JsValue::from_str(key)).unwrap()
}

fn code_of(error: JsValue) -> String {
    get(&error, "code").as_string().unwrap()
}

#[test]
fn a_token_is_read_bare_or_from_its_header_without_any_check() {
    let token = token();
    for given in [
        token.clone(),
        format!("Countersign {token}"),
        format!(" countersign \t{token} "),
    ] {
        let info = parse_authorisation(&given).unwrap();
        let text = |key| get(&info, key).as_string();
        assert_eq!(
            text("sessionUid"),
            Some(uid_from_random([7; 16]).to_string())
        );
        assert_eq!(text("userUid"), Some(uid_from_random([9; 16]).to_string()));
        assert_eq!(text("service").as_deref(), Some("https://cs.example"));
        assert_eq!(
            text("resource").as_deref(),
            Some("GET https://api.example/v1/files")
        );
        assert_eq!(text("nonce").as_deref(), Some("BQUFBQUFBQUFBQUFBQUFBQ"));
        assert_eq!(text("bodySha256").map(|d| d.len()), Some(43));
        assert_eq!(get(&info, "signedAtMs").as_f64(), Some(1_800_000_000_000.0));
    }
}

#[test]
fn a_malformed_token_or_header_is_bad_token() {
    let token = token();
    for bad in [
        String::new(),
        "x.y".to_owned(),
        format!("Bearer {token}"),
        format!("{token}x"),
        token.replacen('.', "", 1),
    ] {
        let error = parse_authorisation(&bad).unwrap_err();
        assert_eq!(
            error.code_str(),
            "bad_token",
            "{bad:?}: {}",
            error.message_str()
        );
    }
}

/// The code the error `error` becomes.
fn code(error: impl Into<CountersignError>) -> String {
    error.into().code_str().to_owned()
}

#[test]
fn every_refusal_has_the_services_code_and_a_silent_service_its_own() {
    use AuthorisationError as E;
    let cases = [
        (E::BadToken("x"), "bad_token"),
        (E::BadResource("x"), "bad_resource"),
        (E::BadService, "bad_service"),
        (E::BadSignature, "bad_signature"),
        (E::Stale(now()), "stale"),
        (E::FromTheFuture(now()), "stale"),
        (E::WrongService, "wrong_service"),
        (E::WrongResource, "wrong_resource"),
        (E::WrongBody, "wrong_body"),
        (E::WrongSession, "wrong_session"),
        (E::WrongUser, "wrong_user"),
        (E::SessionNotApproved, "session_not_approved"),
        (E::LoggedOut, "logged_out"),
        (E::Suspicious, "suspicious"),
        (E::Expired, "expired"),
        (E::SessionClosed, "session_closed"),
    ];
    for (error, expected) in cases {
        assert_eq!(code(WatchError::Refused(error.clone())), expected);
        assert_eq!(code(error), expected);
    }
    assert_eq!(
        code(WatchError::OutOfTouch { since: now() }),
        "out_of_touch"
    );
    assert_eq!(code(Failure::AlreadyUsed), "already_used");
}

async fn verify_error(token: &str, options: &str) -> String {
    let options = JSON::parse(options).unwrap();
    code_of(
        verify_authorisation(token.to_owned(), options)
            .await
            .unwrap_err(),
    )
}

#[test]
async fn verify_authorisation_needs_a_watch_or_a_server_and_reads_the_token_first() {
    let token = token();
    let resource = r#""resource":"GET https://api.example/v1/files""#;
    assert_eq!(
        verify_error(&token, &format!("{{{resource}}}")).await,
        "bad_argument",
        "neither a watch nor a server"
    );
    assert_eq!(
        verify_error(
            &token,
            &format!(r#"{{{resource},"server":"http://127.0.0.1:9","watch":{{}}}}"#)
        )
        .await,
        "bad_argument",
        "both"
    );
    assert_eq!(
        verify_error(&token, &format!(r#"{{{resource},"watch":{{}}}}"#)).await,
        "bad_argument",
        "a watch that is not one"
    );
    assert_eq!(
        verify_error(&token, &format!(r#"{{{resource},"sever":"x"}}"#)).await,
        "bad_argument",
        "a misspelt option"
    );
    assert_eq!(
        verify_error(
            "x.y",
            &format!(r#"{{{resource},"server":"http://127.0.0.1:9"}}"#)
        )
        .await,
        "bad_token",
        "refused before the unreachable service is asked"
    );
    assert_eq!(
        verify_error(
            &token,
            &format!(r#"{{{resource},"server":"http://127.0.0.1:9"}}"#)
        )
        .await,
        "network"
    );
}

#[test]
async fn a_watch_starts_only_on_a_session_the_service_answers_for() {
    let start = |options: &str| SessionWatch::start(JSON::parse(options).unwrap());
    let error = |result: Result<SessionWatch, CountersignError>| match result {
        Ok(_) => panic!("the watch started"),
        Err(error) => error.code_str().to_owned(),
    };
    assert_eq!(
        error(start(r#"{"server":"http://127.0.0.1:9"}"#).await),
        "bad_argument"
    );
    assert_eq!(
        error(start(r#"{"server":"http://127.0.0.1:9","sessionUid":"nope"}"#).await),
        "bad_uid"
    );
    let uid = uid_from_random([7; 16]);
    assert_eq!(
        error(
            start(&format!(
                r#"{{"server":"http://127.0.0.1:9","sessionUid":"{uid}"}}"#
            ))
            .await
        ),
        "network"
    );
}
