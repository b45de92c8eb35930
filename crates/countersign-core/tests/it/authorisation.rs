//! Authorisations: the pinned format, tokens read strictly, and every way a
//! token made for one thing must fail for another.

use crate::common::*;
use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::{
    AUTHORISATION_FORMAT, AUTHORISATION_WINDOW, Action, Authorisation, AuthorisationError,
    DEFAULT_LOGIN_LIFETIME, Expectation, Keypair, LoginSession, PublicKey, Signature,
    SignedAuthorisation, Status, body_digest, uid_from_random,
};
use proptest::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

const SERVICE: &str = "https://countersign.example";
const RESOURCE: &str = "GET https://api.example/v1/files";
const NONCE: [u8; 16] = [0xab; 16];

/// When the fixtures' approved session was approved (see `in_status`).
fn approved_at() -> DateTime<Utc> {
    t0() + TimeDelta::minutes(1)
}

/// When the tokens below are signed, and checked unless a test says.
fn signed_at() -> DateTime<Utc> {
    t0() + TimeDelta::minutes(2)
}

fn token_for(
    session: &LoginSession,
    resource: &str,
    body: Option<&[u8]>,
    at: DateTime<Utc>,
) -> SignedAuthorisation {
    Authorisation::for_session(session, SERVICE, resource, body, at, NONCE)
        .unwrap()
        .sign(&cert_key())
}

fn expect(resource: &str) -> Expectation<'_> {
    Expectation {
        service: SERVICE,
        resource,
        body: None,
    }
}

/// Verifies at `now` with the default window; the refusal's code, or "ok".
fn outcome(
    signed: &SignedAuthorisation,
    expected: &Expectation<'_>,
    session: &LoginSession,
    now: DateTime<Utc>,
) -> Result<(), &'static str> {
    signed
        .verify(expected, session, now, AUTHORISATION_WINDOW)
        .map(|_| ())
        .map_err(|e| e.code().as_str())
}

// Ed25519 is deterministic: fixed keys, session, time and nonce give fixed
// bytes. A change to any of these is a change to the wire format and breaks
// every deployed client: bump AUTHORISATION_FORMAT instead.
const PINNED_CERT_KEY: &str = "gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q";
const PINNED_BYTES: &str = "\
countersign-authorisation/1
session: 5e5e5e5e-5e5e-4e5e-9e5e-5e5e5e5e5e5e
user: e0e0e0e0-e0e0-40e0-a0e0-e0e0e0e0e0e0
service: https://countersign.example
resource: GET https://api.example/v1/files
body-sha256: -
signed-at: 2026-11-29T09:02:00.000Z
nonce: q6urq6urq6urq6urq6urqw
";
const PINNED_SIGNATURE: &str =
    "MgU4rsNgzd2IGSytUh6TA0r2n4J0smjiV5_iqXf6p3u_FEq6a5-B2vP2bVzC4a7opj9mLxMMrF1Wv6RcXtfUDA";
const PINNED_TOKEN: &str = concat!(
    "Y291bnRlcnNpZ24tYXV0aG9yaXNhdGlvbi8xCnNlc3Npb246IDVlNWU1ZTVlLTVlNWUtNGU1ZS05ZTVlLTVlNWU1",
    "ZTVlNWU1ZQp1c2VyOiBlMGUwZTBlMC1lMGUwLTQwZTAtYTBlMC1lMGUwZTBlMGUwZTAKc2VydmljZTogaHR0cHM6",
    "Ly9jb3VudGVyc2lnbi5leGFtcGxlCnJlc291cmNlOiBHRVQgaHR0cHM6Ly9hcGkuZXhhbXBsZS92MS9maWxlcwpi",
    "b2R5LXNoYTI1NjogLQpzaWduZWQtYXQ6IDIwMjYtMTEtMjlUMDk6MDI6MDAuMDAwWgpub25jZTogcTZ1cnE2dXJx",
    "NnVycTZ1cnE2dXJxdwo.MgU4rsNgzd2IGSytUh6TA0r2n4J0smjiV5_iqXf6p3u_FEq6a5-B2vP2bVzC4a7opj9m",
    "LxMMrF1Wv6RcXtfUDA",
);
const PINNED_BODY_DIGEST: &str = "c2euMKODwlc-fidHWKQUD0X7IxA4Y07MSAKY1Fh7opk";
const PINNED_BODY_SIGNATURE: &str =
    "CyAM8McXyS0V51x817PmoJ3kbTV8g5N4DqikgZentd_AdabVpj3eYDcagVqF3_3oZ7DbtO0Unk2kW8xVBAGFCA";

