//! The error codes: the document describes every code of `ErrorCode::ALL`
//! with its status, and no other; each response lists only codes answered
//! with its status; and every code a route can answer is listed by one.
//! (That every code the service answered in the suite is in `ALL` is
//! checked on every answer, by the tests' common reader of answers.)

use std::collections::BTreeSet;

use countersign_core::api::ErrorCode;
use serde_json::Value;

use super::{document, responses};

/// Codes that no route answers, so that no response lists them:
/// `ambiguous` is `LoadError::Ambiguous`, which only `Matches::into_single`
/// returns, and no handler calls it; `bad_service` refuses a service URL a
/// client names, and the service only ever names its own.
const UNANSWERED: [ErrorCode; 2] = [ErrorCode::Ambiguous, ErrorCode::BadService];

#[test]
fn describes_every_error_code_with_its_status_and_no_other() {
    let doc = document();
    let described: Vec<(String, u64)> = doc["components"]["schemas"]["ErrorCode"]["oneOf"]
        .as_array()
        .expect("ErrorCode lists its codes in oneOf")
        .iter()
        .map(|entry| {
            let code = entry["const"].as_str().expect("each a const");
            let description = entry["description"].as_str().unwrap_or_default();
            assert!(!description.is_empty(), "{code} is not described");
            let status = entry["x-status"].as_u64().expect("each with x-status");
            (code.to_owned(), status)
        })
        .collect();
    let all: Vec<(String, u64)> = ErrorCode::ALL
        .iter()
        .map(|code| (code.as_str().to_owned(), u64::from(code.http_status())))
        .collect();
    assert_eq!(described, all, "the document's codes are ErrorCode::ALL");
    let error = &doc["components"]["schemas"]["Error"]["properties"]["error"];
    assert_eq!(
        error["properties"]["code"]["$ref"], "#/components/schemas/ErrorCode",
        "every error body's code is one of them"
    );
}

#[test]
fn responses_list_codes_of_their_status_and_every_answered_code() {
    let doc = document();
    let mut listed = BTreeSet::new();
    for (operation, status, response) in responses(&doc) {
        for code in response["x-error-codes"].as_array().into_iter().flatten() {
            let text = code.as_str().unwrap_or_default();
            let code: ErrorCode = text
                .parse()
                .unwrap_or_else(|_| panic!("{operation} {status} lists {code}, not a code"));
            assert_eq!(
                status,
                code.http_status().to_string(),
                "{operation} lists {code} under another status than its own"
            );
            listed.insert(code);
        }
    }
    let unlisted: Vec<_> = ErrorCode::ALL
        .iter()
        .filter(|code| !listed.contains(*code) && !UNANSWERED.contains(code))
        .collect();
    assert!(unlisted.is_empty(), "no response lists {unlisted:?}");
    for code in UNANSWERED {
        assert!(
            !listed.contains(&code),
            "{code} is listed now: take it off UNANSWERED"
        );
    }
    assert!(
        responses(&doc)
            .iter()
            .all(|(_, _, response)| response.get("x-error-codes").is_none_or(Value::is_array)),
        "x-error-codes is a list wherever it is"
    );
}
