//! Decisions: the claim each one signs for the session as shown is the one
//! the session accepts, and a closed session can be decided no more.

use countersign_core::client::logout_claim;
use countersign_core::{
    Action, Claim, Decision, Freshness, SignedStatement, Signer, Statement, StatementError, Status,
    VerificationCode,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::*;

fn by_device(claim: Claim) -> SignedStatement {
    Statement::new(claim, service_url(), Signer::Device(device_uid()), t0()).sign(&device_key())
}

#[test]
fn each_decision_signs_a_claim_the_session_accepts() {
    let shown = pending();
    let code = typed_code();
    for (decision, action, verb) in [
        (Decision::Approve(code), Action::Approve, "approve"),
        (Decision::Deny, Action::Deny, "deny"),
        (
            Decision::Suspicious,
            Action::ReportSuspicious,
            "report as suspicious",
        ),
    ] {
        assert_eq!(decision.action(), action);
        assert_eq!(decision.verb(), verb);
        let claim = decision.claim(&shown).unwrap();
        assert_eq!(
            claim.session_action(),
            Some((action, shown.uid(), shown.details_digest().unwrap()))
        );
        let proof = shown
            .verify_device(
                &by_device(claim),
                &device_key().public_key(),
                &service_url(),
                t0(),
                Freshness::default(),
            )
            .unwrap();
        assert_eq!(proof.action(), action);
    }
}

#[test]
fn an_approval_carries_the_code_that_was_typed() {
    let shown = pending();
    let typed = VerificationCode::new(37).unwrap();
    let claim = Decision::Approve(typed).claim(&shown).unwrap();
    assert!(matches!(claim, Claim::Approve { code, .. } if code == typed));
    // Only the service knows the session's code: the proof carries the
    // typed one for it to compare, whatever it is.
    let proof = shown
        .verify_device(
            &by_device(claim),
            &device_key().public_key(),
            &service_url(),
            t0(),
            Freshness::default(),
        )
        .unwrap();
    assert_eq!(proof.code(), Some(typed));
    let deny = shown
        .verify_device(
            &by_device(Decision::Deny.claim(&shown).unwrap()),
            &device_key().public_key(),
            &service_url(),
            t0(),
            Freshness::default(),
        )
        .unwrap();
    assert_eq!(deny.code(), None);
}

#[test]
fn a_closed_session_cannot_be_decided_or_logged_out() {
    let code = typed_code();
    for status in [Status::Denied, Status::LoggedOut] {
        let closed = in_status(status);
        for decision in [
            Decision::Approve(code),
            Decision::Deny,
            Decision::Suspicious,
        ] {
            assert_eq!(
                decision.claim(&closed),
                Err(StatementError::SessionClosed),
                "{status}"
            );
        }
        assert_eq!(logout_claim(&closed), Err(StatementError::SessionClosed));
    }
}

#[test]
fn the_requester_logout_claim_is_accepted() {
    let session = in_status(Status::Approved);
    let claim = logout_claim(&session).unwrap();
    let signed = Statement::new(claim, service_url(), Signer::Requester, t0()).sign(&cert_key());
    let proof = session
        .verify_requester(&signed, &service_url(), t0(), Freshness::default())
        .unwrap();
    assert_eq!(proof.action(), Action::Logout);
}