#[test]
fn pinned_test_vectors() {
    let session = in_status(Status::Approved);
    let signed = token_for(&session, RESOURCE, None, signed_at());
    let actual = [
        cert_key().public_key().to_text(),
        String::from_utf8(signed.authorisation.canonical_bytes()).unwrap(),
        signed.signature.to_text(),
        signed.to_token(),
    ];
    let pinned = [
        PINNED_CERT_KEY,
        PINNED_BYTES,
        PINNED_SIGNATURE,
        PINNED_TOKEN,
    ]
    .map(String::from);
    assert_eq!(actual, pinned);
    // The pinned token reads back and verifies with the pinned key alone.
    let read = SignedAuthorisation::from_token(PINNED_TOKEN).unwrap();
    assert_eq!(read, signed);
    let key = PublicKey::from_text(PINNED_CERT_KEY).unwrap();
    let signature = Signature::from_text(PINNED_SIGNATURE).unwrap();
    assert!(key.verify(PINNED_BYTES.as_bytes(), &signature));

    // With a body, only the digest line changes: the body's plain SHA-256.
    let body = br#"{"name":"report.pdf"}"#;
    let with_body = token_for(
        &session,
        "POST https://api.example/v1/files",
        Some(body),
        signed_at(),
    );
    let text = String::from_utf8(with_body.authorisation.canonical_bytes()).unwrap();
    assert_eq!(body_digest(body).to_text(), PINNED_BODY_DIGEST);
    let digest_line = format!("body-sha256: {PINNED_BODY_DIGEST}");
    assert!(text.contains(&format!("\n{digest_line}\n")), "{text}");
    assert_eq!(with_body.signature.to_text(), PINNED_BODY_SIGNATURE);
}

/// FIPS 180-2's "abc": the body digest is the standard SHA-256 on every
/// target, so relying parties in other languages compute the same one.
#[test]
fn the_body_digest_is_plain_sha_256() {
    // ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
    assert_eq!(
        body_digest(b"abc").to_text(),
        "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
    );
}

#[test]
fn canonical_bytes_hold_one_field_a_line() {
    let signed = token_for(&in_status(Status::Approved), RESOURCE, None, signed_at());
    let text = String::from_utf8(signed.authorisation.canonical_bytes()).unwrap();
    let labels: Vec<&str> = text
        .lines()
        .map(|line| line.split(':').next().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            AUTHORISATION_FORMAT,
            "session",
            "user",
            "service",
            "resource",
            "body-sha256",
            "signed-at",
            "nonce"
        ]
    );
    assert!(text.ends_with('\n'));
}

#[test]
fn a_good_token_says_who_is_asking() {
    let session = in_status(Status::Approved);
    let signed = token_for(&session, RESOURCE, None, signed_at());
    let identity = signed
        .verify(
            &expect(RESOURCE),
            &session,
            signed_at(),
            AUTHORISATION_WINDOW,
        )
        .unwrap();
    assert_eq!(identity.user_uid, user_uid());
    assert_eq!(identity.username.as_str(), "ada@example.org");
    assert_eq!(identity.session_uid, session.uid());
    assert_eq!(identity.scope, *session.scope());
    assert_eq!(identity.permissions, *session.permissions());
    assert_eq!(
        identity.login_expires_at,
        approved_at() + DEFAULT_LOGIN_LIFETIME
    );
    let json = serde_json::to_value(&identity).unwrap();
    assert_eq!(json["username"], "ada@example.org");
    assert_eq!(json["scope"], serde_json::json!(["deploy", "openid"]));
    assert_eq!(json["login_expires_at"], "2026-11-29T21:01:00Z");
}

