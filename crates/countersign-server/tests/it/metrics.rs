//! `/metrics` after a scripted flow: each counter and gauge holds the
//! number of things that happened or are, no more and no less, and the
//! store's histograms count the operations made. The helpers read the
//! Prometheus text for the other `metrics_*` tests too.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_core::api::ErrorCode;
use countersign_core::{Action, Status};
use countersign_server::config::Limit;
use countersign_server::store::StoreOp;
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

on_both_backends!(metrics_count_a_scripted_flow);

/// The store's latency histograms: not exact (how long each took), so
/// read apart from the rest by [`histogram`].
pub const STORE_HISTOGRAM: &str = "countersign_store_duration_seconds";

/// The Prometheus text `GET /metrics` answers through `router`.
pub async fn scrape_text(router: &axum::Router) -> String {
    let request = Request::get("/metrics").body(Body::empty()).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert_eq!(content_type, "text/plain; version=0.0.4");
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// Every sample of Prometheus text: its name (with labels) and its value
/// as written. Each family has its `HELP` and `TYPE` before its samples.
pub fn parse(text: &str) -> BTreeMap<String, String> {
    let mut typed = Vec::new();
    let mut samples = BTreeMap::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.push(rest.split(' ').next().unwrap().to_owned());
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let (name, value) = line.rsplit_once(' ').unwrap();
        let family = name.split('{').next().unwrap();
        assert!(
            typed.iter().any(|t| family == t
                || [
                    t.clone() + "_bucket",
                    t.clone() + "_sum",
                    t.clone() + "_count"
                ]
                .contains(&family.to_owned())),
            "{family} has no TYPE line before it"
        );
        assert!(
            samples.insert(name.to_owned(), value.to_owned()).is_none(),
            "{name} twice"
        );
    }
    samples
}

/// Every sample but the store's histograms, each a whole number.
pub fn exact(text: &str) -> BTreeMap<String, u64> {
    parse(text)
        .into_iter()
        .filter(|(name, _)| !name.starts_with(STORE_HISTOGRAM))
        .map(|(name, value)| {
            let parsed = value.parse().unwrap_or_else(|_| panic!("{name} {value}"));
            (name, parsed)
        })
        .collect()
}

/// One store histogram as scraped: its cumulative buckets in order
/// (`+Inf` last), its count and its sum in seconds.
#[derive(Debug)]
pub struct Histogram {
    pub buckets: Vec<(String, u64)>,
    pub count: u64,
    pub sum: f64,
}

/// The store histogram of operation kind `op`, checked to be well formed:
/// buckets never decreasing, `+Inf` equal to the count.
pub fn histogram(text: &str, op: &str) -> Histogram {
    let samples = parse(text);
    let labels = format!("{{op=\"{op}\"}}");
    let buckets: Vec<(String, u64)> = text
        .lines()
        .filter_map(|line| {
            line.strip_prefix(&format!("{STORE_HISTOGRAM}_bucket{{op=\"{op}\",le=\""))
        })
        .map(|rest| {
            let (le, count) = rest.split_once("\"} ").unwrap();
            (le.to_owned(), count.parse().unwrap())
        })
        .collect();
    let count: u64 = samples[&format!("{STORE_HISTOGRAM}_count{labels}")]
        .parse()
        .unwrap();
    let sum: f64 = samples[&format!("{STORE_HISTOGRAM}_sum{labels}")]
        .parse()
        .unwrap();
    assert!(buckets.len() > 10, "{op}: {buckets:?}");
    assert!(
        buckets.windows(2).all(|w| w[0].1 <= w[1].1),
        "{op}: {buckets:?}"
    );
    assert_eq!(buckets.last().unwrap(), &("+Inf".to_owned(), count), "{op}");
    assert!(sum >= 0.0 && (count > 0 || sum == 0.0), "{op}: sum {sum}");
    Histogram {
        buckets,
        count,
        sum,
    }
}

/// The exact samples `/metrics` answers now.
async fn samples(service: &Service) -> BTreeMap<String, u64> {
    exact(&scrape_text(&service.router).await)
}

/// What `/metrics` says of a service where nothing happened: every
/// counter and gauge at 0, with its labels.
pub fn zeros() -> BTreeMap<String, u64> {
    let mut zeros = BTreeMap::from([
        ("countersign_sessions_requested_total".to_owned(), 0),
        ("countersign_waiting_sessions".to_owned(), 0),
        ("countersign_waiters".to_owned(), 0),
    ]);
    let mut labelled = |name: &str, label: &str, values: Vec<&str>| {
        for value in values {
            zeros.insert(format!("{name}{{{label}=\"{value}\"}}"), 0);
        }
    };
    labelled(
        "countersign_transitions_total",
        "action",
        Action::ALL.iter().map(|a| a.as_str()).collect(),
    );
    labelled(
        "countersign_sessions",
        "status",
        Status::ALL.iter().map(|s| s.as_str()).collect(),
    );
    labelled(
        "countersign_rate_limited_total",
        "class",
        Limit::ALL.iter().map(|l| l.as_str()).collect(),
    );
    labelled(
        "countersign_waiters_refused_total",
        "cap",
        vec!["source", "all"],
    );
    labelled(
        "countersign_authorisations_verified_total",
        "outcome",
        vec!["accepted", "refused"],
    );
    // Every refusal a statement can get: the client errors but the rate
    // limit's, counted apart.
    labelled(
        "countersign_statements_refused_total",
        "code",
        ErrorCode::ALL
            .iter()
            .filter(|c| c.http_status() / 100 == 4 && **c != ErrorCode::RateLimited)
            .map(|c| c.as_str())
            .collect(),
    );
    zeros
}

