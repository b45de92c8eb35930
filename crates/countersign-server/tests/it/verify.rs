//! `POST /api/authorisations/verify`: a relying party sends the token a
//! requester signed with its session key; the service answers who it speaks
//! for, or refuses it with the reason's code; with `once`, a token is
//! accepted once only.

use std::time::Duration;

use crate::common::*;
use axum::http::StatusCode;
use chrono::TimeDelta;
use countersign_core::{
    AUTHORISATION_WINDOW, Authorisation, Keypair, SignedAuthorisation, body_digest, uid_from_random,
};
use countersign_server::ops::authorisations::NONCE_GRACE;
use countersign_server::ops::sweeper as sessions;
use serde_json::{Value, json};

on_both_backends!(
    a_good_token_says_who_is_asking,
    every_refusal_answers_its_code,
    once_accepts_a_token_once,
    used_nonces_are_swept_once_stale_everywhere,
);

const RESOURCE: &str = "GET https://api.example/v1/files";

/// The code of a refusal, with its status.
fn refusal(answer: &(StatusCode, Value)) -> (StatusCode, &str) {
    (answer.0, answer.1["error"]["code"].as_str().unwrap_or("-"))
}

/// A token signed by `key` for anything under any session and user.
fn forged(
    session_uid: uuid::Uuid,
    user_uid: uuid::Uuid,
    service: &str,
    at: chrono::DateTime<chrono::Utc>,
    key: &Keypair,
) -> String {
    Authorisation::new(session_uid, user_uid, service, RESOURCE, None, at, random())
        .unwrap()
        .sign(key)
        .to_token()
}