#[test]
fn tokens_headers_and_json_round_trip() {
    let session = in_status(Status::Approved);
    let signed = token_for(&session, "deploy staging", Some(b"v4.2"), signed_at());
    let token = signed.to_token();
    assert_eq!(SignedAuthorisation::from_token(&token), Ok(signed.clone()));
    let header = signed.header_value();
    assert_eq!(header, format!("Countersign {token}"));
    for value in [
        header.clone(),
        format!("countersign {token}"),
        format!("  COUNTERSIGN \t {token} "),
    ] {
        assert_eq!(
            SignedAuthorisation::parse_header(&value),
            Ok(signed.clone()),
            "{value:.30}"
        );
    }
    let json = serde_json::to_value(&signed).unwrap();
    assert_eq!(json["authorisation"]["resource"], "deploy staging");
    assert_eq!(
        json["authorisation"]["session_uid"],
        session.uid().to_string()
    );
    assert_eq!(json["authorisation"]["nonce"], "q6urq6urq6urq6urq6urqw");
    let back: SignedAuthorisation = serde_json::from_value(json).unwrap();
    assert_eq!(back, signed);
}

#[test]
fn a_token_for_one_resource_fails_for_any_other() {
    let session = in_status(Status::Approved);
    let signed = token_for(&session, RESOURCE, None, signed_at());
    for other in [
        "GET https://api.example/v1/files/",
        "POST https://api.example/v1/files",
        "get https://api.example/v1/files",
        "GET https://api.example/v1/files?all=1",
        "deploy staging",
    ] {
        assert_eq!(
            outcome(&signed, &expect(other), &session, signed_at()),
            Err("wrong_resource"),
            "{other}"
        );
    }
}

#[test]
fn a_token_for_one_service_fails_for_any_other() {
    let session = in_status(Status::Approved);
    let signed = token_for(&session, RESOURCE, None, signed_at());
    for other in [
        "https://countersign.example.evil",
        "http://countersign.example",
        "https://other.example",
        "not a url",
    ] {
        let expected = Expectation {
            service: other,
            ..expect(RESOURCE)
        };
        assert_eq!(
            outcome(&signed, &expected, &session, signed_at()),
            Err("wrong_service"),
            "{other}"
        );
    }
    // A trailing slash names the same service.
    let slash = Expectation {
        service: "https://countersign.example/",
        ..expect(RESOURCE)
    };
    assert_eq!(outcome(&signed, &slash, &session, signed_at()), Ok(()));
}

