//! Passkeys: a device registers one through a signed statement, and from
//! then on its approvals, denials, reports, revocations and invitations
//! carry an assertion over the statement, checked for origin, relying
//! party, user verification, challenge and a counter that only grows.
//! `--require-user-verification` refuses devices without one.

use axum::http::StatusCode;
use countersign_core::api::PasskeyAssertion;
use countersign_core::passkey::assertion_challenge;
use countersign_core::{Claim, SignedStatement, Status};
use serde_json::{Value, json};

use crate::authenticator::{Authenticator, UP, UV};
use crate::common::*;

on_both_backends!(
    a_device_registers_a_passkey_and_approves_with_it,
    without_a_passkey_user_verification_required_refuses,
    a_counter_that_goes_back_is_refused_and_changes_nothing,
    an_assertion_for_another_statement_or_origin_is_refused,
    a_replayed_invitation_with_its_assertion_is_refused,
);

/// Registers a passkey for `approver` through the two routes.
pub async fn register(service: &Service, approver: &Approver, authenticator: &Authenticator) {
    let asked = approver.sign(Claim::RegisterPasskey {
        user: approver.user,
        device: approver.device,
    });
    let (status, options) = service.post("/api/passkeys/options", asked).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(options["rp_id"], "cs.test");
    let credential = authenticator.register(options["challenge"].as_str().unwrap());
    let body = json!({"device": approver.device, "credential": credential});
    let (status, device) = service.post("/api/passkeys", body).await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
}

/// `statement` with `assertion` beside it, as the web app sends it.
pub fn attested(statement: &Value, assertion: &PasskeyAssertion) -> Value {
    let mut body = statement.clone();
    body["assertion"] = serde_json::to_value(assertion).unwrap();
    body
}

/// The challenge an assertion over `statement` must carry.
pub fn challenge(statement: &Value) -> [u8; 32] {
    let signed: SignedStatement = serde_json::from_value(statement.clone()).unwrap();
    assertion_challenge(&signed.statement)
}

async fn a_device_registers_a_passkey_and_approves_with_it(db: Db) {
    let Some(service) = service_on(db, |c| c.allow_key_file_approvers = false).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let mut authenticator = Authenticator::new(7, PUBLIC_URL);
    register(&service, &approver, &authenticator).await;

    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let approval = approver.decide(&page, "approve", Some(drawn_code(&answer)));

    // Without the gesture: refused, and the request still waits.
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            approval.clone(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "user_verification_required");
    assert_eq!(stored_status(&service, page.uid()).await, Status::Pending);

    // With it: approved.
    let assertion = authenticator.assert(&challenge(&approval));
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            attested(&approval, &assertion),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "approved");
}

async fn without_a_passkey_user_verification_required_refuses(db: Db) {
    let Some(service) = service_on(db, |c| c.allow_key_file_approvers = false).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    for action in ["approve", "deny", "suspicious"] {
        let statement = approver.decide(&page, action, Some(drawn_code(&answer)));
        let (status, body) = service
            .post(
                &format!("/api/sessions/{}/statements", page.uid()),
                statement,
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
        assert_eq!(
            body["error"]["code"], "user_verification_required",
            "{action}"
        );
    }
    let invite = approver.sign(Claim::InviteDevice {
        user: approver.user,
    });
    let (status, body) = service.post("/api/enrollments", invite).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(body["error"]["code"], "user_verification_required");
    assert_eq!(stored_status(&service, page.uid()).await, Status::Pending);
}

async fn a_counter_that_goes_back_is_refused_and_changes_nothing(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let mut authenticator = Authenticator::new(9, PUBLIC_URL);
    register(&service, &approver, &authenticator).await;
    // A clone of the authenticator, left behind at its counter.
    let clone = Authenticator::new(9, PUBLIC_URL);

    let first = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, first["short_uid"].as_str().unwrap()).await;
    let denial = approver.decide(&page, "deny", None);
    authenticator.counter = 5;
    let assertion = authenticator.assert(&challenge(&denial));
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            attested(&denial, &assertion),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    let second = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, second["short_uid"].as_str().unwrap()).await;
    let approval = approver.decide(&page, "approve", Some(drawn_code(&second)));
    for counter in [3, 6] {
        let assertion = clone.assert_with(&challenge(&approval), counter, UP | UV, PUBLIC_URL);
        let (status, body) = service
            .post(
                &format!("/api/sessions/{}/statements", page.uid()),
                attested(&approval, &assertion),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "counter {counter}");
        assert_eq!(
            body["error"]["code"], "counter_regressed",
            "counter {counter}"
        );
        assert_eq!(stored_status(&service, page.uid()).await, Status::Pending);
    }
    // The real authenticator, ahead of both, still approves.
    let assertion = authenticator.assert(&challenge(&approval));
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            attested(&approval, &assertion),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn an_assertion_for_another_statement_or_origin_is_refused(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let mut authenticator = Authenticator::new(11, PUBLIC_URL);
    register(&service, &approver, &authenticator).await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let approval = approver.decide(&page, "approve", Some(drawn_code(&answer)));
    let denial = approver.decide(&page, "deny", None);
    let path = format!("/api/sessions/{}/statements", page.uid());

    let cases = [
        (
            "made for the denial",
            authenticator.assert_with(&challenge(&denial), 1, UP | UV, PUBLIC_URL),
            "bad_assertion",
        ),
        (
            "another origin",
            authenticator.assert_with(&challenge(&approval), 2, UP | UV, "https://evil.test"),
            "bad_assertion",
        ),
        (
            "no user verification",
            authenticator.assert_with(&challenge(&approval), 3, UP, PUBLIC_URL),
            "user_verification_required",
        ),
        (
            "no user presence",
            authenticator.assert_with(&challenge(&approval), 4, UV, PUBLIC_URL),
            "bad_assertion",
        ),
    ];
    for (case, assertion, code) in cases {
        let (status, body) = service.post(&path, attested(&approval, &assertion)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{case}: {body}");
        assert_eq!(body["error"]["code"], code, "{case}");
    }
    assert_eq!(stored_status(&service, page.uid()).await, Status::Pending);
    authenticator.counter = 4;
    let assertion = authenticator.assert(&challenge(&approval));
    let (status, body) = service.post(&path, attested(&approval, &assertion)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn a_replayed_invitation_with_its_assertion_is_refused(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let mut authenticator = Authenticator::new(13, PUBLIC_URL);
    register(&service, &approver, &authenticator).await;
    let invite = approver.sign(Claim::InviteDevice {
        user: approver.user,
    });
    let body = attested(&invite, &authenticator.assert(&challenge(&invite)));
    let (status, answer) = service.post("/api/enrollments", body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let (status, answer) = service.post("/api/enrollments", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
    assert_eq!(answer["error"]["code"], "counter_regressed");
}
