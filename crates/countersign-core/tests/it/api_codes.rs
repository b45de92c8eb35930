//! Error codes: the one list the service answers, each with its HTTP status
//! and its text; every core error's code; and error bodies read forward
//! compatibly.

use chrono::DateTime;
use countersign_core::api::{ErrorBody, ErrorCode, ErrorDetail};
use countersign_core::{
    Action, BadCode, DecodeError, EncodingError, FieldError, LinkError, LoadError, SessionError,
    ShortUidError, StatementError, Status, TransitionError, UnknownStatus, UsernameError,
};
use serde_json::json;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

/// Every code the service answers, with its status, written out here (not
/// read from the code under test) so that a renamed or lost code fails.
const EXPECTED: &[(&str, u16)] = &[
    ("bad_body", 400),
    ("bad_content_type", 400),
    ("bad_json", 400),
    ("bad_field", 400),
    ("bad_lifetime", 400),
    ("bad_query", 400),
    ("bad_short_uid", 400),
    ("bad_uid", 400),
    ("wrong_claim", 400),
    ("claims_differ", 400),
    ("bad_token", 400),
    ("bad_resource", 400),
    ("bad_service", 400),
    ("unsupported_format", 400),
    ("bad_signature", 403),
    ("stale_statement", 403),
    ("future_statement", 403),
    ("wrong_session", 403),
    ("details_changed", 403),
    ("wrong_code", 403),
    ("not_about_a_session", 403),
    ("wrong_signer", 403),
    ("wrong_statement", 403),
    ("wrong_user", 403),
    ("unknown_device", 403),
    ("device_revoked", 403),
    ("user_disabled", 403),
    ("user_verification_required", 403),
    ("bad_assertion", 403),
    ("counter_regressed", 403),
    ("not_granted", 403),
    ("stale", 403),
    ("wrong_service", 403),
    ("wrong_resource", 403),
    ("wrong_body", 403),
    ("session_not_approved", 403),
    ("logged_out", 403),
    ("suspicious", 403),
    ("not_found", 404),
    ("transition_refused", 409),
    ("session_closed", 409),
    ("conflict", 409),
    ("ambiguous", 409),
    ("already_revoked", 409),
    ("device_exists", 409),
    ("enrollment_used", 409),
    ("already_used", 409),
    ("expired", 410),
    ("too_large", 413),
    ("rate_limited", 429),
    ("too_many_pending", 429),
    ("internal", 500),
    ("unavailable", 503),
];

#[test]
fn all_lists_every_code_the_service_answers_with_its_status() {
    let listed: Vec<(&str, u16)> = ErrorCode::ALL
        .iter()
        .map(|code| (code.as_str(), code.http_status()))
        .collect();
    assert_eq!(listed, EXPECTED);
    assert!(!ErrorCode::ALL.contains(&ErrorCode::Unrecognised));
}

#[test]
fn every_code_reads_back_from_its_text_and_its_json() {
    for &code in ErrorCode::ALL {
        let text = code.as_str();
        assert_eq!(code.to_string(), text);
        assert_eq!(text.parse::<ErrorCode>(), Ok(code));
        assert_eq!(serde_json::to_value(code).unwrap(), json!(text));
        assert_eq!(
            serde_json::from_value::<ErrorCode>(json!(text)).unwrap(),
            code
        );
        let snake = text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        assert!(
            snake && !text.starts_with('_') && !text.ends_with('_'),
            "{text}"
        );
    }
}

