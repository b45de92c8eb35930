//! Signed statements: the pinned format, and every way a statement made for
//! one thing must fail for another.

use crate::common::*;
use chrono::TimeDelta;
use countersign_core::{
    Action, Claim, DeviceName, Freshness, Keypair, PublicKey, Signature, SignedStatement, Signer,
    Statement, StatementError, Status, VerificationCode, uid_from_random,
};
use proptest::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn approval(
    session: &countersign_core::LoginSession,
    at: chrono::DateTime<chrono::Utc>,
) -> SignedStatement {
    Statement::new(
        Claim::Approve {
            session: session.uid(),
            details: session.details_digest().unwrap(),
            code: VerificationCode::new(PINNED_CODE).unwrap(),
        },
        service_url(),
        Signer::Device(device_uid()),
        at,
    )
    .sign(&device_key())
}

fn verify(
    session: &countersign_core::LoginSession,
    signed: &SignedStatement,
) -> Result<Action, StatementError> {
    session
        .verify_device(
            signed,
            &device_key().public_key(),
            &service_url(),
            t0(),
            Freshness::default(),
        )
        .map(|v| v.action())
}

// Ed25519 is deterministic: fixed keys and a fixed session give fixed bytes.
// A change to any of these is a change to the wire format and breaks every
// deployed client: bump STATEMENT_FORMAT instead.
const PINNED_DEVICE_KEY: &str = "7UkoxijRwsbq6QM4kFmVYSlZJzpcY_k2NsFGFKyHN9E";
const PINNED_DIGEST: &str = "zy3kbzJXv50d0_vqJlMRG_iMOsaGvnOyEbl2cXodIZ0";
const PINNED_CODE: u8 = 70;
const PINNED_FINGERPRINT: &str = "6Dl6oHUY7xqWRI6vmxufJw";
const PINNED_APPROVAL: &str = "\
countersign-statement/2
service: https://cs.example
action: approve
session: 5e5e5e5e-5e5e-4e5e-9e5e-5e5e5e5e5e5e
details: zy3kbzJXv50d0_vqJlMRG_iMOsaGvnOyEbl2cXodIZ0
code: 70
signer: device d0d0d0d0-d0d0-40d0-90d0-d0d0d0d0d0d0
signed-at: 2026-11-29T09:00:00.000Z
";
const PINNED_SIGNATURE: &str =
    "wbf4zqRgJA-qTOqVU8YHjit7yP_Gc6uHK0MUe8RXnPtcTye0QSl3xeNQ9kemjBoKSeDQImsfcHMVLw-LygYvDQ";

#[test]
fn pinned_test_vectors() {
    let session = pending();
    let signed = approval(&session, t0());
    let bytes = String::from_utf8(signed.statement.canonical_bytes()).unwrap();
    let actual = [
        device_key().public_key().to_text(),
        session.details_digest().unwrap().to_text(),
        match signed.statement.claim {
            Claim::Approve { code, .. } => code.value().to_string(),
            _ => String::new(),
        },
        session.public_cert().unwrap().fingerprint().to_text(),
        bytes.clone(),
        signed.signature.to_text(),
    ];
    let pinned = [
        PINNED_DEVICE_KEY.to_owned(),
        PINNED_DIGEST.to_owned(),
        PINNED_CODE.to_string(),
        PINNED_FINGERPRINT.to_owned(),
        PINNED_APPROVAL.to_owned(),
        PINNED_SIGNATURE.to_owned(),
    ];
    assert_eq!(actual, pinned);
    // And the pinned signature verifies with the pinned key, on every target.
    let key = PublicKey::from_text(PINNED_DEVICE_KEY).unwrap();
    let signature = Signature::from_text(PINNED_SIGNATURE).unwrap();
    assert!(key.verify(PINNED_APPROVAL.as_bytes(), &signature));
}