async fn a_good_token_says_who_is_asking(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let session = approved(&service, &approver, &requester, "ada").await;
    let token = requester.authorise(&session, RESOURCE, None, service.now());

    let (status, identity) = service.verify(&token, RESOURCE, false).await;
    assert_eq!(status, StatusCode::OK, "{identity}");
    let login_expires_at = session.login_expires_at().unwrap();
    assert_eq!(
        identity,
        json!({
            "user_uid": approver.user,
            "username": "ada",
            "session_uid": session.uid(),
            "scope": ["deploy"],
            "permissions": ["read"],
            "login_expires_at": login_expires_at,
        })
    );
    // Core's body reads it.
    let read: countersign_core::api::VerifiedAuthorisation =
        serde_json::from_value(identity).unwrap();
    assert_eq!(read.session_uid, session.uid());

    // A token bound to a body is accepted with that body's digest only.
    let bound = requester.authorise(&session, RESOURCE, Some(b"amount=10"), service.now());
    let with_digest = |digest: &[u8]| json!({"token": bound, "resource": RESOURCE, "body_sha256": body_digest(digest)});
    let path = "/api/authorisations/verify";
    let (status, body) = service.post(path, with_digest(b"amount=10")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = service.post(path, with_digest(b"amount=1000")).await;
    assert_eq!(refusal(&answer), (StatusCode::FORBIDDEN, "wrong_body"));
}

async fn every_refusal_answers_its_code(db: Db) {
    let lifetime = TimeDelta::minutes(30);
    let Some(service) = service_on(db, |c| c.login_lifetime = lifetime).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let session = approved(&service, &approver, &requester, "ada").await;
    let now = service.now();
    let good = requester.authorise(&session, RESOURCE, None, now);
    let user = approver.user;
    let window = AUTHORISATION_WINDOW;

    let pending_requester = Requester::new();
    let pending = ask(&service, &pending_requester, "ada").await;
    let pending_uid = pending["uid"].as_str().unwrap().parse().unwrap();

    let cases: Vec<(&str, String, &str, StatusCode, &str)> = vec![
        (
            "not a token",
            "Countersign x".into(),
            RESOURCE,
            StatusCode::BAD_REQUEST,
            "bad_token",
        ),
        (
            "an empty resource",
            good.clone(),
            "",
            StatusCode::BAD_REQUEST,
            "bad_resource",
        ),
        (
            "an unknown session",
            forged(
                uid_from_random(random()),
                user,
                PUBLIC_URL,
                now,
                &requester.cert,
            ),
            RESOURCE,
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "another key",
            forged(
                session.uid(),
                user,
                PUBLIC_URL,
                now,
                &Keypair::from_seed(&random()),
            ),
            RESOURCE,
            StatusCode::FORBIDDEN,
            "bad_signature",
        ),
        (
            "a stale token",
            requester.authorise(
                &session,
                RESOURCE,
                None,
                now - window.max_age - TimeDelta::seconds(1),
            ),
            RESOURCE,
            StatusCode::FORBIDDEN,
            "stale",
        ),
        (
            "a token from the future",
            requester.authorise(
                &session,
                RESOURCE,
                None,
                now + window.max_skew + TimeDelta::seconds(1),
            ),
            RESOURCE,
            StatusCode::FORBIDDEN,
            "stale",
        ),
        (
            "another identity service",
            forged(
                session.uid(),
                user,
                "https://other.example",
                now,
                &requester.cert,
            ),
            RESOURCE,
            StatusCode::FORBIDDEN,
            "wrong_service",
        ),
        (
            "another resource",
            good.clone(),
            "GET https://api.example/v1/admin",
            StatusCode::FORBIDDEN,
            "wrong_resource",
        ),
        (
            "another user",
            forged(
                session.uid(),
                uid_from_random(random()),
                PUBLIC_URL,
                now,
                &requester.cert,
            ),
            RESOURCE,
            StatusCode::FORBIDDEN,
            "wrong_user",
        ),
        (
            "a pending session",
            forged(pending_uid, user, PUBLIC_URL, now, &pending_requester.cert),
            RESOURCE,
            StatusCode::FORBIDDEN,
            "session_not_approved",
        ),
    ];
    for (what, token, resource, status, code) in &cases {
        let answer = service.verify(token, resource, false).await;
        assert_eq!(refusal(&answer), (*status, *code), "{what}: {}", answer.1);
    }
    // The good token is still good: the refusals used nothing up.
    assert_eq!(
        service.verify(&good, RESOURCE, true).await.0,
        StatusCode::OK
    );

    // Reported as "this wasn't me": tokens signed before are refused.
    let suspect_requester = Requester::new();
    let suspect = approved(&service, &approver, &suspect_requester, "ada").await;
    let early = suspect_requester.authorise(&suspect, RESOURCE, None, service.now());
    let path = format!("/api/sessions/{}/statements", suspect.uid());
    let (status, body) = service
        .post(&path, approver.decide(&suspect, "suspicious", None))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = service.verify(&early, RESOURCE, false).await;
    assert_eq!(refusal(&answer), (StatusCode::FORBIDDEN, "suspicious"));

    // Logged out: a token signed before the logout is refused after it.
    let path = format!("/api/sessions/{}/statements", session.uid());
    let (status, body) = service.post(&path, requester.logout(&session)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answer = service.verify(&good, RESOURCE, false).await;
    assert_eq!(refusal(&answer), (StatusCode::FORBIDDEN, "logged_out"));

    // Past its lifetime: the read that verifies expires the login.
    let lasting_requester = Requester::new();
    let lasting = approved(&service, &approver, &lasting_requester, "ada").await;
    service
        .clock
        .advance((lifetime - TimeDelta::seconds(10)).to_std().unwrap());
    let late = lasting_requester.authorise(&lasting, RESOURCE, None, service.now());
    assert_eq!(
        service.verify(&late, RESOURCE, false).await.0,
        StatusCode::OK
    );
    service.clock.advance(Duration::from_secs(10));
    let answer = service.verify(&late, RESOURCE, false).await;
    assert_eq!(refusal(&answer), (StatusCode::GONE, "expired"));
    assert_eq!(
        audit_actions(&service, lasting.uid()).await,
        ["request", "approve", "expire"]
    );
}

async fn once_accepts_a_token_once(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let session = approved(&service, &approver, &requester, "ada").await;
    let token = requester.authorise(&session, RESOURCE, None, service.now());

    // A refused use records nothing.
    let answer = service
        .verify(&token, "GET https://api.example/v2", true)
        .await;
    assert_eq!(refusal(&answer), (StatusCode::FORBIDDEN, "wrong_resource"));
    assert_eq!(
        service.verify(&token, RESOURCE, true).await.0,
        StatusCode::OK
    );
    let again = service.verify(&token, RESOURCE, true).await;
    assert_eq!(refusal(&again), (StatusCode::CONFLICT, "already_used"));
    // The same token read through its header form is the same token.
    let header = SignedAuthorisation::from_token(&token)
        .unwrap()
        .header_value();
    let reread = SignedAuthorisation::parse_header(&header)
        .unwrap()
        .to_token();
    let answer = service.verify(&reread, RESOURCE, true).await;
    assert_eq!(refusal(&answer), (StatusCode::CONFLICT, "already_used"));
    // A relying party that does not ask for `once` does not record it.
    assert_eq!(
        service.verify(&token, RESOURCE, false).await.0,
        StatusCode::OK
    );
    // Another token, another nonce.
    let next = requester.authorise(&session, RESOURCE, None, service.now());
    assert_eq!(
        service.verify(&next, RESOURCE, true).await.0,
        StatusCode::OK
    );
}

async fn used_nonces_are_swept_once_stale_everywhere(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let session = approved(&service, &approver, &requester, "ada").await;
    let signed_at = service.now();
    let token = requester.authorise(&session, RESOURCE, None, signed_at);
    assert_eq!(
        service.verify(&token, RESOURCE, true).await.0,
        StatusCode::OK
    );
    let nonce = SignedAuthorisation::from_token(&token)
        .unwrap()
        .authorisation
        .nonce();
    // Whether the nonce is still recorded: recording it again fails while
    // it is. (A probe that records it succeeds once, at the very end.)
    let store = &service.state.store;
    let kept_until = signed_at + AUTHORISATION_WINDOW.max_age + NONCE_GRACE;
    let recorded = async || {
        !store
            .record_nonce(session.uid(), nonce, kept_until)
            .await
            .unwrap()
    };

    let stale_at = AUTHORISATION_WINDOW.max_age.to_std().unwrap();
    service.clock.advance(stale_at);
    sessions::sweep(&service.state).await.unwrap();
    assert!(recorded().await, "kept while an instance may accept it");
    service
        .clock
        .advance(NONCE_GRACE.to_std().unwrap() + Duration::from_millis(1));
    let answer = service.verify(&token, RESOURCE, true).await;
    assert_eq!(refusal(&answer), (StatusCode::FORBIDDEN, "stale"));
    sessions::sweep(&service.state).await.unwrap();
    assert!(!recorded().await, "swept once stale everywhere");
}