/// An approved session like the fixtures' one, under another uid.
fn other_approved_session() -> LoginSession {
    let fresh = LoginSession::request(
        request(),
        uid_from_random([0x77; 16]),
        "198.51.100.23".parse().unwrap(),
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap();
    let mut session = fresh.clone();
    apply(&mut session, Action::Approve, approved_at(), &fresh).unwrap();
    session
}

#[test]
fn a_token_for_one_session_or_user_fails_for_any_other() {
    let session = in_status(Status::Approved);
    let other = other_approved_session();
    let signed = token_for(&session, RESOURCE, None, signed_at());
    assert_eq!(
        outcome(&signed, &expect(RESOURCE), &other, signed_at()),
        Err("wrong_session")
    );
    // Signed with the right key but naming another user.
    let stranger = Authorisation::new(
        session.uid(),
        uid_from_random([0x99; 16]),
        SERVICE,
        RESOURCE,
        None,
        signed_at(),
        NONCE,
    )
    .unwrap()
    .sign(&cert_key());
    assert_eq!(
        outcome(&stranger, &expect(RESOURCE), &session, signed_at()),
        Err("wrong_user")
    );
}

#[test]
fn a_token_for_one_body_fails_for_any_other() {
    let session = in_status(Status::Approved);
    let with_body = token_for(&session, RESOURCE, Some(b"amount=10"), signed_at());
    let without = token_for(&session, RESOURCE, None, signed_at());
    type Case<'a> = (
        &'a SignedAuthorisation,
        Option<&'a [u8]>,
        Result<(), &'a str>,
    );
    let cases: [Case<'_>; 7] = [
        (&with_body, Some(b"amount=10"), Ok(())),
        (&with_body, Some(b"amount=1000"), Err("wrong_body")),
        (&with_body, Some(b""), Err("wrong_body")),
        // The relying party may choose not to check the body.
        (&with_body, None, Ok(())),
        (&without, Some(b"amount=10"), Err("wrong_body")),
        // No body bound is the same as an empty one.
        (&without, Some(b""), Ok(())),
        (&without, None, Ok(())),
    ];
    for (signed, body, expected) in cases {
        let expectation = Expectation {
            body,
            ..expect(RESOURCE)
        };
        assert_eq!(
            outcome(signed, &expectation, &session, signed_at()),
            expected,
            "{body:?}"
        );
        // The service is sent the body's digest, never the body: the same
        // answer from it.
        let by_digest = signed
            .verify_with_body_digest(
                SERVICE,
                RESOURCE,
                body.map(body_digest),
                &session,
                signed_at(),
                AUTHORISATION_WINDOW,
            )
            .map(|_| ())
            .map_err(|e| e.code().as_str());
        assert_eq!(by_digest, expected, "{body:?} by its digest");
    }
}

#[test]
fn another_key_or_an_altered_token_is_refused() {
    let session = in_status(Status::Approved);
    let authorisation =
        Authorisation::for_session(&session, SERVICE, RESOURCE, None, signed_at(), NONCE).unwrap();
    for key in [session_key(), device_key(), Keypair::from_seed(&[66; 32])] {
        let signed = authorisation.clone().sign(&key);
        assert_eq!(
            outcome(&signed, &expect(RESOURCE), &session, signed_at()),
            Err("bad_signature")
        );
    }
    // The signature of one token on another's statement.
    let good = authorisation.sign(&cert_key());
    let mut moved = token_for(&session, "deploy staging", None, signed_at());
    moved.signature = good.signature;
    assert_eq!(
        outcome(&moved, &expect("deploy staging"), &session, signed_at()),
        Err("bad_signature")
    );
}

#[test]
fn tokens_outside_the_window_are_stale() {
    let session = in_status(Status::Approved);
    let signed = token_for(&session, RESOURCE, None, signed_at());
    let window = AUTHORISATION_WINDOW;
    assert_eq!(
        (window.max_age, window.max_skew),
        (TimeDelta::minutes(5), TimeDelta::seconds(30))
    );
    let ms = TimeDelta::milliseconds(1);
    let cases = [
        (signed_at() + window.max_age, Ok(())),
        (signed_at() + window.max_age + ms, Err("stale")),
        (signed_at() - window.max_skew, Ok(())),
        (signed_at() - window.max_skew - ms, Err("stale")),
    ];
    for (now, expected) in cases {
        assert_eq!(
            outcome(&signed, &expect(RESOURCE), &session, now),
            expected,
            "{now}"
        );
    }
    let late = signed_at() + window.max_age + ms;
    assert!(matches!(
        signed.verify(&expect(RESOURCE), &session, late, window),
        Err(AuthorisationError::Stale(_))
    ));
    let early = signed_at() - window.max_skew - ms;
    assert!(matches!(
        signed.verify(&expect(RESOURCE), &session, early, window),
        Err(AuthorisationError::FromTheFuture(_))
    ));
}