/// Sets `sample` in `expected`, which must already list it.
pub fn set(expected: &mut BTreeMap<String, u64>, sample: &str, value: u64) {
    let slot = expected
        .get_mut(sample)
        .unwrap_or_else(|| panic!("no sample {sample} to set"));
    *slot = value;
}

async fn metrics_count_a_scripted_flow(db: Db) {
    let Some(service) = service_on(db, |c| c.request_rate = (2, 1.0)).await else {
        return;
    };
    let approver = service.user_with_device("ada").await;
    let requester = Requester::new();
    let approved = ask(&service, &requester, "ada").await;
    let refused = ask(&service, &Requester::new(), "ada").await;
    // Over the burst: refused; a second later by the service's clock, one
    // token has come back.
    let (status, _) = service
        .post("/api/sessions", Requester::new().request("ada"))
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    service.clock.advance(Duration::from_secs(1));
    let denied = ask(&service, &Requester::new(), "ada").await;

    let decide = async |answer: &serde_json::Value, action: &str, wrong: bool| {
        let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
        let right = drawn_code(answer);
        let code = if wrong {
            if right == 10 { 11 } else { 10 }
        } else {
            right
        };
        let path = format!("/api/sessions/{}/statements", page.uid());
        service
            .post(&path, approver.decide(&page, action, Some(code)))
            .await
            .0
    };
    assert_eq!(decide(&approved, "approve", false).await, StatusCode::OK);
    assert_eq!(
        decide(&refused, "approve", true).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(decide(&denied, "deny", false).await, StatusCode::OK);
    // A relying party verifies a token of the approved login, then one
    // meant for something else.
    let uid = approved["uid"].as_str().unwrap().parse().unwrap();
    let session = service.session(uid).await;
    let token = requester.authorise(&session, "deploy staging", None, service.now());
    let (status, _) = service.verify(&token, "deploy staging", false).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = service.verify(&token, "deploy production", false).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut expected = zeros();
    // A route is listed once it refused one.
    expected.insert(
        "countersign_rate_limited_route_total{route=\"POST /api/sessions\"}".to_owned(),
        1,
    );
    let mut set = |sample: &str, value| set(&mut expected, sample, value);
    set("countersign_sessions_requested_total", 3);
    set(
        "countersign_statements_refused_total{code=\"wrong_code\"}",
        1,
    );
    set("countersign_rate_limited_total{class=\"request\"}", 1);
    set("countersign_waiting_sessions", 0);
    set("countersign_waiters", 0);
    set(
        "countersign_authorisations_verified_total{outcome=\"accepted\"}",
        1,
    );
    set(
        "countersign_authorisations_verified_total{outcome=\"refused\"}",
        1,
    );
    // The stored sessions: the wrong code denied its request.
    set("countersign_sessions{status=\"approved\"}", 1);
    set("countersign_sessions{status=\"denied\"}", 2);
    for action in Action::ALL {
        // The wrong code's refusal denied its request too.
        let count = match action {
            Action::Approve => 1,
            Action::Deny => 2,
            _ => 0,
        };
        set(
            &format!("countersign_transitions_total{{action=\"{action}\"}}"),
            count,
        );
    }
    let text = scrape_text(&service.router).await;
    assert_eq!(exact(&text), expected);
    assert_eq!(samples(&service).await, expected, "read twice, the same");

    // Three sessions stored; four compare-and-sets: the approval, the
    // wrong code's (refused) and the denial it made, and the denial. One
    // count by status, for the first scrape (the second was answered from
    // the cache). Every kind is well formed, and reads were made.
    assert_eq!(histogram(&text, "session_insert").count, 3);
    assert_eq!(histogram(&text, "session_write").count, 4);
    assert_eq!(histogram(&text, "status_count").count, 1);
    assert_eq!(histogram(&text, "ping").count, 0);
    for op in StoreOp::ALL {
        histogram(&text, op.as_str());
    }
    assert!(histogram(&text, "session_read").count > 0);
    assert!(histogram(&text, "account_read").count > 0);
    assert!(
        histogram(&text, "account_write").count > 0,
        "the device enrolled"
    );
}
