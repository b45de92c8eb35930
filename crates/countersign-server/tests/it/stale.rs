//! Two instances on one PostgreSQL database never keep answering a status
//! that is no longer stored: a read in flight when a change is announced
//! cannot put the old version back, and after races whose statements went
//! to both instances, both answer the stored status within a second.

use std::collections::HashMap;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_core::Status;
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

/// Two instances on a fresh database, with budgets for hundreds of
/// requests from the tests' one address, once both listen.
async fn two_instances() -> Option<(Service, Service)> {
    let (url, _) = database(Db::Postgres).await?;
    let lifted = |c: &mut countersign_server::config::Config| {
        c.request_rate = (10_000, 10_000.0);
        c.lookup_rate = (10_000, 10_000.0);
        c.read_rate = (10_000, 10_000.0);
        c.statement_rate = (10_000, 10_000.0);
    };
    let one = service_at(&url, None, lifted).await;
    let two = service_at(&url, None, lifted).await;
    // Let both listeners connect before anything changes.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Some((one, two))
}

/// Returns once `service` has heard of a change to `uid`: its cache no
/// longer holds the version it had.
async fn heard_of_change(service: &Service, uid: Uuid, had: i64) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while service
            .state
            .cache
            .get(uid)
            .is_some_and(|kept| kept.version <= had)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the change was announced within 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_in_flight_during_an_announcement_cannot_bring_back_the_old_status() {
    let Some((one, two)) = two_instances().await else {
        return;
    };
    let approver = one.user_with_device("ada").await;
    let answer = ask(&one, &Requester::new(), "ada").await;
    let uid: Uuid = answer["uid"].as_str().unwrap().parse().unwrap();
    let page = shown(&one, answer["short_uid"].as_str().unwrap()).await;
    assert_eq!(one.session(uid).await.status(), Status::Pending);

    // A read on `one` starts: it gets the pending row from the database...
    let ticket = one.state.cache.ticket();
    let in_flight = one.state.store.session(uid).await.unwrap().unwrap();
    assert_eq!(in_flight.session.status(), Status::Pending);

    // ...meanwhile `two` approves, and `one` hears of it...
    let code = drawn_code(&answer);
    let (status, body) = two
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    heard_of_change(&one, uid, in_flight.version).await;

    // ...and then the read finishes, keeping what it read.
    one.state.cache.put(ticket, &in_flight);
    assert_eq!(one.session(uid).await.status(), Status::Approved);
    assert_eq!(two.session(uid).await.status(), Status::Approved);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_two_hundred_races_over_two_instances_both_answer_the_stored_status() {
    let Some((one, two)) = two_instances().await else {
        return;
    };
    let approver = one.user_with_device("ada").await;
    let mut pages = Vec::new();
    for _ in 0..200 {
        let answer = ask(&one, &Requester::new(), "ada").await;
        let page = shown(&one, answer["short_uid"].as_str().unwrap()).await;
        pages.push((page, drawn_code(&answer)));
    }

    // Each session: an approval sent to one instance and a denial to the
    // other (alternating), with reads on both while they race.
    let post = |router: &Router, path: &str, body: Value| {
        let request = Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        tokio::spawn(send_to(router.clone(), request))
    };
    let get = |router: &Router, path: &str| {
        let request = Request::get(path).body(Body::empty()).unwrap();
        tokio::spawn(send_to(router.clone(), request))
    };
    let mut races = Vec::new();
    for (i, (page, code)) in pages.iter().enumerate() {
        let (first, second) = if i % 2 == 0 {
            (&one.router, &two.router)
        } else {
            (&two.router, &one.router)
        };
        let path = format!("/api/sessions/{}/statements", page.uid());
        let read = format!("/api/sessions/{}", page.uid());
        races.push((
            page.uid(),
            post(first, &path, approver.decide(page, "approve", Some(*code))),
            post(second, &path, approver.decide(page, "deny", None)),
            [get(first, &read), get(second, &read)],
        ));
    }
    let mut winners = HashMap::new();
    for (uid, approved, denied, reads) in races {
        let (approved, denied) = (approved.await.unwrap(), denied.await.unwrap());
        for read in reads {
            assert_eq!(read.await.unwrap().0, StatusCode::OK);
        }
        let won: Vec<_> = [&approved, &denied]
            .into_iter()
            .filter(|(status, _)| *status == StatusCode::OK)
            .map(|(_, body)| body["status"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(won.len(), 1, "one decision wins: {approved:?} {denied:?}");
        winners.insert(uid, won[0].clone());
    }
    for (uid, won) in &winners {
        assert_eq!(stored_status(&one, *uid).await.as_str(), won);
    }

    // Within a second, both instances answer the stored status.
    let deadline = real_clock().instant() + Duration::from_secs(1);
    let mut differing = Vec::new();
    loop {
        differing.clear();
        for (uid, won) in &winners {
            for service in [&one, &two] {
                let answered = service.session(*uid).await.status();
                if answered.as_str() != won {
                    differing.push((*uid, answered));
                }
            }
        }
        if differing.is_empty() || real_clock().instant() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        differing.is_empty(),
        "{} answers differ from the stored status after a second: {differing:?}",
        differing.len()
    );
}
