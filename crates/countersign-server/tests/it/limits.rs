//! Rate limits and waiter caps, by source: every costly route has a budget
//! (statements, long polls, reads, account calls), an IPv6 /64 is one
//! source, and the long polls waiting at once are capped per source and in
//! all. Each refusal is `429 rate_limited` with a `Retry-After`.

use std::net::{IpAddr, SocketAddr};

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode, header};
use countersign_server::http;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;

use crate::common::*;

on_both_backends!(
    costly_routes_are_limited_by_source,
    a_statement_flood_is_limited,
    an_ipv6_slash_64_shares_one_bucket,
    waiters_are_capped_per_source,
    waiters_are_capped_in_all,
);

/// The service's router as seen from `source`.
fn from(service: &Service, source: &str) -> Router {
    let ip: IpAddr = source.parse().unwrap();
    http::router(service.state.clone()).layer(MockConnectInfo(SocketAddr::new(ip, 40000)))
}

/// An answer's status, its `Retry-After` and its error code.
async fn answer(
    router: &Router,
    method: Method,
    path: &str,
    body: Option<&Value>,
) -> (StatusCode, Option<u64>, Option<String>) {
    let request = Request::builder().method(method).uri(path);
    let request = match body {
        Some(body) => request
            .header("content-type", "application/json")
            .body(Body::from(body.to_string())),
        None => request.body(Body::empty()),
    }
    .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let retry_after = response
        .headers()
        .get(header::RETRY_AFTER)
        .map(|v| v.to_str().unwrap().parse().unwrap());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_error_body(status, &value);
    let code = value["error"]["code"].as_str().map(str::to_owned);
    (status, retry_after, code)
}

fn is_limited(answer: &(StatusCode, Option<u64>, Option<String>)) -> bool {
    answer.0 == StatusCode::TOO_MANY_REQUESTS
        && answer.1.is_some_and(|s| s >= 1)
        && answer.2.as_deref() == Some("rate_limited")
}

const UID: &str = "0190a4c2-6b1e-7c3a-9f00-000000000001";

/// With a budget of one, a second call to each costly route is refused,
/// and the account routes share one budget.
async fn costly_routes_are_limited_by_source(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.read_rate = (1, 0.01);
        c.wait_rate = (1, 0.01);
        c.statement_rate = (1, 0.01);
        c.account_rate = (1, 0.01);
    })
    .await
    else {
        return;
    };
    let router = from(&service, "198.51.100.7");
    let empty = json!({});
    let own_budget: [(Method, String, Option<&Value>); 3] = [
        (Method::GET, format!("/api/sessions/{UID}"), None),
        (
            Method::GET,
            format!("/api/sessions/{UID}/wait?status=pending&timeout_s=0"),
            None,
        ),
        (
            Method::POST,
            format!("/api/sessions/{UID}/statements"),
            Some(&empty),
        ),
    ];
    for (method, path, body) in own_budget {
        let first = answer(&router, method.clone(), &path, body).await;
        assert!(!is_limited(&first), "{method} {path}: {first:?}");
        let second = answer(&router, method.clone(), &path, body).await;
        assert!(is_limited(&second), "{method} {path}: {second:?}");
    }

    let account_routes: [(Method, &str); 6] = [
        (Method::POST, "/api/enrollments"),
        (Method::POST, "/api/enrollments/lookup"),
        (Method::POST, "/api/enrollments/redeem"),
        (Method::POST, "/api/devices"),
        (Method::POST, "/api/devices/revoke"),
        (Method::POST, "/api/account"),
    ];
    let first = answer(&router, Method::POST, "/api/account", Some(&empty)).await;
    assert!(!is_limited(&first), "{first:?}");
    for (method, path) in account_routes {
        let body = (method == Method::POST).then_some(&empty);
        let refused = answer(&router, method.clone(), path, body).await;
        assert!(is_limited(&refused), "{method} {path}: {refused:?}");
    }

    // Another source has budgets of its own.
    let other = from(&service, "198.51.100.8");
    let read = answer(&other, Method::GET, &format!("/api/sessions/{UID}"), None).await;
    assert_eq!(read.0, StatusCode::NOT_FOUND, "{read:?}");
}

/// Statements past the burst are refused before their body is read, so a
/// flood of unreadable ones costs nothing past the check.
async fn a_statement_flood_is_limited(db: Db) {
    let Some(service) = service_on(db, |c| c.statement_rate = (60, 5.0)).await else {
        return;
    };
    let router = from(&service, "198.51.100.9");
    let path = format!("/api/sessions/{UID}/statements");
    let junk = json!({"not": "a statement"});
    let mut limited = 0;
    for _ in 0..200 {
        if is_limited(&answer(&router, Method::POST, &path, Some(&junk)).await) {
            limited += 1;
        }
    }
    assert_eq!(limited, 140, "60 of 200 pass at once, the rest are refused");
    // A second later, five more are allowed.
    service.clock.advance(std::time::Duration::from_secs(1));
    let mut passed = 0;
    for _ in 0..10 {
        if !is_limited(&answer(&router, Method::POST, &path, Some(&junk)).await) {
            passed += 1;
        }
    }
    assert_eq!(passed, 5);
}

