//! The bindings as JavaScript sees them, in Node and in headless Chromium:
//! every error code, `LoginSession` read from the service's JSON, statements
//! built and checked offline, and the argument checks of `requestLogin`.

use chrono::{DateTime, TimeDelta, Utc};
use countersign_browser::BrowserError;
use countersign_core::api::ErrorCode;
use countersign_core::client::{LinkError, Refusal};
use countersign_core::{
    self as cs, Action, BadCode, Claim, DecodeError, EncodingError, FieldError, Freshness, Keypair,
    LoadError, SessionError, ShortUidError, Signer, StatementError, Status, TransitionError,
    UnknownStatus, UsernameError, uid_from_random,
};
use countersign_wasm::{
    CountersignError, ERROR_CODE_TYPE, Failure, LoginSession, PACKAGE_CODES, build_statement,
    request_login, verify_approval, verify_statement,
};
use js_sys::{JSON, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test as test;

/// 2027-01-15T08:00:00Z, as milliseconds.
const NOW_MS: i64 = 1_800_000_000_000;
/// The service the statements here are for.
const SERVICE: &str = "https://cs.example";

fn service_url() -> cs::ServiceUrl {
    cs::ServiceUrl::parse(SERVICE).unwrap()
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(NOW_MS).unwrap()
}

fn requester_keys() -> (Keypair, Keypair) {
    (Keypair::from_seed(&[1; 32]), Keypair::from_seed(&[2; 32]))
}

fn device_key() -> Keypair {
    Keypair::from_seed(&[3; 32])
}

fn device_uid() -> uuid::Uuid {
    uid_from_random([8; 16])
}

fn pending_session() -> cs::LoginSession {
    let (session_key, cert_key) = requester_keys();
    let request = cs::LoginRequest {
        username: cs::Username::new("ada@example.org").unwrap(),
        public_key: session_key.public_key(),
        public_cert: cert_key.public_key(),
        hostname: Some("build-01".into()),
        login_message: Some("deploy to staging".into()),
        scope: cs::TokenSet::parse_list("scope", "deploy read").unwrap(),
        permissions: cs::TokenSet::empty(),
    };
    cs::LoginSession::request(
        request,
        uid_from_random([7; 16]),
        "192.0.2.7".parse().unwrap(),
        now(),
        cs::DEFAULT_TTL,
    )
    .unwrap()
}

fn approval_claim(session: &cs::LoginSession) -> Claim {
    Claim::Approve {
        session: session.uid(),
        details: session.details_digest().unwrap(),
        code: cs::VerificationCode::new(42).unwrap(),
    }
}

/// The error `error` becomes has `code`, one of the declared union.
fn check(error: impl Into<CountersignError>, code: &str) {
    let error = error.into();
    assert_eq!(error.code_str(), code, "{}", error.message_str());
    assert!(!error.message_str().is_empty(), "{code} has no message");
    assert!(
        declared_codes().iter().any(|declared| declared == code),
        "{code} is not in the ErrorCode union"
    );
}

#[test]
fn every_core_error_has_its_code() {
    let then = now();
    check(ShortUidError::Empty, "bad_short_uid");
    check(ShortUidError::Malformed, "bad_short_uid");
    check(ShortUidError::NotLoginUrl, "bad_short_uid");
    check(UsernameError::Empty, "bad_field");
    check(UsernameError::TooLong, "bad_field");
    check(UsernameError::ControlCharacter, "bad_field");
    check(UsernameError::SurroundingBlank, "bad_field");
    let field = "scope";
    check(
        FieldError::BadToken {
            field,
            token: "a b".into(),
        },
        "bad_field",
    );
    check(FieldError::TooManyTokens { field }, "bad_field");
    check(FieldError::TooLong { field, max: 3 }, "bad_field");
    check(FieldError::Empty { field }, "bad_field");
    check(FieldError::ControlCharacter { field }, "bad_field");
    check(FieldError::BadHostname, "bad_field");
    check(EncodingError::NotBase64 { what: "key" }, "bad_field");
    check(
        EncodingError::Length {
            what: "key",
            expected: 32,
            got: 3,
        },
        "bad_field",
    );
    check(EncodingError::InvalidKey, "bad_field");
    check(StatementError::BadSignature, "bad_signature");
    check(StatementError::Stale(then), "stale_statement");
    check(StatementError::FromTheFuture(then), "future_statement");
    check(StatementError::WrongSession, "wrong_session");
    check(StatementError::DetailsChanged, "details_changed");
    check(StatementError::WrongCode, "wrong_code");
    check(StatementError::WrongSigner, "wrong_signer");
    check(StatementError::NotAboutASession, "not_about_a_session");
    check(StatementError::SessionClosed, "session_closed");
    let refused = TransitionError {
        from: Status::Denied,
        action: Action::Approve,
    };
    check(refused, "transition_refused");
    check(SessionError::Transition(refused), "transition_refused");
    check(SessionError::Expired(then), "expired");
    check(SessionError::NotYetExpired(then), "transition_refused");
    check(SessionError::ProofMismatch, "wrong_statement");
    check(SessionError::Field(FieldError::BadHostname), "bad_field");
    check(SessionError::BadLifetime, "bad_lifetime");
    check(LoadError::NotFound, "not_found");
    check(LoadError::NotGranted, "not_granted");
    check(LoadError::Ambiguous(2), "ambiguous");
    check(DecodeError::Json("eof".into()), "bad_json");
    check(DecodeError::Field(FieldError::BadHostname), "bad_field");
    check(DecodeError::Inconsistent("no"), "bad_field");
    check(BadCode(7), "bad_field");
    check(UnknownStatus("nope".into()), "bad_query");
    check(LinkError::NoScheme, "bad_field");
    check(
        LinkError::ShortUid(ShortUidError::Malformed),
        "bad_short_uid",
    );
}

/// The codes in the `ErrorCode` union of the declarations, in order.
fn declared_codes() -> Vec<String> {
    let union = ERROR_CODE_TYPE
        .split_once("export type ErrorCode =")
        .and_then(|(_, rest)| rest.split_once(';'))
        .map(|(union, _)| union)
        .expect("the declarations have an ErrorCode union");
    union
        .split('|')
        .map(str::trim)
        // The union starts with a `|`.
        .filter(|member| !member.is_empty())
        .map(|member| {
            assert!(
                member.len() > 2 && member.starts_with('\'') && member.ends_with('\''),
                "not a string literal: {member:?}"
            );
            member.trim_matches('\'').to_owned()
        })
        .collect()
}

#[test]
fn the_typescript_union_lists_every_code_once() {
    let mut expected: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    expected.push(ErrorCode::Unrecognised.as_str());
    expected.extend(PACKAGE_CODES.iter().map(|c| c.as_str()));
    assert_eq!(declared_codes(), expected);
    // Apps rely on the package's own codes, in this order.
    let package = [
        "denied",
        "cancelled",
        "bad_argument",
        "bad_time",
        "not_enrollment_link",
        "not_login_url",
        "device_required",
        "no_random",
        "bad_answer",
        "network",
        "unsupported",
        "storage",
        "no_such_device",
        "invalid",
        "out_of_touch",
    ];
    assert_eq!(declared_codes()[ErrorCode::ALL.len() + 1..], package);
    // One name per code: the package adds none of the service's.
    for code in PACKAGE_CODES {
        assert!(
            code.as_str().parse::<ErrorCode>().is_err() && code.as_str() != "unrecognised",
            "{code:?} is also a service code"
        );
    }
}

#[test]
fn browser_errors_keep_their_codes_and_the_services() {
    let errors = [
        (
            BrowserError::Service(Refusal {
                status: 409,
                code: ErrorCode::TransitionRefused,
                message: "already decided".into(),
                retry_after_s: None,
            }),
            "transition_refused",
        ),
        (BrowserError::Network("down".into()), "network"),
        (BrowserError::BadAnswer("garbage".into()), "bad_answer"),
        (
            BrowserError::Unsupported("no IndexedDB".into()),
            "unsupported",
        ),
        (BrowserError::Storage("full".into()), "storage"),
        (BrowserError::NoSuchDevice, "no_such_device"),
        (
            BrowserError::Statement(StatementError::SessionClosed),
            "session_closed",
        ),
        (BrowserError::Invalid("bad".into()), "invalid"),
        (
            BrowserError::Passkey {
                name: "NotAllowedError".into(),
                message: "timed out or not allowed".into(),
            },
            "cancelled",
        ),
    ];
    for (error, expected) in errors {
        let message = error.to_string();
        let converted = CountersignError::from(error);
        assert_eq!(converted.code_str(), expected);
        assert_eq!(converted.message_str(), message);
    }
    check(BrowserError::NoSuchDevice, "no_such_device");
    let newer = BrowserError::Service(Refusal {
        status: 418,
        code: ErrorCode::Unrecognised,
        message: "from a newer service".into(),
        retry_after_s: None,
    });
    check(newer, "unrecognised");
}

#[test]
fn every_failure_of_the_package_has_its_code() {
    check(Failure::Denied, "denied");
    check(Failure::Suspicious, "suspicious");
    check(Failure::Expired, "expired");
    check(Failure::LoggedOut, "logged_out");
    check(Failure::Cancelled, "cancelled");
    check(Failure::BadArgument("x".into()), "bad_argument");
    check(Failure::BadUid("x".into()), "bad_uid");
    check(Failure::BadTime, "bad_time");
    check(
        Failure::NotEnrollmentLink(LinkError::NotEnrollmentLink),
        "not_enrollment_link",
    );
    check(
        Failure::NotLoginUrl(LinkError::NotLoginLink),
        "not_login_url",
    );
    check(Failure::DeviceRequired, "device_required");
    check(Failure::NoRandom("x".into()), "no_random");
    check(Failure::BadAnswer("x".into()), "bad_answer");
}

#[test]
fn the_error_is_an_error_with_a_readable_code() {
    let error = JsValue::from(CountersignError::new("denied".into(), "no".into()));
    assert!(error.is_instance_of::<js_sys::Error>());
    let read = |key: &str| Reflect::get(&error, &JsValue::from_str(key)).unwrap();
    assert_eq!(read("code").as_string().as_deref(), Some("denied"));
    assert_eq!(read("message").as_string().as_deref(), Some("no"));
    assert_eq!(
        read("name").as_string().as_deref(),
        Some("CountersignError")
    );
    let shown = js_sys::Error::from(error).to_string();
    assert_eq!(String::from(shown), "CountersignError [denied]: no");
}

/// As JavaScript sees the session: its data are getters, and the seed's
/// names are methods that give the same values.
fn check_seed_names(session: &LoginSession) {
    let js = JsValue::from(session.clone());
    let get = |name: &str| Reflect::get(&js, &JsValue::from_str(name)).unwrap();
    let call = |name: &str, args: &[JsValue]| {
        let method: js_sys::Function = get(name).dyn_into().expect(name);
        let args: js_sys::Array = args.iter().collect();
        method.apply(&js, &args).unwrap()
    };
    let pairs = [
        ("shortUid", "short_uid"),
        ("encodedUsername", "encoded_username"),
        ("requestSource", "request_source"),
        ("deviceUid", "device_uid"),
        ("loginTimeMs", "login_time"),
        ("logoutTimeMs", "logout_time"),
    ];
    for (getter, seed) in pairs {
        assert!(
            !get(getter).is_function(),
            "{getter} is a getter, not a method"
        );
        assert_eq!(get(getter), call(seed, &[]), "{seed}() is {getter}");
    }
    assert_eq!(get("shortUid").as_string(), Some(session.short_uid()));
    let base = JsValue::from_str("https://cs.example");
    assert_eq!(
        call("login_url", std::slice::from_ref(&base)),
        call("loginUrl", &[base])
    );
}

#[test]
fn a_session_denied_for_a_wrong_code_gives_its_reason() {
    let mut json = pending_session().to_json_value();
    json["status"] = "denied".into();
    json["public_key"] = serde_json::Value::Null;
    json["public_certificate"] = serde_json::Value::Null;
    json["deny_reason"] = "wrong_code".into();
    let session = LoginSession::from_json(JsValue::from_str(&json.to_string())).unwrap();
    assert_eq!(session.deny_reason().as_deref(), Some("wrong_code"));
}

#[test]
fn a_session_reads_from_json_text_and_objects_with_the_seeds_operations() {
    let core = pending_session();
    let text = core.to_json();
    let from_text = LoginSession::from_json(JsValue::from_str(&text)).unwrap();
    let from_object = LoginSession::from_json(JSON::parse(&text).unwrap()).unwrap();
    assert_eq!(from_text, from_object);
    let session = from_text;
    assert_eq!(session.uid(), core.uid().to_string());
    assert_eq!(session.short_uid(), core.short_uid().to_string());
    assert_eq!(
        session.login_url("https://cs.example/"),
        format!("https://cs.example/s?id={}", core.short_uid())
    );
    assert_eq!(session.username(), "ada@example.org");
    assert_eq!(session.encoded_username(), core.encoded_username());
    assert_eq!(session.request_source(), "192.0.2.7");
    assert_eq!(session.status(), "pending");
    assert_eq!(session.device_uid(), None);
    assert_eq!(session.login_time_ms(), None);
    assert_eq!(session.logout_time_ms(), None);
    assert_eq!(session.requested_at_ms(), NOW_MS as f64);
    assert_eq!(session.expires_at_ms(), (NOW_MS + 600_000) as f64);
    assert_eq!(
        session.scope(),
        vec!["deploy".to_owned(), "read".to_owned()]
    );
    assert!(session.granted_scope().is_empty(), "nothing is granted yet");
    assert_eq!(session.hostname().as_deref(), Some("build-01"));
    assert_eq!(
        session.login_message().as_deref(),
        Some("deploy to staging")
    );
    assert_eq!(session.deny_reason(), None, "a pending session");
    check_seed_names(&session);
    assert_eq!(
        session.status_at((NOW_MS + 600_000) as f64).unwrap(),
        "expired"
    );
    // toJSON gives the service's JSON back.
    let again = JSON::stringify(&session.to_json()).unwrap();
    assert_eq!(
        cs::LoginSession::from_json(&String::from(again)).unwrap(),
        core
    );
}

#[test]
fn an_approved_session_has_its_device_and_login_time() {
    let mut core = pending_session();
    let signer = Signer::Device(device_uid());
    let signed =
        cs::Statement::new(approval_claim(&core), service_url(), signer, now()).sign(&device_key());
    let proof = core
        .verify_device(
            &signed,
            &device_key().public_key(),
            &service_url(),
            now(),
            Freshness::default(),
        )
        .unwrap();
    let later = now() + TimeDelta::seconds(5);
    core.set_approved(
        uid_from_random([9; 16]),
        &proof,
        later,
        cs::DEFAULT_LOGIN_LIFETIME,
    )
    .unwrap();
    let session = LoginSession::from_json(JsValue::from_str(&core.to_json())).unwrap();
    assert_eq!(session.status(), "approved");
    assert_eq!(session.device_uid(), Some(device_uid().to_string()));
    assert_eq!(session.login_time_ms(), Some((NOW_MS + 5_000) as f64));
    assert_eq!(session.granted_scope(), session.scope());
    check_seed_names(&session);
}

#[test]
fn malformed_or_inconsistent_session_json_is_refused_with_a_code() {
    let code = |json: &str| {
        LoginSession::from_json(JsValue::from_str(json))
            .unwrap_err()
            .code_str()
            .to_owned()
    };
    assert_eq!(code("{"), "bad_json");
    assert_eq!(code("{}"), "bad_json");
    let mut value: serde_json::Value = serde_json::from_str(&pending_session().to_json()).unwrap();
    value["status"] = "logged_out".into();
    assert_eq!(code(&value.to_string()), "bad_field");
    let not_json = LoginSession::from_json(JsValue::from_f64(3.0)).unwrap_err();
    assert_eq!(not_json.code_str(), "bad_argument");
}

/// Signs a statement built by the bindings with `key`, as an app holding
/// the key elsewhere would, and returns the signed JSON object.
fn signed_by(key: &Keypair, claim: &Claim, signer: &str, at: DateTime<Utc>) -> JsValue {
    let claim = JSON::parse(&serde_json::to_string(claim).unwrap()).unwrap();
    let statement = build_statement(claim, SERVICE, signer, at.timestamp_millis() as f64).unwrap();
    let signature = key.sign_bytes(&statement.bytes().to_vec());
    statement
        .with_signature(Uint8Array::from(signature.to_bytes().as_slice()).into())
        .unwrap()
}

#[test]
fn statements_built_here_have_the_cores_bytes() {
    let session = pending_session();
    let claim = approval_claim(&session);
    let uid = device_uid().to_string();
    let built = build_statement(
        JsValue::from_str(&serde_json::to_string(&claim).unwrap()),
        "HTTPS://CS.Example:443/",
        &uid,
        NOW_MS as f64,
    )
    .unwrap();
    let core = cs::Statement::new(claim, service_url(), Signer::Device(device_uid()), now());
    assert_eq!(built.bytes().to_vec(), core.canonical_bytes());
    assert_eq!(built.action(), "approve");
    assert_eq!(built.service(), SERVICE, "in its normal form");
    assert_eq!(built.signed_at_ms(), NOW_MS as f64);
    // A signature in the text encoding works as well as bytes.
    let text = device_key().sign_bytes(&core.canonical_bytes()).to_text();
    let signed = built.with_signature(JsValue::from_str(&text)).unwrap();
    assert!(verify_statement(signed, &device_key().public_key().to_text()).unwrap());

    let bad = |claim: &str, signer: &str, at: f64| {
        build_statement(JsValue::from_str(claim), SERVICE, signer, at)
            .unwrap_err()
            .code_str()
            .to_owned()
    };
    assert_eq!(bad(r#"{"action":"fly"}"#, &uid, 0.0), "bad_json");
    assert_eq!(
        bad(r#"{"action":"read_account","user":"x"}"#, &uid, 0.0),
        "bad_json"
    );
    let account = serde_json::json!({"action": "read_account", "user": uid}).to_string();
    assert_eq!(bad(&account, "someone", 0.0), "bad_uid");
    assert_eq!(bad(&account, "requester", f64::NAN), "bad_time");
    let short = built.with_signature(Uint8Array::new_with_length(3).into());
    assert_eq!(short.unwrap_err().code_str(), "bad_field");
    let nowhere = build_statement(JsValue::from_str(&account), "ftp://x", "requester", 0.0);
    assert_eq!(nowhere.unwrap_err().code_str(), "bad_field");
}

#[test]
fn statements_verify_offline_with_the_right_key_only() {
    let session = pending_session();
    let signed = signed_by(
        &device_key(),
        &approval_claim(&session),
        &device_uid().to_string(),
        now(),
    );
    let right = device_key().public_key().to_text();
    let wrong = Keypair::from_seed(&[4; 32]).public_key().to_text();
    assert!(verify_statement(signed.clone(), &right).unwrap());
    assert!(!verify_statement(signed.clone(), &wrong).unwrap());
    assert_eq!(
        verify_statement(signed, "not a key")
            .unwrap_err()
            .code_str(),
        "bad_field"
    );
}

#[test]
fn approvals_verify_offline_as_the_service_checks_them() {
    let session = pending_session();
    let json = JsValue::from_str(&session.to_json());
    let key = device_key().public_key().to_text();
    let uid = device_uid().to_string();
    let signed = signed_by(&device_key(), &approval_claim(&session), &uid, now());
    let answer =
        verify_approval(json.clone(), signed.clone(), &key, SERVICE, NOW_MS as f64).unwrap();
    let read = |key: &str| Reflect::get(&answer, &JsValue::from_str(key)).unwrap();
    assert_eq!(read("action").as_string().as_deref(), Some("approve"));
    assert_eq!(read("deviceUid").as_string(), Some(uid.clone()));
    assert_eq!(read("signedAtMs").as_f64(), Some(NOW_MS as f64));

    let code_for = |signed: JsValue, key: &str, service: &str, at_ms: i64| {
        verify_approval(json.clone(), signed, key, service, at_ms as f64)
            .unwrap_err()
            .code_str()
            .to_owned()
    };
    let code = |signed: JsValue, key: &str, at_ms: i64| code_for(signed, key, SERVICE, at_ms);
    assert_eq!(
        code_for(signed.clone(), &key, "https://other.example", NOW_MS),
        "wrong_service"
    );
    let other = Keypair::from_seed(&[4; 32]).public_key().to_text();
    assert_eq!(code(signed.clone(), &other, NOW_MS), "bad_signature");
    assert_eq!(
        code(signed.clone(), &key, NOW_MS + 3_600_000),
        "stale_statement"
    );
    assert_eq!(code(signed, &key, NOW_MS - 3_600_000), "future_statement");
    let by_requester = signed_by(&device_key(), &approval_claim(&session), "requester", now());
    assert_eq!(code(by_requester, &key, NOW_MS), "wrong_signer");
}

async fn request_error(options: JsValue) -> String {
    match request_login(options).await {
        Ok(_) => panic!("the request was accepted"),
        Err(error) => error.code_str().to_owned(),
    }
}

fn object(json: &str) -> JsValue {
    JSON::parse(json).unwrap()
}

#[test]
async fn request_login_checks_its_arguments_before_asking() {
    assert_eq!(
        request_error(JsValue::from_str("ada")).await,
        "bad_argument"
    );
    assert_eq!(
        request_error(object(r#"{"server":"http://127.0.0.1:9"}"#)).await,
        "bad_argument"
    );
    assert_eq!(
        request_error(object(
            r#"{"server":"http://127.0.0.1:9","username":"ada","mesage":"x"}"#
        ))
        .await,
        "bad_argument",
        "a misspelt option is an error"
    );
    assert_eq!(
        request_error(object(
            r#"{"server":"http://127.0.0.1:9","username":" ada"}"#
        ))
        .await,
        "bad_field"
    );
    assert_eq!(
        request_error(object(
            r#"{"server":"http://127.0.0.1:9","username":"ada","scope":["a b"]}"#
        ))
        .await,
        "bad_field"
    );
    assert_eq!(
        request_error(object(
            r#"{"server":"http://127.0.0.1:9","username":"ada","hostname":"a/b"}"#
        ))
        .await,
        "bad_field"
    );
    assert_eq!(
        request_error(object(
            r#"{"server":"http://127.0.0.1:9","username":"ada","scope":7}"#
        ))
        .await,
        "bad_argument"
    );
}

#[test]
async fn request_login_reports_an_unreachable_service_as_network() {
    let options = object(r#"{"server":"http://127.0.0.1:9","username":"ada","scope":"a, b"}"#);
    assert_eq!(request_error(options).await, "network");
}
