//! How a watch paces its long poll: scripts of what each poll gave, and
//! what the watch does after each (ask again, pause how long, stop), so
//! that the web app, the npm package and the bench behave alike on a
//! network failure, a 429 with or without `Retry-After`, a 5xx, a refusal
//! and a good answer, held or not.

use core::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::api::ErrorCode;
use countersign_core::client::{Failure, Next, PollPolicy, Polling, Refusal};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::t0;

/// What one long poll gave.
#[derive(Debug, Clone)]
enum Polled {
    /// The session, its status changed.
    Changed,
    /// The session unchanged, after the service held the wait this long.
    Held(i64),
    /// A failure.
    Failed(Failure),
}
use Polled::{Changed, Failed, Held};

/// A quiet long poll: held for its whole 25 s.
const QUIET: Polled = Held(25_000);

fn refused(status: u16, code: ErrorCode, retry_after_s: Option<u64>) -> Polled {
    Failed(Failure::Service(Refusal {
        status,
        code,
        message: "refused".into(),
        retry_after_s,
    }))
}

fn network() -> Polled {
    Failed(Failure::Network)
}

fn ms(ms: u64) -> Next {
    Next::Pause(Duration::from_millis(ms))
}

/// Feeds `script` to a watch with the default policy and checks what it
/// does after each poll.
fn check(script: &[Polled], expected: &[Next]) {
    check_with(PollPolicy::default(), script, expected);
}

fn check_with(policy: PollPolicy, script: &[Polled], expected: &[Next]) {
    let mut polling = Polling::new(policy);
    let asked: DateTime<Utc> = t0();
    let done: Vec<Next> = script
        .iter()
        .map(|polled| match polled {
            Changed => polling.after_answer(true, asked, asked),
            Held(ms) => polling.after_answer(false, asked, asked + TimeDelta::milliseconds(*ms)),
            Failed(failure) => polling.after_failure(failure),
        })
        .collect();
    assert_eq!(done, expected, "{script:?}");
}

#[test]
fn the_default_policy() {
    let policy = PollPolicy::default();
    assert_eq!(policy.first_pause, Duration::from_millis(250));
    assert_eq!(policy.max_pause, Duration::from_secs(8));
    assert_eq!(policy.min_hold, Duration::from_secs(1));
    assert_eq!(Polling::new(policy).policy(), &policy);
}

#[test]
fn good_answers_are_followed_by_the_next_poll_at_once() {
    check(&[QUIET, QUIET, Changed, QUIET], &[Next::Again; 4]);
    // Held exactly the shortest hold.
    check(&[Held(1000)], &[Next::Again]);
    // A change answers at once: that is the point of a long poll.
    check(&[Changed, Changed], &[Next::Again, Next::Again]);
}

#[test]
fn an_unchanged_answer_the_service_did_not_hold_pauses() {
    check(
        &[Held(0), Held(999), Held(10), QUIET, Held(0)],
        &[ms(250), ms(500), ms(1000), Next::Again, ms(250)],
    );
    // A clock that went back reads as not held.
    check(&[Held(-5000)], &[ms(250)]);
}

#[test]
fn failures_pause_doubling_to_eight_seconds() {
    check(
        &[
            network(),
            network(),
            Failed(Failure::Unreadable),
            network(),
            network(),
            network(),
            network(),
            network(),
        ],
        &[
            ms(250),
            ms(500),
            ms(1000),
            ms(2000),
            ms(4000),
            ms(8000),
            ms(8000),
            ms(8000),
        ],
    );
}

#[test]
fn a_good_answer_starts_the_back_off_over() {
    check(
        &[network(), network(), QUIET, network()],
        &[ms(250), ms(500), Next::Again, ms(250)],
    );
    check(
        &[network(), network(), Changed, network()],
        &[ms(250), ms(500), Next::Again, ms(250)],
    );
    // An answer not held is no sign of health: the back-off goes on.
    check(
        &[network(), Held(0), network()],
        &[ms(250), ms(500), ms(1000)],
    );
}

#[test]
fn the_service_failing_inside_is_retried() {
    check(
        &[
            refused(500, ErrorCode::Internal, None),
            refused(503, ErrorCode::Unavailable, None),
            // A gateway's 5xx around a refusal code, a newer service's code.
            refused(502, ErrorCode::NotFound, None),
            refused(504, ErrorCode::Unrecognised, None),
        ],
        &[ms(250), ms(500), ms(1000), ms(2000)],
    );
}

#[test]
fn a_429_pauses_at_least_its_retry_after() {
    check(
        &[
            refused(429, ErrorCode::RateLimited, Some(5)),
            // The back-off doubles underneath: 0.5 s is the next floor.
            refused(429, ErrorCode::RateLimited, Some(0)),
            // Without Retry-After, the back-off alone.
            refused(429, ErrorCode::RateLimited, None),
            // Longer than the longest pause: the service's word holds.
            refused(429, ErrorCode::RateLimited, Some(120)),
            refused(503, ErrorCode::Unavailable, Some(30)),
        ],
        &[ms(5000), ms(500), ms(1000), ms(120_000), ms(30_000)],
    );
    // No overflow, whatever the service asks.
    check(
        &[refused(429, ErrorCode::RateLimited, Some(u64::MAX))],
        &[Next::Pause(Duration::from_secs(u64::MAX))],
    );
}

#[test]
fn any_other_refusal_stops_the_watch() {
    check(
        &[network(), refused(404, ErrorCode::NotFound, None)],
        &[ms(250), Next::Stop],
    );
    for &code in ErrorCode::ALL {
        let worth = matches!(
            code,
            ErrorCode::Internal | ErrorCode::RateLimited | ErrorCode::Unavailable
        );
        let expected = if worth { ms(250) } else { Next::Stop };
        check(&[refused(code.http_status(), code, None)], &[expected]);
    }
    // A refusal even with a Retry-After: the code and status decide.
    check(&[refused(400, ErrorCode::BadUid, Some(5))], &[Next::Stop]);
}

#[test]
fn extreme_policies_do_not_overflow() {
    let forever = PollPolicy {
        first_pause: Duration::from_secs(1),
        max_pause: Duration::MAX,
        min_hold: Duration::MAX,
    };
    let mut polling = Polling::new(forever);
    for _ in 0..200 {
        polling.after_failure(&Failure::Network);
    }
    assert_eq!(
        polling.after_failure(&Failure::Network),
        Next::Pause(Duration::MAX)
    );
    // No answer is ever held long enough; a change still is good.
    check_with(forever, &[QUIET, Changed], &[ms(1000), Next::Again]);
}