/// A token naming `session`, signed by its certificate key whether or not
/// it was approved (`for_session` would refuse to make one).
fn forced_token(session: &LoginSession, at: DateTime<Utc>) -> SignedAuthorisation {
    Authorisation::new(
        session.uid(),
        user_uid(),
        SERVICE,
        RESOURCE,
        None,
        at,
        NONCE,
    )
    .unwrap()
    .sign(&cert_key())
}

#[test]
fn a_session_not_approved_when_signed_grants_nothing() {
    for status in [Status::Pending, Status::Denied, Status::Expired] {
        let session = in_status(status);
        assert_eq!(
            outcome(
                &forced_token(&session, signed_at()),
                &expect(RESOURCE),
                &session,
                signed_at()
            ),
            Err("session_not_approved"),
            "{status}"
        );
    }
    assert_eq!(
        Authorisation::for_session(&pending(), SERVICE, RESOURCE, None, signed_at(), NONCE),
        Err(AuthorisationError::SessionNotApproved)
    );
    // Signed before the approval, presented after it.
    let session = in_status(Status::Approved);
    let early = forced_token(&session, approved_at() - TimeDelta::milliseconds(1));
    assert_eq!(
        outcome(&early, &expect(RESOURCE), &session, approved_at()),
        Err("session_not_approved")
    );
    let on_time = forced_token(&session, approved_at());
    assert_eq!(
        outcome(&on_time, &expect(RESOURCE), &session, approved_at()),
        Ok(())
    );
}

#[test]
fn a_token_signed_before_a_logout_is_refused_after_it() {
    let approved = in_status(Status::Approved);
    let signed = token_for(&approved, RESOURCE, None, signed_at());
    assert_eq!(
        outcome(&signed, &expect(RESOURCE), &approved, signed_at()),
        Ok(())
    );
    let mut logged_out = approved.clone();
    let at = signed_at() + TimeDelta::seconds(1);
    apply(&mut logged_out, Action::Logout, at, &approved).unwrap();
    assert_eq!(
        outcome(&signed, &expect(RESOURCE), &logged_out, at),
        Err("logged_out")
    );
    // A cancelled request is logged out as well.
    let fresh = pending();
    let mut cancelled = fresh.clone();
    apply(&mut cancelled, Action::Logout, signed_at(), &fresh).unwrap();
    assert_eq!(
        outcome(
            &forced_token(&fresh, signed_at()),
            &expect(RESOURCE),
            &cancelled,
            signed_at()
        ),
        Err("logged_out")
    );
}

#[test]
fn a_suspicious_session_grants_nothing() {
    let approved = in_status(Status::Approved);
    let signed = token_for(&approved, RESOURCE, None, signed_at());
    let suspicious = in_status(Status::Suspicious);
    assert_eq!(
        outcome(&signed, &expect(RESOURCE), &suspicious, signed_at()),
        Err("suspicious")
    );
}

#[test]
fn an_expired_login_grants_nothing() {
    let session = in_status(Status::Approved);
    let end = session.login_expires_at().unwrap();
    let last = token_for(&session, RESOURCE, None, end - TimeDelta::seconds(10));
    assert_eq!(
        outcome(
            &last,
            &expect(RESOURCE),
            &session,
            end - TimeDelta::milliseconds(1)
        ),
        Ok(())
    );
    // Past the lifetime, whether or not the service has expired it yet.
    assert_eq!(
        outcome(&last, &expect(RESOURCE), &session, end),
        Err("expired")
    );
    let mut expired = session.clone();
    expired.expire(end).unwrap();
    assert_eq!(
        outcome(&last, &expect(RESOURCE), &expired, end),
        Err("expired")
    );
    // Signed after the end by a clock running ahead, checked just before it.
    let ahead = forced_token(&session, end);
    assert_eq!(
        outcome(
            &ahead,
            &expect(RESOURCE),
            &session,
            end - TimeDelta::seconds(1)
        ),
        Err("expired")
    );
}

