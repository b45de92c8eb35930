//! Statements name their service and their format: one signed for another
//! service is refused with `wrong_service`, one in format 1 (no marker, no
//! service) with `unsupported_format`, and neither changes anything.

use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use countersign_core::{Claim, ServiceUrl, Signer, Statement};
use serde_json::{Value, json};

use crate::common::*;

on_both_backends!(
    a_statement_for_another_service_is_refused_with_wrong_service,
    a_format_1_statement_is_refused_with_unsupported_format,
);

fn code_of(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<none>")
}

/// `claim` signed by `approver` for `service`.
fn signed_for(approver: &Approver, service: &str, claim: Claim) -> Value {
    let at: DateTime<Utc> = real_clock().now();
    let service = ServiceUrl::parse(service).unwrap();
    let signed = Statement::new(claim, service, Signer::Device(approver.device), at);
    serde_json::to_value(signed.sign(&approver.key)).unwrap()
}

/// The JSON a format-1 client sends: no format marker, no service.
fn as_format_1(mut signed: Value, marker: Option<&str>) -> Value {
    let statement = signed["statement"].as_object_mut().unwrap();
    statement.remove("service");
    match marker {
        Some(marker) => statement.insert("format".into(), json!(marker)),
        None => statement.remove("format"),
    };
    signed
}

async fn a_statement_for_another_service_is_refused_with_wrong_service(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let requester = Requester::new();
    let answer = ask(&service, &requester, "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let approve = Claim::Approve {
        session: page.uid(),
        details: page.details_digest().unwrap(),
        code: countersign_core::VerificationCode::new(drawn_code(&answer)).unwrap(),
    };
    let statements = format!("/api/sessions/{}/statements", page.uid());
    // Another host, another scheme, another port, another path: each is
    // another service.
    for other in [
        "https://evil.example",
        "https://cs.test",
        "http://cs.test:8080",
        "http://cs.test/other",
    ] {
        let (status, body) = service
            .post(&statements, signed_for(&ada, other, approve.clone()))
            .await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::FORBIDDEN, "wrong_service"),
            "{other}: {body}"
        );
    }
    assert_eq!(
        stored_status(&service, page.uid()).await.as_str(),
        "pending"
    );
    // The same spelled otherwise is this service.
    let (status, body) = service
        .post(
            &statements,
            signed_for(&ada, "HTTP://CS.TEST:80/", approve.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Account statements too: no link, no account, no revocation.
    let user = ada.user;
    for (path, claim) in [
        ("/api/enrollments", Claim::InviteDevice { user }),
        ("/api/account", Claim::ReadAccount { user }),
        (
            "/api/devices/revoke",
            Claim::RevokeDevice {
                user,
                device: ada.device,
            },
        ),
    ] {
        let (status, body) = service
            .post(path, signed_for(&ada, "https://evil.example", claim))
            .await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::FORBIDDEN, "wrong_service"),
            "{path}: {body}"
        );
    }
    let (user_id, token) = service.add_user("bob").await;
    let bob = Approver::new(user_id);
    let mut enrollment: Value = bob.enrollment();
    enrollment["statement"]["service"] = json!("https://evil.example");
    let (status, body) = service.redeem(&token, enrollment).await;
    assert_eq!(code_of(&body), "wrong_service", "{status} {body}");
    let (status, body) = service.redeem(&token, bob.enrollment()).await;
    assert_eq!(status, StatusCode::CREATED, "the link is unused: {body}");
    let read = ada.sign(Claim::ReadAccount { user });
    let (status, account) = service.post("/api/account", read).await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert!(account["devices"][0]["revoked_at"].is_null(), "{account}");
}

async fn a_format_1_statement_is_refused_with_unsupported_format(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let ada = service.user_with_device("ada").await;
    let requester = Requester::new();
    let answer = ask(&service, &requester, "ada").await;
    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let statements = format!("/api/sessions/{}/statements", page.uid());
    let user = ada.user;
    for marker in [None, Some("countersign-statement/1")] {
        let deny = as_format_1(ada.decide(&page, "deny", None), marker);
        let (status, body) = service.post(&statements, deny).await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::BAD_REQUEST, "unsupported_format"),
            "{body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("countersign-statement/2"),
            "says what is accepted: {message}"
        );
        for (path, claim) in [
            ("/api/enrollments", Claim::InviteDevice { user }),
            ("/api/account", Claim::ReadAccount { user }),
        ] {
            let old = as_format_1(ada.sign(claim), marker);
            let (status, body) = service.post(path, old).await;
            assert_eq!(
                (status, code_of(&body)),
                (StatusCode::BAD_REQUEST, "unsupported_format"),
                "{path}: {body}"
            );
        }
        // Inside a body too: a sponsored enrollment's proof.
        let second = Approver::new(user);
        let claim = Claim::EnrollDevice {
            user,
            device: second.device,
            device_key: second.key.public_key(),
            device_name: countersign_core::DeviceName::new("Old browser").unwrap(),
        };
        let body = json!({
            "sponsor": ada.sign(claim.clone()),
            "proof": as_format_1(second.sign(claim), marker),
        });
        let (status, body) = service.post("/api/devices", body).await;
        assert_eq!(
            (status, code_of(&body)),
            (StatusCode::BAD_REQUEST, "unsupported_format"),
            "{body}"
        );
    }
    assert_eq!(
        stored_status(&service, page.uid()).await.as_str(),
        "pending"
    );
    // A current statement whose other fields are wrong is a bad field, not
    // an old format.
    let mut bad = ada.decide(&page, "deny", None);
    bad["statement"]["signer"] = json!("nobody");
    let (status, body) = service.post(&statements, bad).await;
    assert_eq!(
        (status, code_of(&body)),
        (StatusCode::BAD_REQUEST, "bad_field")
    );
}