/// RFC 8032, section 7.1, test 1: the Ed25519 underneath is the standard one
/// on every target.
#[test]
fn rfc_8032_test_vector() {
    let hex = |text: &str| -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    };
    let seed: [u8; 32] = hex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
        .try_into()
        .unwrap();
    let key = Keypair::from_seed(&seed);
    assert_eq!(
        key.public_key().to_bytes().to_vec(),
        hex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    );
    assert_eq!(
        key.sign_bytes(b"").to_bytes().to_vec(),
        hex(concat!(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555",
            "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        ))
    );
}

#[test]
fn canonical_bytes_name_the_format_service_action_subject_signer_and_time() {
    let session = pending();
    let text = String::from_utf8(approval(&session, t0()).statement.canonical_bytes()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], countersign_core::STATEMENT_FORMAT);
    assert_eq!(lines[1], "service: https://cs.example");
    assert_eq!(lines[2], "action: approve");
    assert_eq!(lines[3], format!("session: {}", session.uid()));
    assert_eq!(lines[6], format!("signer: device {}", device_uid()));
    assert_eq!(lines[7], "signed-at: 2026-11-29T09:00:00.000Z");
}

#[test]
fn a_good_approval_verifies() {
    let session = pending();
    assert_eq!(
        verify(&session, &approval(&session, t0())),
        Ok(Action::Approve)
    );
}

