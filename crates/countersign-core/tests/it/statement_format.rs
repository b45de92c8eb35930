//! Statement format 2: the service a statement is for is signed, in its
//! normal form; a statement for another service is refused; a statement in
//! format 1 (or with no format marker) is refused as unsupported.

use countersign_core::api::ErrorCode;
use countersign_core::{
    Claim, Freshness, PublicKey, STATEMENT_FORMAT, ServiceUrl, Signature, SignedStatement, Signer,
    Statement, StatementError, format_refusal,
};
use serde_json::json;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::*;

fn url(text: &str) -> ServiceUrl {
    ServiceUrl::parse(text).unwrap()
}

fn invite(service: ServiceUrl) -> SignedStatement {
    Statement::new(
        Claim::InviteDevice { user: user_uid() },
        service,
        Signer::Device(device_uid()),
        t0(),
    )
    .sign(&device_key())
}

// An account statement to a service with a port and a path, pinned like
// the approval in `statements`: a change here breaks every deployed client.
const PINNED_INVITE: &str = "\
countersign-statement/2
service: http://127.0.0.1:8080/cs
action: invite_device
user: e0e0e0e0-e0e0-40e0-a0e0-e0e0e0e0e0e0
signer: device d0d0d0d0-d0d0-40d0-90d0-d0d0d0d0d0d0
signed-at: 2026-11-29T09:00:00.000Z
";
const PINNED_INVITE_SIGNATURE: &str =
    "E8qo0Z1sEnf46C1D7lLGmbMeFuBWqb9KeYg1hpuut8jgCXACN0CagHy6EAJbvFAdRyL6SpIE47fXmOeFLiMBBQ";
/// The device key of the pinned vectors (`statements`'s too).
const PINNED_DEVICE_KEY: &str = "7UkoxijRwsbq6QM4kFmVYSlZJzpcY_k2NsFGFKyHN9E";

#[test]
fn an_account_statement_is_pinned_with_its_service() {
    // Typed loosely: the signed line is the URL's normal form.
    let signed = invite(url("HTTP://127.0.0.1:8080/cs/"));
    let bytes = String::from_utf8(signed.statement.canonical_bytes()).unwrap();
    assert_eq!(
        [bytes.as_str(), signed.signature.to_text().as_str()],
        [PINNED_INVITE, PINNED_INVITE_SIGNATURE]
    );
    assert_eq!(device_key().public_key().to_text(), PINNED_DEVICE_KEY);
    let key = PublicKey::from_text(PINNED_DEVICE_KEY).unwrap();
    let signature = Signature::from_text(PINNED_INVITE_SIGNATURE).unwrap();
    assert!(key.verify(PINNED_INVITE.as_bytes(), &signature));
}

#[test]
fn two_spellings_of_one_service_sign_the_same_bytes() {
    let plain = invite(url("https://cs.example"));
    for spelling in [
        "HTTPS://CS.Example:443/",
        "https://cs.example/",
        " https://cs.EXAMPLE ",
    ] {
        assert_eq!(invite(url(spelling)), plain, "{spelling}");
    }
    // A default port is dropped, another one is named.
    let lines = |signed: SignedStatement| {
        String::from_utf8(signed.statement.canonical_bytes())
            .unwrap()
            .lines()
            .nth(1)
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        lines(invite(url("http://cs.example:80"))),
        "service: http://cs.example"
    );
    assert_eq!(
        lines(invite(url("https://cs.example:8443"))),
        "service: https://cs.example:8443"
    );
}

#[test]
fn a_statement_for_another_service_is_refused_with_wrong_service() {
    let signed = invite(url("https://cs.example"));
    let key = device_key().public_key();
    assert!(
        signed
            .verify(&key, &url("https://cs.example"), t0(), Freshness::default())
            .is_ok()
    );
    for other in [
        "https://evil.example",
        "http://cs.example",
        "https://cs.example:8443",
        "https://cs.example/other",
    ] {
        let refused = signed.verify(&key, &url(other), t0(), Freshness::default());
        assert_eq!(
            refused,
            Err(StatementError::WrongService(url("https://cs.example"))),
            "{other}"
        );
        assert_eq!(refused.unwrap_err().code(), ErrorCode::WrongService);
    }
    // About a session too: the proof is not made.
    let session = pending();
    let approval = Statement::new(
        Claim::Deny {
            session: session.uid(),
            details: session.details_digest().unwrap(),
        },
        url("https://cs.example"),
        Signer::Device(device_uid()),
        t0(),
    )
    .sign(&device_key());
    assert_eq!(
        session.verify_device(
            &approval,
            &key,
            &url("https://other.example"),
            t0(),
            Freshness::default()
        ),
        Err(StatementError::WrongService(url("https://cs.example")))
    );
}

#[test]
fn the_json_form_carries_the_format_marker_and_the_service() {
    let signed = invite(url("https://cs.example"));
    let value = serde_json::to_value(&signed).unwrap();
    assert_eq!(value["statement"]["format"], STATEMENT_FORMAT);
    assert_eq!(value["statement"]["service"], "https://cs.example");
    assert_eq!(
        serde_json::from_value::<SignedStatement>(value.clone()).unwrap(),
        signed
    );
    // A current body holds nothing refused for its format.
    assert_eq!(format_refusal(&value), None);
}

/// The JSON a format-1 client sent: no marker, no service.
fn format_1(marker: Option<&str>) -> serde_json::Value {
    let signed = invite(url("https://cs.example"));
    let mut value = serde_json::to_value(&signed).unwrap();
    let statement = value["statement"].as_object_mut().unwrap();
    statement.remove("service");
    match marker {
        Some(marker) => statement.insert("format".into(), json!(marker)),
        None => statement.remove("format"),
    };
    value
}

#[test]
fn a_format_1_statement_is_refused_with_unsupported_format() {
    for (marker, named) in [
        (None, None),
        (
            Some("countersign-statement/1"),
            Some("countersign-statement/1"),
        ),
    ] {
        let old = format_1(marker);
        assert!(serde_json::from_value::<SignedStatement>(old.clone()).is_err());
        let refusal = format_refusal(&old).unwrap();
        assert_eq!(
            refusal,
            StatementError::UnsupportedFormat(named.map(str::to_owned))
        );
        assert_eq!(refusal.code(), ErrorCode::UnsupportedFormat);
        assert_eq!(ErrorCode::UnsupportedFormat.http_status(), 400);
        assert!(refusal.to_string().contains(STATEMENT_FORMAT), "{refusal}");
        // Wherever it is in a body: a sponsored enrollment's proof, say.
        let current = serde_json::to_value(invite(url("https://cs.example"))).unwrap();
        let body = json!({"sponsor": current, "proof": old});
        assert_eq!(format_refusal(&body), Some(refusal));
    }
    // Even with a service named, a format-1 marker does not decode.
    let mut marked = serde_json::to_value(invite(url("https://cs.example"))).unwrap();
    marked["statement"]["format"] = json!("countersign-statement/1");
    assert!(serde_json::from_value::<SignedStatement>(marked).is_err());
}

#[test]
fn a_malformed_current_statement_is_not_called_unsupported() {
    let mut value = serde_json::to_value(invite(url("https://cs.example"))).unwrap();
    value["statement"]["service"] = json!("ftp://cs.example");
    assert!(serde_json::from_value::<SignedStatement>(value.clone()).is_err());
    assert_eq!(format_refusal(&value), None);
}