#[test]
fn malformed_tokens_are_refused() {
    let signed = token_for(&in_status(Status::Approved), RESOURCE, None, signed_at());
    let token = signed.to_token();
    let (statement, signature) = token.split_once('.').unwrap();
    let text = String::from_utf8(signed.authorisation.canonical_bytes()).unwrap();
    let encode = |text: &str| {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
    };
    let with = |altered: &str| format!("{}.{signature}", encode(altered));
    let uid = "5e5e5e5e-5e5e-4e5e-9e5e-5e5e5e5e5e5e";
    let bad = [
        String::new(),
        ".".into(),
        statement.into(),
        format!("{statement}.{signature}.x"),
        format!("{statement}={signature}"),
        format!("{statement}.{}", &signature[1..]),
        format!("{statement}==.{signature}"),
        format!("{statement}.{signature}AA"),
        format!("{}.{signature}", &statement[1..]),
        format!("{statement}.{}", "A".repeat(4096)),
        with(&text.replace(uid, &uid.to_uppercase())),
        with(&text.replace(uid, &uid.replace('-', ""))),
        with(&text.replace("countersign.example", "countersign.example/")),
        with(&text.replace(".000Z", "Z")),
        with(&text.replace(".000Z", ".000+00:00")),
        with(&text.replace("authorisation/1", "authorisation/2")),
        with(&text.replace("body-sha256: -", "body-sha256: ")),
        with(&text.replace("resource: GET", "resource:  GET")),
        with(&text.replace("\n", "\r\n")),
        with(text.trim_end()),
        with(&format!("{text}extra: 1\n")),
        with(&text.replace("q6urq6urq6urq6urq6urqw", "q6urq6urq6urq6urq6urqx")),
    ];
    for token in bad {
        let outcome = SignedAuthorisation::from_token(&token);
        assert!(
            matches!(outcome, Err(AuthorisationError::BadToken(_))),
            "{token:.60}: {outcome:?}"
        );
        assert_eq!(outcome.unwrap_err().code().as_str(), "bad_token");
    }
    for header in [
        "",
        "Countersign",
        "Bearer abc.def",
        &format!("Bearer {token}"),
        &format!("Countersign{token}"),
        &format!("Countersign {token} extra"),
    ] {
        assert!(
            SignedAuthorisation::parse_header(header).is_err(),
            "{header:.40}"
        );
    }
}

#[test]
fn bad_resources_and_services_are_refused() {
    let make = |service: &str, resource: &str| {
        Authorisation::new(
            uid_from_random([1; 16]),
            user_uid(),
            service,
            resource,
            None,
            signed_at(),
            NONCE,
        )
        .map(|_| ())
        .map_err(|e| e.code().as_str())
    };
    for resource in [
        "",
        "a\nresource: b",
        "a\rb",
        "a\tb",
        "a\u{0}b",
        "a\u{85}b",
        "a\u{2028}b",
        " leading",
        "trailing ",
        &"x".repeat(2049),
    ] {
        assert_eq!(make(SERVICE, resource), Err("bad_resource"), "{resource:?}");
    }
    for resource in [
        "deploy staging",
        "GET https://api.example/é?q=1",
        &"x".repeat(2048),
    ] {
        assert_eq!(make(SERVICE, resource), Ok(()), "{resource:?}");
    }
    for service in [
        "",
        "countersign.example",
        "ftp://countersign.example",
        "https://",
        "https:///",
        "https://counter sign.example",
        "https://countersign.example\n",
        &format!("https://{}", "a".repeat(250)),
    ] {
        assert_eq!(make(service, RESOURCE), Err("bad_service"), "{service:?}");
    }
    // JSON is held to the same rules as `new`.
    let mut json = serde_json::to_value(token_for(
        &in_status(Status::Approved),
        RESOURCE,
        None,
        signed_at(),
    ))
    .unwrap();
    json["authorisation"]["resource"] = "a\nb".into();
    assert!(serde_json::from_value::<SignedAuthorisation>(json).is_err());
}