#[test]
fn an_approval_for_one_session_fails_for_another() {
    let one = pending();
    let mut other_request = request();
    other_request.login_message = one.login_message().map(str::to_owned);
    let other = countersign_core::LoginSession::request(
        other_request,
        uid_from_random([0x99; 16]),
        one.request_source(),
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap();
    let signed = approval(&one, t0());
    assert_eq!(verify(&other, &signed), Err(StatementError::WrongSession));
}

/// Each variation of one shown detail must change the digest, so that a
/// statement signed over the original no longer verifies.
#[test]
fn a_statement_fails_for_any_altered_detail() {
    let original = pending();
    let signed = approval(&original, t0());
    let base = serde_json::to_value(&original).unwrap();
    let other_key = Keypair::from_seed(&[42; 32]).public_key().to_text();
    let alterations: [(&str, serde_json::Value); 10] = [
        ("username", "eve@example.org".into()),
        ("public_key", other_key.clone().into()),
        ("public_certificate", other_key.into()),
        ("hostname", "build-02.example.org".into()),
        ("ipaddr", "198.51.100.24".into()),
        ("login_message", "deploy release 4.2 to production".into()),
        ("scope", serde_json::json!(["openid", "deploy", "admin"])),
        ("permissions", serde_json::json!(["read"])),
        ("request_datetime", "2026-11-29T08:59:59Z".into()),
        ("expires_at", "2026-11-29T09:30:00Z".into()),
    ];
    for (field, value) in alterations {
        let mut altered = base.clone();
        altered[field] = value;
        let altered = countersign_core::LoginSession::from_json_value(altered).unwrap();
        let outcome = verify(&altered, &signed);
        // A changed key also changes the verification code; either way the
        // statement must not verify.
        assert!(
            matches!(outcome, Err(StatementError::DetailsChanged)),
            "{field}: {outcome:?}"
        );
    }
}

#[test]
fn another_key_or_a_changed_statement_is_refused() {
    let session = pending();
    let signed = approval(&session, t0());
    let stranger = Keypair::from_seed(&[66; 32]).public_key();
    assert_eq!(
        session
            .verify_device(
                &signed,
                &stranger,
                &service_url(),
                t0(),
                Freshness::default()
            )
            .map(|v| v.action()),
        Err(StatementError::BadSignature)
    );
    let mut moved = signed.clone();
    moved.statement.signer = Signer::Device(uid_from_random([1; 16]));
    assert_eq!(verify(&session, &moved), Err(StatementError::BadSignature));
    let mut retimed = signed;
    retimed.statement.signed_at += TimeDelta::seconds(1);
    assert_eq!(
        verify(&session, &retimed),
        Err(StatementError::BadSignature)
    );
}

#[test]
fn stale_and_future_statements_are_refused() {
    let session = pending();
    let window = Freshness::default();
    let old = approval(&session, t0() - window.max_age - TimeDelta::milliseconds(1));
    assert!(matches!(
        verify(&session, &old),
        Err(StatementError::Stale(_))
    ));
    let ahead = approval(
        &session,
        t0() + window.max_skew + TimeDelta::milliseconds(1),
    );
    assert!(matches!(
        verify(&session, &ahead),
        Err(StatementError::FromTheFuture(_))
    ));
    let edge = approval(&session, t0() - window.max_age);
    assert_eq!(verify(&session, &edge), Ok(Action::Approve));
}

#[test]
fn the_requester_may_log_out_and_do_nothing_else() {
    let session = in_status(Status::Approved);
    let logout = Statement::new(
        Claim::Logout {
            session: session.uid(),
            details: session.details_digest().unwrap(),
        },
        service_url(),
        Signer::Requester,
        t0(),
    );
    let by_cert = logout.clone().sign(&cert_key());
    let proof = session
        .verify_requester(&by_cert, &service_url(), t0(), Freshness::default())
        .unwrap();
    assert_eq!(proof.action(), Action::Logout);
    // The session key is not the certificate key.
    let by_session_key = logout.sign(&session_key());
    assert_eq!(
        session.verify_requester(&by_session_key, &service_url(), t0(), Freshness::default()),
        Err(StatementError::BadSignature)
    );
    let approve = Statement::new(
        Claim::Approve {
            session: session.uid(),
            details: session.details_digest().unwrap(),
            code: VerificationCode::new(PINNED_CODE).unwrap(),
        },
        service_url(),
        Signer::Requester,
        t0(),
    )
    .sign(&cert_key());
    assert_eq!(
        session.verify_requester(&approve, &service_url(), t0(), Freshness::default()),
        Err(StatementError::WrongSigner)
    );
    // And a device must not pass off a requester statement as its own.
    assert_eq!(verify(&session, &by_cert), Err(StatementError::WrongSigner));
}

#[test]
fn device_statements_are_not_session_statements() {
    let session = pending();
    let enroll = Statement::new(
        Claim::EnrollDevice {
            user: user_uid(),
            device: device_uid(),
            device_key: device_key().public_key(),
            device_name: DeviceName::new("Work laptop").unwrap(),
        },
        service_url(),
        Signer::Device(device_uid()),
        t0(),
    )
    .sign(&device_key());
    assert_eq!(
        verify(&session, &enroll),
        Err(StatementError::NotAboutASession)
    );
    assert!(
        enroll
            .verify(
                &device_key().public_key(),
                &service_url(),
                t0(),
                Freshness::default()
            )
            .is_ok()
    );
    let text = String::from_utf8(enroll.statement.canonical_bytes()).unwrap();
    assert!(text.contains("\naction: enroll_device\n"), "{text}");
    assert!(text.contains("\ndevice-name: Work laptop\n"), "{text}");
    let revoke = Statement::new(
        Claim::RevokeDevice {
            user: user_uid(),
            device: device_uid(),
        },
        service_url(),
        Signer::Device(device_uid()),
        t0(),
    );
    assert_ne!(revoke.canonical_bytes(), enroll.statement.canonical_bytes());
}

#[test]
fn nothing_verifies_against_a_closed_session() {
    let open = in_status(Status::Approved);
    let closed = in_status(Status::LoggedOut);
    let logout = Statement::new(
        Claim::Logout {
            session: open.uid(),
            details: open.details_digest().unwrap(),
        },
        service_url(),
        Signer::Requester,
        t0(),
    )
    .sign(&cert_key());
    assert_eq!(
        closed.verify_requester(&logout, &service_url(), t0(), Freshness::default()),
        Err(StatementError::SessionClosed)
    );
}

#[test]
fn signed_statements_round_trip_through_json() {
    let session = pending();
    let signed = approval(&session, t0());
    let json = serde_json::to_string(&signed).unwrap();
    let back: SignedStatement = serde_json::from_str(&json).unwrap();
    assert_eq!(back, signed);
    assert_eq!(verify(&session, &back), Ok(Action::Approve));
}

#[test]
fn weak_and_malformed_keys_are_refused() {
    // The identity point: a small-order key that would accept forgeries.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    assert!(PublicKey::from_bytes(&identity).is_err());
    assert!(PublicKey::from_text("not base64!").is_err());
    assert!(PublicKey::from_text("AAAA").is_err());
    assert!(Signature::from_text(&"A".repeat(85)).is_err());
}

proptest! {
    #![proptest_config(crate::common::proptest_config(64))]

    #[test]
    fn a_statement_verifies_only_for_its_own_session(a in any::<[u8; 16]>(), b in any::<[u8; 16]>()) {
        prop_assume!(a != b);
        let make = |bytes| countersign_core::LoginSession::request(
            request(), uid_from_random(bytes), "203.0.113.9".parse().unwrap(), t0(), TimeDelta::minutes(10)).unwrap();
        let (one, other) = (make(a), make(b));
        let signed = approval(&one, t0());
        prop_assert_eq!(verify(&one, &signed), Ok(Action::Approve));
        prop_assert!(verify(&other, &signed).is_err());
    }
}
