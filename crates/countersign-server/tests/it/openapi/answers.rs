//! Real answers through the router, one route after another as a user's
//! day goes, each held against what the document lists for it; and the
//! rate limits' 429s.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use countersign_core::{Claim, DeviceName, LoginSession};
use serde_json::json;
use uuid::Uuid;

use super::checker::Checker;
use super::{document, routes};
use crate::common::{Approver, Requester};

/// Every route, through the real router: successes first, then refusals.
#[tokio::test]
async fn every_route_answers_as_documented() {
    let service = crate::common::service().await;
    let mut check = Checker::new();

    // The service's own pages.
    for path in ["/", "/healthz", "/metrics"] {
        assert_eq!(check.get(&service, path, path).await.0, StatusCode::OK);
    }
    let (status, served) = check.get(&service, "/openapi.json", "/openapi.json").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(served, document(), "the document is served as it is");

    // A user enrolls a first device with a one-time link, its token in
    // the bodies.
    let lookup = "/api/enrollments/lookup";
    let redeem = "/api/enrollments/redeem";
    let (user, token) = service.add_user("ada").await;
    let link = json!({"token": token});
    let (status, view) = check.post(&service, lookup, lookup, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(view["user_uid"], user.to_string());
    let approver = Approver::new(user);
    let redemption = json!({"token": token, "proof": approver.enrollment()});
    let (status, device) = check.post(&service, redeem, redeem, &redemption).await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
    let (status, _) = check.post(&service, lookup, lookup, &link).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link is used up");
    let again = json!({"token": token, "proof": Approver::new(user).enrollment()});
    let (status, _) = check.post(&service, redeem, redeem, &again).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = check.post(&service, lookup, lookup, &json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "no token");
    let bad_name =
        json!({"token": token, "proof": {"statement": {"claim": {"action": "enroll_device"}}}});
    let (status, _) = check.post(&service, redeem, redeem, &bad_name).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The first device sponsors a second one.
    let second = Approver::new(user);
    let claim = Claim::EnrollDevice {
        user,
        device: second.device,
        device_key: second.key.public_key(),
        device_name: DeviceName::new("Second browser").unwrap(),
    };
    let sponsored = json!({"sponsor": approver.sign(claim.clone()), "proof": second.sign(claim)});
    let (status, device) = check
        .post(&service, "/api/devices", "/api/devices", &sponsored)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{device}");
    let (status, _) = check
        .post(&service, "/api/devices", "/api/devices", &sponsored)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "already registered");
    let differing = json!({"sponsor": sponsored["sponsor"], "proof": approver.enrollment()});
    let (status, _) = check
        .post(&service, "/api/devices", "/api/devices", &differing)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "claims differ");

    // The first device invites another with a fresh link.
    let enrollments = "/api/enrollments";
    let invite = approver.sign(Claim::InviteDevice { user });
    let (status, invitation) = check
        .post(&service, enrollments, enrollments, &invite)
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let url = invitation["enrollment_url"].as_str().unwrap();
    let fresh = url.split("#token=").nth(1).unwrap();
    let (status, _) = check
        .post(&service, lookup, lookup, &json!({"token": fresh}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let not_an_invite = approver.sign(Claim::ReadAccount { user });
    let (status, _) = check
        .post(&service, enrollments, enrollments, &not_an_invite)
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The second device registers a passkey, once.
    let (options, passkeys) = ("/api/passkeys/options", "/api/passkeys");
    let asked = second.sign(Claim::RegisterPasskey {
        user,
        device: second.device,
    });
    let (status, offered) = check.post(&service, options, options, &asked).await;
    assert_eq!(status, StatusCode::OK, "{offered}");
    let authenticator = crate::authenticator::Authenticator::new(3, crate::common::PUBLIC_URL);
    let credential = authenticator.register(offered["challenge"].as_str().unwrap());
    let registration = json!({"device": second.device, "credential": credential});
    let (status, _) = check
        .post(&service, passkeys, passkeys, &registration)
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _) = check
        .post(&service, passkeys, passkeys, &registration)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the options were used");
    let asked_again = second.sign(Claim::RegisterPasskey {
        user,
        device: second.device,
    });
    let (status, _) = check.post(&service, options, options, &asked_again).await;
    assert_eq!(status, StatusCode::CONFLICT, "it has one");

    // A program asks for a login.
    let requester = Requester::new();
    let (status, answer) = check
        .post(
            &service,
            "/api/sessions",
            "/api/sessions",
            &requester.request("ada"),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let uid = answer["uid"].as_str().unwrap().to_owned();
    let short = answer["short_uid"].as_str().unwrap().to_owned();
    let code = u8::try_from(answer["verification_code"].as_u64().unwrap()).unwrap();
    let session = format!("/api/sessions/{uid}");
    let (status, _) = check.get(&service, "/api/sessions/{uid}", &session).await;
    assert_eq!(status, StatusCode::OK);
    let unknown = Uuid::from_u128(0x0123_4567_89ab_4def_8123_4567_89ab_cdef);
    for (path, expected) in [
        (
            "/api/sessions/not-a-uid".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (format!("/api/sessions/{unknown}"), StatusCode::NOT_FOUND),
        ("/api/sessions/%FF".to_owned(), StatusCode::BAD_REQUEST),
    ] {
        let (status, _) = check.get(&service, "/api/sessions/{uid}", &path).await;
        assert_eq!(status, expected, "{path}");
    }

    // The program waits: answered at once when the status it saw differs,
    // at the timeout otherwise.
    let wait = "/api/sessions/{uid}/wait";
    for query in ["status=approved&timeout_s=5", "timeout_s=0"] {
        let (status, now) = check
            .get(&service, wait, &format!("{session}/wait?{query}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(now["status"], "pending");
    }
    for path in [
        format!("{session}/wait?status=maybe"),
        format!("{session}/wait?timeout_s=-1"),
        "/api/sessions/not-a-uid/wait".to_owned(),
    ] {
        let (status, _) = check.get(&service, wait, &path).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}");
    }
    let (status, _) = check
        .get(&service, wait, &format!("/api/sessions/{unknown}/wait"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The approver looks it up by its short uid and approves.
    let approval = "/api/approvals/{short_uid}";
    let (status, page) = check
        .get(&service, approval, &format!("/api/approvals/{short}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let shown = LoginSession::from_json_value(page["session"].clone()).unwrap();
    // The page shows no code: the approver types the one the program shows.
    let keys: Vec<&String> = page.as_object().unwrap().keys().collect();
    assert!(!keys.iter().any(|k| k.contains("code")), "{keys:?}");
    let (status, _) = check.get(&service, approval, "/api/approvals/zz").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // The seed's load by short uid and status.
    let load = "/api/sessions";
    let (status, found) = check
        .get(
            &service,
            load,
            &format!("{load}?short_uid={short}&status=pending"),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["sessions"][0]["uid"], uid);
    for (query, expected) in [
        (
            format!("short_uid={short}&status=approved"),
            StatusCode::NOT_FOUND,
        ),
        (format!("short_uid={short}"), StatusCode::BAD_REQUEST),
        (
            "short_uid=zz&status=pending".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            format!("short_uid={short}&status=pending&scope=deploy"),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (status, _) = check.get(&service, load, &format!("{load}?{query}")).await;
        assert_eq!(status, expected, "{query}");
    }

    let statements = "/api/sessions/{uid}/statements";
    let act = format!("{session}/statements");
    let approve = approver.decide(&shown, "approve", Some(code));
    let (status, after) = check.post(&service, statements, &act, &approve).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "approved");
    let (status, _) = check.post(&service, statements, &act, &approve).await;
    assert_eq!(status, StatusCode::CONFLICT, "approved already");
    let (status, _) = check
        .get(&service, approval, &format!("/api/approvals/{short}"))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no longer pending");

    // The program signs a request to a relying party, which asks the
    // service whether the token is good, once.
    let verify = "/api/authorisations/verify";
    let logged_in = LoginSession::from_json_value(after.clone()).unwrap();
    let resource = "GET https://api.example/v1/files";
    let token = requester.authorise(&logged_in, resource, None, service.now());
    let asked = json!({"token": token, "resource": resource, "once": true});
    let (status, identity) = check.post(&service, verify, verify, &asked).await;
    assert_eq!(status, StatusCode::OK, "{identity}");
    assert_eq!(identity["session_uid"], uid);
    let (status, _) = check.post(&service, verify, verify, &asked).await;
    assert_eq!(status, StatusCode::CONFLICT, "used once already");
    let digest = countersign_core::body_digest(b"{}");
    for (body, expected) in [
        (
            json!({"token": "x", "resource": resource}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"token": token}), StatusCode::BAD_REQUEST),
        (
            json!({"token": token, "resource": "GET https://api.example/v2"}),
            StatusCode::FORBIDDEN,
        ),
        (
            json!({"token": token, "resource": resource, "body_sha256": digest}),
            StatusCode::FORBIDDEN,
        ),
    ] {
        let (status, _) = check.post(&service, verify, verify, &body).await;
        assert_eq!(status, expected, "{body}");
    }
    let stranger = Requester::new();
    let unknown_session = countersign_core::Authorisation::new(
        unknown,
        user,
        crate::common::PUBLIC_URL,
        resource,
        None,
        service.now(),
        [7; 16],
    )
    .unwrap()
    .sign(&stranger.cert)
    .to_token();
    let (status, _) = check
        .post(
            &service,
            verify,
            verify,
            &json!({"token": unknown_session, "resource": resource}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    for (query, expected) in [
        ("scope=deploy", StatusCode::OK),
        ("permissions=read,write", StatusCode::FORBIDDEN),
        ("scope=%01", StatusCode::BAD_REQUEST),
    ] {
        let (status, narrowed) = check
            .get(
                &service,
                "/api/sessions/{uid}",
                &format!("{session}?{query}"),
            )
            .await;
        assert_eq!(status, expected, "{query}: {narrowed}");
    }
    let (status, found) = check
        .get(
            &service,
            load,
            &format!("{load}?short_uid={short}&status=approved&scope="),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        found["sessions"][0]["scope"],
        json!([]),
        "narrowed to nothing"
    );
    let elsewhere = format!("/api/sessions/{unknown}/statements");
    let (status, _) = check.post(&service, statements, &elsewhere, &approve).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let wrong = approver.decide(&shown, "deny", None);
    let (status, _) = check
        .post(
            &service,
            statements,
            "/api/sessions/not-a-uid/statements",
            &wrong,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let by_requester = requester.logout(&shown);
    let mut forged = by_requester.clone();
    forged["statement"]["claim"]["action"] = json!("deny");
    let (status, _) = check.post(&service, statements, &act, &forged).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the requester may only log out"
    );

    // Malformed bodies, on the route that takes any statement.
    let raw = |body: &'static str, typed: bool| {
        let request = Request::post(act.clone());
        let request = if typed {
            request.header(header::CONTENT_TYPE, "application/json")
        } else {
            request
        };
        request.body(Body::from(body)).unwrap()
    };
    for (request, expected) in [
        (raw("{", true), StatusCode::BAD_REQUEST),
        (raw("{}", false), StatusCode::BAD_REQUEST),
        (raw("{}", true), StatusCode::BAD_REQUEST),
    ] {
        let (status, _) = check.send(&service, statements, request, None).await;
        assert_eq!(status, expected);
    }
    let huge = json!({ "padding": "x".repeat(countersign_server::http::MAX_BODY_BYTES) });
    let (status, _) = check.post(&service, statements, &act, &huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

    // The first device reads the account, then revokes the second device.
    let read = approver.sign(Claim::ReadAccount { user });
    let (status, account) = check
        .post(&service, "/api/account", "/api/account", &read)
        .await;
    assert_eq!(status, StatusCode::OK, "{account}");
    assert_eq!(account["devices"].as_array().unwrap().len(), 2);
    let someone_else = approver.sign(Claim::ReadAccount { user: unknown });
    let (status, _) = check
        .post(&service, "/api/account", "/api/account", &someone_else)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let revoke = "/api/devices/revoke";
    let revocation = approver.sign(Claim::RevokeDevice {
        user,
        device: second.device,
    });
    let (status, revoked) = check.post(&service, revoke, revoke, &revocation).await;
    assert_eq!(status, StatusCode::OK, "{revoked}");
    assert!(revoked["revoked_at"].is_string());
    let (status, _) = check.post(&service, revoke, revoke, &revocation).await;
    assert_eq!(status, StatusCode::CONFLICT, "revoked already");
    let nothing = approver.sign(Claim::RevokeDevice {
        user,
        device: unknown,
    });
    let (status, _) = check.post(&service, revoke, revoke, &nothing).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = check.post(&service, revoke, revoke, &read).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "not a revocation");
    let by_revoked = second.sign(Claim::ReadAccount { user });
    let (status, _) = check
        .post(&service, "/api/account", "/api/account", &by_revoked)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the device is revoked");

    super::recovery_answers::recovery_routes(&service, &mut check, &approver, fresh).await;

    // The program logs out; the closed session refuses further statements.
    let (status, after) = check.post(&service, statements, &act, &by_requester).await;
    assert_eq!(status, StatusCode::OK, "{after}");
    assert_eq!(after["status"], "logged_out");
    let late = approver.decide(&shown, "suspicious", None);
    let (status, _) = check.post(&service, statements, &act, &late).await;
    assert_eq!(status, StatusCode::CONFLICT, "the session is closed");
    let (status, _) = check
        .get(&service, wait, &format!("{session}/wait?status=approved"))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = check
        .post(
            &service,
            verify,
            verify,
            &json!({"token": requester.authorise(&logged_in, resource, None, service.now()), "resource": resource}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "logged out");

    assert_eq!(
        check.succeeded,
        routes(),
        "every route answered with success at least once"
    );
}

/// The rate-limited routes answer 429 with `Retry-After`, as documented.
#[tokio::test]
async fn rate_limits_answer_as_documented() {
    let service = crate::common::service_on(crate::common::Db::Sqlite, |config| {
        config.request_rate = (1, 0.01);
        config.lookup_rate = (1, 0.01);
        config.verify_rate = (1, 0.01);
        config.read_rate = (1, 0.01);
        config.wait_rate = (1, 0.01);
        config.statement_rate = (1, 0.01);
        config.account_rate = (1, 0.01);
    })
    .await
    .unwrap();
    let mut check = Checker::new();
    let request = Requester::new().request("ada");
    let route = "/api/sessions";
    assert_eq!(
        check.post(&service, route, route, &request).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        check.post(&service, route, route, &request).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let approval = "/api/approvals/{short_uid}";
    let path = "/api/approvals/00.00.00.00";
    assert_eq!(
        check.get(&service, approval, path).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        check.get(&service, approval, path).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    let load = "/api/sessions";
    let query = "/api/sessions?short_uid=00.00.00.00&status=pending";
    assert_eq!(
        check.get(&service, load, query).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "loads share the lookup budget"
    );
    let verify = "/api/authorisations/verify";
    let asked = json!({"token": "x", "resource": "deploy"});
    assert_eq!(
        check.post(&service, verify, verify, &asked).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        check.post(&service, verify, verify, &asked).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "verifications have a budget of their own"
    );
    // Reads, long polls and statements: a budget each.
    let uid = "0190a4c2-6b1e-7c3a-9f00-000000000001";
    let read = "/api/sessions/{uid}";
    let wait = "/api/sessions/{uid}/wait";
    let wait_path = format!("/api/sessions/{uid}/wait?status=pending&timeout_s=0");
    let statements = "/api/sessions/{uid}/statements";
    let statements_path = format!("/api/sessions/{uid}/statements");
    for _ in 0..2 {
        check
            .get(&service, read, &format!("/api/sessions/{uid}"))
            .await;
        check.get(&service, wait, &wait_path).await;
        check
            .post(&service, statements, &statements_path, &json!({}))
            .await;
    }
    assert_eq!(
        check
            .get(&service, read, &format!("/api/sessions/{uid}"))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        check.get(&service, wait, &wait_path).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        check
            .post(&service, statements, &statements_path, &json!({}))
            .await
            .0,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The account calls share one budget: the first is answered, every
    // other is refused.
    let account = "/api/account";
    assert_eq!(
        check.post(&service, account, account, &json!({})).await.0,
        StatusCode::BAD_REQUEST
    );
    for (route, path, post) in [
        ("/api/enrollments", "/api/enrollments", true),
        ("/api/enrollments/lookup", "/api/enrollments/lookup", true),
        ("/api/enrollments/redeem", "/api/enrollments/redeem", true),
        ("/api/devices", "/api/devices", true),
        ("/api/devices/revoke", "/api/devices/revoke", true),
        (account, account, true),
    ] {
        let answer = if post {
            check.post(&service, route, path, &json!({})).await
        } else {
            check.get(&service, route, path).await
        };
        assert_eq!(answer.0, StatusCode::TOO_MANY_REQUESTS, "{route}");
    }
}

/// With `serve --metrics-addr`, the public `/metrics` answers 404 as
/// documented.
#[tokio::test]
async fn metrics_served_apart_are_not_found_as_documented() {
    let service = crate::common::service_on(crate::common::Db::Sqlite, |config| {
        config.public_metrics = false;
    })
    .await
    .unwrap();
    let mut check = Checker::new();
    let (status, _) = check.get(&service, "/metrics", "/metrics").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