#[test]
fn every_refusal_has_its_code() {
    let at = signed_at();
    let cases = [
        (AuthorisationError::BadToken("x"), "bad_token"),
        (AuthorisationError::BadResource("x"), "bad_resource"),
        (AuthorisationError::BadService, "bad_service"),
        (AuthorisationError::BadSignature, "bad_signature"),
        (AuthorisationError::Stale(at), "stale"),
        (AuthorisationError::FromTheFuture(at), "stale"),
        (AuthorisationError::WrongService, "wrong_service"),
        (AuthorisationError::WrongResource, "wrong_resource"),
        (AuthorisationError::WrongBody, "wrong_body"),
        (AuthorisationError::WrongSession, "wrong_session"),
        (AuthorisationError::WrongUser, "wrong_user"),
        (
            AuthorisationError::SessionNotApproved,
            "session_not_approved",
        ),
        (AuthorisationError::LoggedOut, "logged_out"),
        (AuthorisationError::Suspicious, "suspicious"),
        (AuthorisationError::Expired, "expired"),
        (AuthorisationError::SessionClosed, "session_closed"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code().as_str(), code, "{error}");
        assert!(!error.to_string().is_empty());
    }
}

proptest! {
    #![proptest_config(crate::common::proptest_config(256))]

    #[test]
    fn any_text_is_read_or_refused_without_panicking(text in "\\PC{0,300}") {
        let _ = SignedAuthorisation::from_token(&text);
        let _ = SignedAuthorisation::parse_header(&text);
        let _ = SignedAuthorisation::parse_header(&format!("Countersign {text}"));
    }

    #[test]
    fn token_shaped_text_is_read_or_refused_without_panicking(
        statement in "[A-Za-z0-9_-]{0,600}",
        signature in "[A-Za-z0-9_-]{0,100}",
    ) {
        let _ = SignedAuthorisation::from_token(&format!("{statement}.{signature}"));
    }

}

proptest! {
    // Each case signs and verifies: fewer cases, so the browser run stays short.
    #![proptest_config(crate::common::proptest_config(64))]

    #[test]
    fn any_changed_character_makes_a_token_useless(index in 0usize..400, replacement in "[A-Za-z0-9_.=-]") {
        let session = in_status(Status::Approved);
        let token = token_for(&session, RESOURCE, None, signed_at()).to_token();
        let index = index % token.len();
        let mut changed = token.clone();
        changed.replace_range(index..=index, &replacement);
        prop_assume!(changed != token);
        let accepted = SignedAuthorisation::from_token(&changed)
            .is_ok_and(|read| outcome(&read, &expect(RESOURCE), &session, signed_at()).is_ok());
        prop_assert!(!accepted, "{}", changed);
    }

    #[test]
    fn any_authorisation_round_trips_and_verifies(
        resource in "[!-~][ -~]{0,60}[!-~]",
        body in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..64)),
        nonce in any::<[u8; 16]>(),
        offset_ms in 0i64..300_000,
    ) {
        let session = in_status(Status::Approved);
        let at = approved_at() + TimeDelta::milliseconds(offset_ms);
        let signed = Authorisation::for_session(&session, SERVICE, &resource, body.as_deref(), at, nonce)
            .unwrap()
            .sign(&cert_key());
        let read = SignedAuthorisation::from_token(&signed.to_token()).unwrap();
        prop_assert_eq!(&read, &signed);
        let expected = Expectation { service: SERVICE, resource: &resource, body: body.as_deref() };
        prop_assert_eq!(outcome(&read, &expected, &session, at), Ok(()));
    }
}
