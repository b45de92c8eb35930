//! A short uid names one live session: when the uid the service draws would
//! share a live session's short uid, it draws again (forced here with
//! scripted random bytes rather than hoped for).

use crate::common::*;
use axum::http::StatusCode;
use countersign_core::{ShortUid, uid_from_random};
use countersign_server::ops::sessions::UID_DRAWS;
use serde_json::Value;
use uuid::Uuid;

on_both_backends!(
    a_short_uid_clash_draws_a_new_uid,
    a_short_uid_that_keeps_clashing_stores_nothing,
);

/// Random bytes for a uid that shares `uid`'s short uid (its first four
/// bytes) but is another uid, told apart by `variant`.
fn clashing_with(uid: Uuid, variant: u8) -> [u8; 16] {
    let mut bytes = *uid.as_bytes();
    bytes[15] ^= 0x80 | variant;
    assert_eq!(
        ShortUid::of(&uid_from_random(bytes)),
        ShortUid::of(&uid),
        "the same short uid"
    );
    assert_ne!(uid_from_random(bytes), uid, "another uid");
    bytes
}

fn uid_of(answer: &Value) -> Uuid {
    answer["uid"].as_str().unwrap().parse().unwrap()
}

async fn a_short_uid_clash_draws_a_new_uid(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let first = ask(&service, &Requester::new(), "ada").await;
    let clash = clashing_with(uid_of(&first), 0);
    service.random.push(clash);

    let second = ask(&service, &Requester::new(), "ada").await;
    assert_eq!(service.random.pending(), 0, "the clashing uid was drawn");
    assert_ne!(uid_of(&second), uid_from_random(clash), "and not used");
    assert_ne!(second["short_uid"], first["short_uid"]);
    // Each short uid names its own session, both pending.
    for answer in [&first, &second] {
        let page = shown(&service, answer["short_uid"].as_str().unwrap()).await;
        assert_eq!(page.uid(), uid_of(answer));
    }
}

async fn a_short_uid_that_keeps_clashing_stores_nothing(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    let first = ask(&service, &Requester::new(), "ada").await;
    let short = first["short_uid"].as_str().unwrap();
    for variant in 0..UID_DRAWS {
        service.random.push(clashing_with(
            uid_of(&first),
            u8::try_from(variant).unwrap(),
        ));
    }
    let (status, body) = service
        .post("/api/sessions", Requester::new().request("ada"))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, Some("internal")),
        "{body}"
    );
    assert_eq!(service.random.pending(), 0, "every draw clashed");
    let (status, found) = service
        .get(&format!("/api/sessions?short_uid={short}&status=pending"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["sessions"].as_array().unwrap().len(), 1, "{found}");
}
