//! `X-Forwarded-For` behind trusted proxies: read from the right, an entry
//! a proxy wrote as `ip:port`, `[v6]` or `[v6]:port` is understood, and one
//! that cannot be read (`unknown`) ends the walk there, so that what a
//! client wrote further left can never choose its address.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};

use crate::common::{Db, Requester, Service, service_on};

/// The address the service records for a login requested through the
/// router's peer (203.0.113.5) with these `X-Forwarded-For` lines.
async fn recorded_source(service: &Service, forwarded: &[&str]) -> String {
    let mut request = Request::builder()
        .method(Method::POST)
        .uri("/api/sessions")
        .header("content-type", "application/json");
    for line in forwarded {
        request = request.header("x-forwarded-for", *line);
    }
    let request = request
        .body(Body::from(Requester::new().request("ada").to_string()))
        .unwrap();
    let (status, answer) = service.send(request).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    let uid = answer["uid"].as_str().unwrap();
    let (_, session) = service.get(&format!("/api/sessions/{uid}")).await;
    session["ipaddr"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn forwarded_entries_are_read_from_the_right_and_stop_at_one_that_does_not_parse() {
    let Some(service) = service_on(Db::Sqlite, |c| {
        c.trusted_proxies = vec!["203.0.113.5".parse().unwrap(), "192.0.2.1".parse().unwrap()];
    })
    .await
    else {
        return;
    };
    let cases: &[(&[&str], &str)] = &[
        (&["10.9.9.9, 198.51.100.7"], "198.51.100.7"),
        (&["10.9.9.9, 198.51.100.7:4711"], "198.51.100.7"),
        (&["10.9.9.9, [2001:db8::7]:4711"], "2001:db8::7"),
        (&["10.9.9.9, [2001:db8::7]"], "2001:db8::7"),
        (&["10.9.9.9,2001:db8::7"], "2001:db8::7"),
        // A chain of trusted proxies is walked through, ports or not.
        (&["10.9.9.9, 198.51.100.7, 192.0.2.1:80"], "198.51.100.7"),
        // Header lines join in order.
        (&["10.9.9.9", "198.51.100.7"], "198.51.100.7"),
        // What a proxy could not name stops the walk: the client behind
        // it is unknown, so the last trusted hop is the address, never an
        // entry the client wrote further left.
        (&["198.51.100.7, unknown"], "203.0.113.5"),
        (&["10.9.9.9, unknown, 192.0.2.1"], "192.0.2.1"),
        (&["10.9.9.9, 198.51.100.7:port"], "203.0.113.5"),
        (&["10.9.9.9, [2001:db8::7"], "203.0.113.5"),
        (&["10.9.9.9, "], "203.0.113.5"),
    ];
    for (forwarded, expected) in cases {
        assert_eq!(
            recorded_source(&service, forwarded).await,
            *expected,
            "X-Forwarded-For: {forwarded:?}"
        );
    }
}