#[test]
fn a_code_from_a_newer_service_reads_as_unrecognised() {
    let body = r#"{"error":{"code":"quota_exceeded","message":"slow down","hint":"x"},"id":7}"#;
    let read: ErrorBody = serde_json::from_str(body).unwrap();
    assert_eq!(read.error.code, ErrorCode::Unrecognised);
    assert_eq!(read.error.message, "slow down");
    // Only deserialising makes it: the strict parse refuses both texts.
    assert!("quota_exceeded".parse::<ErrorCode>().is_err());
    assert!("unrecognised".parse::<ErrorCode>().is_err());
    // A code that is not a string is still an unreadable body.
    assert!(serde_json::from_str::<ErrorBody>(r#"{"error":{"code":7,"message":""}}"#).is_err());
}

#[test]
fn the_error_body_has_the_documented_shape() {
    let body = ErrorBody::new(ErrorCode::WrongCode, "pick the code the program shows");
    assert_eq!(
        serde_json::to_value(&body).unwrap(),
        json!({"error": {"code": "wrong_code", "message": "pick the code the program shows"}})
    );
    assert_eq!(
        body.error,
        ErrorDetail::new(ErrorCode::WrongCode, "pick the code the program shows")
    );
}

fn check(error: &dyn std::fmt::Display, code: ErrorCode, expected: &str) {
    assert_eq!(code.as_str(), expected, "{error}");
    assert!(
        ErrorCode::ALL.contains(&code),
        "{error}: {code} is not answered"
    );
}

#[test]
fn every_core_error_has_the_code_the_service_answers() {
    let t = DateTime::UNIX_EPOCH;
    for (error, expected) in [
        (StatementError::BadSignature, "bad_signature"),
        (StatementError::Stale(t), "stale_statement"),
        (StatementError::FromTheFuture(t), "future_statement"),
        (StatementError::WrongSession, "wrong_session"),
        (StatementError::DetailsChanged, "details_changed"),
        (StatementError::WrongCode, "wrong_code"),
        (StatementError::WrongSigner, "wrong_signer"),
        (StatementError::NotAboutASession, "not_about_a_session"),
        (StatementError::SessionClosed, "session_closed"),
        (
            StatementError::UnsupportedFormat(None),
            "unsupported_format",
        ),
        (
            StatementError::UnsupportedFormat(Some("countersign-statement/1".into())),
            "unsupported_format",
        ),
        (
            StatementError::WrongService("https://other.example".parse().unwrap()),
            "wrong_service",
        ),
    ] {
        check(&error, error.code(), expected);
    }
    let refused = TransitionError {
        from: Status::Denied,
        action: Action::Approve,
    };
    check(&refused, refused.code(), "transition_refused");
    let field = FieldError::BadHostname;
    for (error, expected) in [
        (SessionError::Transition(refused), "transition_refused"),
        (SessionError::Expired(t), "expired"),
        (SessionError::NotYetExpired(t), "transition_refused"),
        (SessionError::ProofMismatch, "wrong_statement"),
        (SessionError::Field(field.clone()), "bad_field"),
        (SessionError::BadLifetime, "bad_lifetime"),
    ] {
        check(&error, error.code(), expected);
    }
    for (error, expected) in [
        (LoadError::NotFound, "not_found"),
        (LoadError::NotGranted, "not_granted"),
        (LoadError::Ambiguous(2), "ambiguous"),
    ] {
        check(&error, error.code(), expected);
    }
    let name = "scope";
    for error in [
        FieldError::BadToken {
            field: name,
            token: "a b".into(),
        },
        FieldError::TooManyTokens { field: name },
        FieldError::TooLong {
            field: name,
            max: 1,
        },
        FieldError::Empty { field: name },
        FieldError::ControlCharacter { field: name },
        FieldError::BadHostname,
    ] {
        check(&error, error.code(), "bad_field");
    }
    for error in [
        UsernameError::Empty,
        UsernameError::TooLong,
        UsernameError::ControlCharacter,
        UsernameError::SurroundingBlank,
    ] {
        check(&error, error.code(), "bad_field");
    }
    for error in [
        ShortUidError::Empty,
        ShortUidError::Malformed,
        ShortUidError::NotLoginUrl,
    ] {
        check(&error, error.code(), "bad_short_uid");
    }
    check(&BadCode(7), BadCode(7).code(), "bad_field");
    for (error, expected) in [
        (DecodeError::Json("eof".into()), "bad_json"),
        (DecodeError::Field(field), "bad_field"),
        (DecodeError::Inconsistent("keys"), "bad_field"),
    ] {
        check(&error, error.code(), expected);
    }
    for error in [
        EncodingError::NotBase64 { what: "digest" },
        EncodingError::Length {
            what: "digest",
            expected: 32,
            got: 3,
        },
        EncodingError::InvalidKey,
    ] {
        check(&error, error.code(), "bad_field");
    }
    let status = UnknownStatus("asleep".into());
    check(&status, status.code(), "bad_query");
    for (error, expected) in [
        (LinkError::NotEnrollmentLink, "bad_field"),
        (LinkError::BadToken, "bad_field"),
        (LinkError::Scheme, "bad_field"),
        (
            LinkError::ShortUid(ShortUidError::Malformed),
            "bad_short_uid",
        ),
    ] {
        check(&error, error.code(), expected);
    }
}

#[test]
fn a_closed_session_is_a_conflict_and_every_other_statement_error_a_refusal() {
    let t = DateTime::UNIX_EPOCH;
    assert_eq!(StatementError::SessionClosed.code().http_status(), 409);
    for error in [
        StatementError::BadSignature,
        StatementError::Stale(t),
        StatementError::FromTheFuture(t),
        StatementError::WrongSession,
        StatementError::DetailsChanged,
        StatementError::WrongCode,
        StatementError::WrongSigner,
        StatementError::NotAboutASession,
    ] {
        assert_eq!(error.code().http_status(), 403, "{error}");
    }
}
