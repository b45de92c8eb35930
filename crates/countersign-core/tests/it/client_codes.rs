//! What clients report: the service's refusal as they read it (code,
//! message, status and `Retry-After`), which refusals are worth asking
//! again, and the clients' own codes, written out so that a renamed or lost
//! code fails and none is ever one of the service's.

use countersign_core::api::{ErrorBody, ErrorCode};
use countersign_core::client::{ClientCode, Code, Refusal, parse_retry_after};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Every client code, in the table's order: scripts and apps rely on
/// these texts.
const EXPECTED: &[&str] = &[
    "network",
    "bad_answer",
    "no_random",
    "file",
    "bad_input",
    "insecure_http",
    "no_such_session",
    "not_confirmed",
    "wrong_key",
    "unexpected_status",
    "not_kept",
    "not_cancelled",
    "denied",
    "cancelled",
    "bad_argument",
    "bad_time",
    "not_enrollment_link",
    "not_login_url",
    "device_required",
    "unsupported",
    "storage",
    "no_such_device",
    "invalid",
    "out_of_touch",
];

#[test]
fn every_client_code_keeps_its_text() {
    let texts: Vec<&str> = ClientCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(texts, EXPECTED);
    for &code in ClientCode::ALL {
        assert_eq!(code.to_string(), code.as_str());
        assert_eq!(Code::from(code).as_str(), code.as_str());
    }
}

#[test]
fn client_codes_are_distinct_and_never_the_services() {
    for (at, code) in ClientCode::ALL.iter().enumerate() {
        let text = code.as_str();
        let later = ClientCode::ALL.get(at + 1..).unwrap_or_default();
        assert!(!later.iter().any(|c| c.as_str() == text), "{text} twice");
        assert!(
            text.parse::<ErrorCode>().is_err(),
            "{text} is a service code"
        );
        assert_ne!(text, ErrorCode::Unrecognised.as_str());
        let snake = text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        assert!(snake && !text.is_empty(), "{text:?} is not snake_case");
    }
}

#[test]
fn a_code_of_either_kind_reads_as_its_text() {
    let cases = [
        (Code::from(ErrorCode::WrongCode), "wrong_code"),
        (Code::from(ErrorCode::Unrecognised), "unrecognised"),
        (Code::from(ClientCode::Network), "network"),
        (Code::Client(ClientCode::OutOfTouch), "out_of_touch"),
    ];
    for (code, text) in cases {
        assert_eq!(code.as_str(), text);
        assert_eq!(code.to_string(), text);
    }
}

/// The refusal read from an answer with `status`, `code` and `Retry-After`.
fn read(status: u16, code: ErrorCode, retry_after: Option<&str>) -> Refusal {
    Refusal::new(
        status,
        ErrorBody::new(code, "the service's words"),
        retry_after,
    )
}

#[test]
fn a_refusal_keeps_the_body_the_status_and_retry_after() {
    let refusal = read(429, ErrorCode::RateLimited, Some(" 7 "));
    assert_eq!(
        refusal,
        Refusal {
            status: 429,
            code: ErrorCode::RateLimited,
            message: "the service's words".into(),
            retry_after_s: Some(7),
        }
    );
    assert_eq!(read(404, ErrorCode::NotFound, None).retry_after_s, None);
    let dated = read(
        503,
        ErrorCode::Unavailable,
        Some("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(dated.retry_after_s, None);
}

#[test]
fn a_refusal_from_a_newer_service_is_read_and_judged_by_its_status() {
    let body: ErrorBody =
        serde_json::from_str(r#"{"error": {"code": "newer_code", "message": "new"}}"#).unwrap();
    let newer = Refusal::new(503, body.clone(), None);
    assert_eq!(newer.code, ErrorCode::Unrecognised);
    assert_eq!(newer.message, "new");
    assert!(newer.is_worth_retrying());
    assert!(!Refusal::new(422, body, None).is_worth_retrying());
}

#[test]
fn only_failures_inside_the_service_and_slowing_down_are_worth_retrying() {
    // (status, code, worth asking again)
    let cases = [
        (500, ErrorCode::Internal, true),
        (429, ErrorCode::RateLimited, true),
        (503, ErrorCode::Unavailable, true),
        // A gateway that wraps a refusal code in a 5xx is still failing.
        (502, ErrorCode::NotFound, true),
        // The codes judged alone, whatever status a proxy gave them.
        (400, ErrorCode::Internal, true),
        (200, ErrorCode::RateLimited, true),
        (404, ErrorCode::NotFound, false),
        (403, ErrorCode::WrongCode, false),
        (409, ErrorCode::TransitionRefused, false),
        (400, ErrorCode::BadField, false),
    ];
    for (status, code, worth) in cases {
        assert_eq!(
            read(status, code, None).is_worth_retrying(),
            worth,
            "{status} {code}"
        );
    }
    for &code in ErrorCode::ALL {
        let expected = code.http_status() >= 500 || code == ErrorCode::RateLimited;
        let refusal = read(code.http_status(), code, None);
        assert_eq!(refusal.is_worth_retrying(), expected, "{code}");
    }
}

#[test]
fn retry_after_is_read_in_seconds_only() {
    assert_eq!(parse_retry_after("5"), Some(5));
    assert_eq!(parse_retry_after(" 120 "), Some(120));
    assert_eq!(parse_retry_after("0"), Some(0));
    for unread in [
        "",
        "-1",
        "+5",
        "1.5",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "99999999999999999999999",
    ] {
        assert_eq!(parse_retry_after(unread), None, "{unread:?}");
    }
}
