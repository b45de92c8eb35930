//! A relying party's session watch: tokens accepted while the session is
//! approved, refused from the answer that says it ended, refused when the
//! service has gone silent, and never fooled by an answer about another
//! session or one that brings back a status already left.

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::client::OtherSession;
use countersign_core::{
    Authorisation, Expectation, SessionWatch, SignedAuthorisation, Status, WatchError, WatchPolicy,
    uid_from_random,
};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::*;

const SERVICE: &str = "https://countersign.example";
const RESOURCE: &str = "deploy staging";

fn now() -> DateTime<Utc> {
    t0() + TimeDelta::minutes(2)
}

fn token(at: DateTime<Utc>) -> SignedAuthorisation {
    let session = in_status(Status::Approved);
    Authorisation::for_session(&session, SERVICE, RESOURCE, None, at, [7; 16])
        .unwrap()
        .sign(&cert_key())
}

fn expected() -> Expectation<'static> {
    Expectation {
        service: SERVICE,
        resource: RESOURCE,
        body: None,
    }
}

fn code(outcome: Result<countersign_core::Identity, WatchError>) -> &'static str {
    match outcome {
        Ok(_) => "ok",
        Err(WatchError::Refused(error)) => error.code().as_str(),
        Err(WatchError::OutOfTouch { .. }) => "out_of_touch",
    }
}

#[test]
fn accepts_while_approved_and_refuses_from_the_answer_that_ends_it() {
    let mut watch = SessionWatch::new(in_status(Status::Approved), now(), WatchPolicy::default());
    assert_eq!(watch.wait_query().status, Status::Approved);
    assert_eq!(code(watch.verify(&token(now()), &expected(), now())), "ok");
    let identity = watch.verify(&token(now()), &expected(), now()).unwrap();
    assert_eq!(identity.user_uid, user_uid());

    let later = now() + TimeDelta::seconds(1);
    assert_eq!(watch.update(in_status(Status::LoggedOut), later), Ok(true));
    // A token signed before the logout is refused after it.
    assert_eq!(
        code(watch.verify(&token(now()), &expected(), later)),
        "logged_out"
    );
    assert!(watch.is_final());
    assert_eq!(watch.wait_query().status, Status::LoggedOut);
}

#[test]
fn a_suspicious_report_refuses_every_token() {
    let mut watch = SessionWatch::new(in_status(Status::Approved), now(), WatchPolicy::default());
    watch.update(in_status(Status::Suspicious), now()).unwrap();
    assert_eq!(
        code(watch.verify(&token(now()), &expected(), now())),
        "suspicious"
    );
    assert!(
        !watch.is_final(),
        "a suspicious session can still be logged out"
    );
}

#[test]
fn a_final_status_is_never_brought_back() {
    let mut watch = SessionWatch::new(in_status(Status::Approved), now(), WatchPolicy::default());
    watch.update(in_status(Status::LoggedOut), now()).unwrap();
    // An older answer that arrives late changes nothing.
    watch.update(in_status(Status::Approved), now()).unwrap();
    assert_eq!(watch.session().status(), Status::LoggedOut);
    assert_eq!(
        code(watch.verify(&token(now()), &expected(), now())),
        "logged_out"
    );
}

#[test]
fn an_answer_about_another_session_changes_nothing() {
    let mut watch = SessionWatch::new(in_status(Status::Approved), now(), WatchPolicy::default());
    let other = countersign_core::LoginSession::request(
        request(),
        uid_from_random([9; 16]),
        "192.0.2.9".parse().unwrap(),
        t0(),
        countersign_core::DEFAULT_TTL,
    )
    .unwrap();
    assert_eq!(
        watch.update(other.clone(), now()),
        Err(OtherSession {
            watched: in_status(Status::Approved).uid(),
            got: other.uid()
        })
    );
    assert_eq!(watch.session().status(), Status::Approved);
}

#[test]
fn silence_past_the_limit_refuses_until_the_service_answers_again() {
    let policy = WatchPolicy::default();
    let mut watch = SessionWatch::new(in_status(Status::Approved), now(), policy);
    let quiet = now() + policy.max_silence;
    assert_eq!(code(watch.verify(&token(quiet), &expected(), quiet)), "ok");
    let lost = quiet + TimeDelta::milliseconds(1);
    assert_eq!(
        code(watch.verify(&token(lost), &expected(), lost)),
        "out_of_touch"
    );
    // An unchanged answer (a long poll's timeout) restores it.
    assert_eq!(watch.update(in_status(Status::Approved), lost), Ok(false));
    assert_eq!(watch.heard_at(), lost);
    assert_eq!(code(watch.verify(&token(lost), &expected(), lost)), "ok");
}

#[test]
fn a_final_session_says_why_even_after_long_silence() {
    let policy = WatchPolicy::default();
    let mut watch = SessionWatch::new(in_status(Status::Approved), now(), policy);
    watch.update(in_status(Status::LoggedOut), now()).unwrap();
    // The long poll stops once the session is final, so the service is not
    // heard from again; the refusal still names the status, not the silence.
    let much_later = now() + policy.max_silence * 10;
    assert_eq!(
        code(watch.verify(&token(much_later), &expected(), much_later)),
        "logged_out"
    );
}