/// Two addresses in one IPv6 /64 share one budget; the next /64 is apart.
async fn an_ipv6_slash_64_shares_one_bucket(db: Db) {
    let Some(service) = service_on(db, |c| c.lookup_rate = (2, 0.01)).await else {
        return;
    };
    let path = "/api/approvals/00.00.00.00";
    let lookup = |source: &str| {
        let router = from(&service, source);
        async move { answer(&router, Method::GET, path, None).await }
    };
    assert_eq!(lookup("2001:db8:1:2::1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        lookup("2001:db8:1:2:ffff:ffff:ffff:fffe").await.0,
        StatusCode::NOT_FOUND
    );
    assert!(is_limited(&lookup("2001:db8:1:2:abcd::42").await));
    assert_eq!(lookup("2001:db8:1:3::1").await.0, StatusCode::NOT_FOUND);
    // IPv4 keeps its whole address.
    assert_eq!(lookup("192.0.2.1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(lookup("192.0.2.2").await.0, StatusCode::NOT_FOUND);
}

/// Starts a long poll on `uid` from `router` that waits until it is
/// released or aborted.
fn long_poll(router: &Router, uid: &str) -> tokio::task::JoinHandle<(StatusCode, Value)> {
    let request = Request::get(format!(
        "/api/sessions/{uid}/wait?status=pending&timeout_s=30"
    ))
    .body(Body::empty())
    .unwrap();
    tokio::spawn(send_to(router.clone(), request))
}

/// A long poll that answers at once (`timeout_s=0`) if admitted.
async fn quick_poll(router: &Router, uid: &str) -> (StatusCode, Option<u64>, Option<String>) {
    let path = format!("/api/sessions/{uid}/wait?status=pending&timeout_s=0");
    answer(router, Method::GET, &path, None).await
}

async fn pending_sessions(service: &Service, count: usize) -> Vec<String> {
    let mut uids = Vec::new();
    for _ in 0..count {
        let answer = ask(service, &Requester::new(), "ada").await;
        uids.push(answer["uid"].as_str().unwrap().to_owned());
    }
    uids
}

/// One source may hold `max_waiters_per_source` long polls at once; the
/// next is refused until one ends, and other sources are not affected.
async fn waiters_are_capped_per_source(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.max_waiters_per_source = 2;
        c.max_waiters = 100;
    })
    .await
    else {
        return;
    };
    let uids = pending_sessions(&service, 3).await;
    let one = from(&service, "2001:db8:5:6::1");
    let same = from(&service, "2001:db8:5:6::2");
    let polls = [long_poll(&one, &uids[0]), long_poll(&same, &uids[1])];
    service.waiting_on(2).await;

    assert!(is_limited(&quick_poll(&one, &uids[2]).await));
    assert!(is_limited(&quick_poll(&same, &uids[2]).await));
    let other = from(&service, "2001:db8:5:7::1");
    assert_eq!(quick_poll(&other, &uids[2]).await.0, StatusCode::OK);

    // When one of the source's polls ends, it may wait again.
    polls[0].abort();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        while service.state.waiters.len() > 1 {
            tokio::task::yield_now().await;
        }
    })
    .await;
    assert_eq!(quick_poll(&one, &uids[2]).await.0, StatusCode::OK);
    polls[1].abort();
}

/// At most `max_waiters` long polls wait at once on an instance, whoever
/// sends them.
async fn waiters_are_capped_in_all(db: Db) {
    let Some(service) = service_on(db, |c| {
        c.max_waiters = 2;
        c.max_waiters_per_source = 100;
    })
    .await
    else {
        return;
    };
    let uids = pending_sessions(&service, 3).await;
    let polls = [
        long_poll(&from(&service, "198.51.100.1"), &uids[0]),
        long_poll(&from(&service, "198.51.100.2"), &uids[1]),
    ];
    service.waiting_on(2).await;
    let third = from(&service, "198.51.100.3");
    assert!(is_limited(&quick_poll(&third, &uids[2]).await));
    // A read is not a wait: it is still answered.
    let (status, _) = send_to(
        third.clone(),
        Request::get(format!("/api/sessions/{}", uids[2]))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    for poll in polls {
        poll.abort();
    }
}
