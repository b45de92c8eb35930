//! `/metrics` gauges read when scraped: sessions by status are the stored
//! counts, shared by every instance on the database and kept for ten
//! seconds; waiters are the long polls in flight on this instance; and the
//! store's histograms count the operations made.

use std::time::Duration;

use crate::common::*;
use crate::metrics::{exact, histogram, scrape_text};
use axum::http::StatusCode;
use countersign_server::runtime::metrics::FRESH_FOR;

on_both_backends!(sessions_by_status_are_the_stored_counts_on_every_instance);

fn sessions(text: &str, status: &str) -> u64 {
    exact(text)[&format!("countersign_sessions{{status=\"{status}\"}}")]
}

async fn sessions_by_status_are_the_stored_counts_on_every_instance(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let one = service_at(&url, dir, |_| {}).await;
    let two = service_at(&url, None, |_| {}).await;
    let approver = one.user_with_device("ada").await;
    ask(&one, &Requester::new(), "ada").await;
    let approved = ask(&one, &Requester::new(), "ada").await;

    let text = scrape_text(&one.router).await;
    assert_eq!(sessions(&text, "pending"), 2);
    assert_eq!(sessions(&text, "approved"), 0);
    assert_eq!(histogram(&text, "status_count").count, 1);

    // Another instance approves one; this one asks for a third.
    let page = shown(&two, approved["short_uid"].as_str().unwrap()).await;
    let path = format!("/api/sessions/{}/statements", page.uid());
    let body = approver.decide(&page, "approve", Some(drawn_code(&approved)));
    assert_eq!(two.post(&path, body).await.0, StatusCode::OK);
    ask(&one, &Requester::new(), "ada").await;

    // Within ten seconds, the count made for the last scrape is answered
    // again, without asking the store.
    one.clock.advance(FRESH_FOR - Duration::from_millis(1));
    let text = scrape_text(&one.router).await;
    assert_eq!(sessions(&text, "pending"), 2);
    assert_eq!(histogram(&text, "status_count").count, 1);

    // Then counted again: the other instance's approval is there, though
    // this one made no transition.
    one.clock.advance(Duration::from_millis(1));
    let text = scrape_text(&one.router).await;
    let counts = exact(&text);
    assert_eq!(sessions(&text, "pending"), 2);
    assert_eq!(sessions(&text, "approved"), 1);
    assert_eq!(
        counts["countersign_transitions_total{action=\"approve\"}"],
        0
    );
    assert_eq!(histogram(&text, "status_count").count, 2);
    // The other instance counts the same sessions.
    let there = scrape_text(&two.router).await;
    for status in countersign_core::Status::ALL {
        assert_eq!(
            sessions(&there, status.as_str()),
            sessions(&text, status.as_str()),
            "{status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn waiters_are_the_long_polls_in_flight_and_refusals_are_by_cap() {
    let service = service_on(Db::Sqlite, |c| c.max_waiters_per_source = 1)
        .await
        .unwrap();
    let approver = service.user_with_device("ada").await;
    let answer = ask(&service, &Requester::new(), "ada").await;
    let uid = answer["uid"].as_str().unwrap();
    let wait = format!("/api/sessions/{uid}/wait?status=pending&timeout_s=30");
    let waiting = service.spawn_get(&wait);
    service.waiting_on(1).await;
    // A second long poll from the same source is over its cap.
    let (status, _) = service.get(&wait).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);

    let counts = exact(&scrape_text(&service.router).await);
    assert_eq!(counts["countersign_waiters"], 1);
    assert_eq!(counts["countersign_waiting_sessions"], 1);
    assert_eq!(
        counts["countersign_waiters_refused_total{cap=\"source\"}"],
        1
    );
    assert_eq!(counts["countersign_waiters_refused_total{cap=\"all\"}"], 0);
    assert_eq!(
        counts["countersign_rate_limited_total{class=\"wait\"}"], 0,
        "a cap on waiters is not the wait class's rate limit"
    );

    let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
    let body = approver.decide(&page, "deny", None);
    let path = format!("/api/sessions/{uid}/statements");
    assert_eq!(service.post(&path, body).await.0, StatusCode::OK);
    let (status, released) = waiting.await.unwrap();
    assert_eq!(
        (status, released["status"].as_str()),
        (StatusCode::OK, Some("denied"))
    );
    let counts = exact(&scrape_text(&service.router).await);
    assert_eq!(counts["countersign_waiters"], 0);
    assert_eq!(counts["countersign_waiting_sessions"], 0);

    // The cap on the whole instance is counted apart.
    let full = service_on(Db::Sqlite, |c| c.max_waiters = 1).await.unwrap();
    let answer = ask(&full, &Requester::new(), "bob").await;
    let wait = format!(
        "/api/sessions/{}/wait?status=pending&timeout_s=1",
        answer["uid"].as_str().unwrap()
    );
    let waiting = full.spawn_get(&wait);
    full.waiting_on(1).await;
    assert_eq!(full.get(&wait).await.0, StatusCode::TOO_MANY_REQUESTS);
    let counts = exact(&scrape_text(&full.router).await);
    assert_eq!(counts["countersign_waiters_refused_total{cap=\"all\"}"], 1);
    assert_eq!(
        counts["countersign_waiters_refused_total{cap=\"source\"}"],
        0
    );
    full.clock.advance(Duration::from_secs(1));
    assert_eq!(waiting.await.unwrap().0, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_histograms_count_each_operation_and_only_grow() {
    let service = service_on(Db::Sqlite, |_| {}).await.unwrap();
    let before = scrape_text(&service.router).await;
    assert_eq!(histogram(&before, "ping").count, 0);
    for _ in 0..3 {
        assert_eq!(service.get("/healthz").await.0, StatusCode::OK);
    }
    let answer = ask(&service, &Requester::new(), "ada").await;
    let uid = answer["uid"].as_str().unwrap();
    for _ in 0..2 {
        assert_eq!(
            service.get(&format!("/api/sessions/{uid}")).await.0,
            StatusCode::OK
        );
    }
    let after = scrape_text(&service.router).await;
    assert_eq!(histogram(&after, "ping").count, 3, "one per /healthz");
    assert_eq!(histogram(&after, "session_insert").count, 1);
    for op in countersign_server::store::StoreOp::ALL {
        let (was, is) = (
            histogram(&before, op.as_str()),
            histogram(&after, op.as_str()),
        );
        assert!(
            is.count >= was.count && is.sum >= was.sum,
            "{op:?}: {was:?} then {is:?}"
        );
        for ((le, then), (_, now)) in was.buckets.iter().zip(&is.buckets) {
            assert!(now >= then, "{op:?} le {le}: {then} then {now}");
        }
    }
}
