//! Waiting for a decision: what is retried and how long to pause, when to
//! stop with what was got, and when to give up, branch by branch, and one
//! whole wait driven through a script of answers.

use core::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::api::ErrorCode;
use countersign_core::client::{Attempt, Failure, Refusal, Step};
use countersign_core::{Status, WaitPolicy, Waiting};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::common::t0;

fn expires_at() -> DateTime<Utc> {
    t0() + TimeDelta::minutes(10)
}

fn waiting() -> Waiting {
    Waiting::new(WaitPolicy::default(), expires_at())
}

/// A refusal with `code`, answered with `status`.
fn refused(status: u16, code: ErrorCode, retry_after_s: Option<u64>) -> Failure {
    Failure::Service(Refusal {
        status,
        code,
        message: "refused".into(),
        retry_after_s,
    })
}

fn service(code: ErrorCode) -> Failure {
    refused(code.http_status(), code, None)
}

fn ms(ms: u64) -> Step {
    Step::Pause(Duration::from_millis(ms))
}

#[test]
fn the_default_policy_long_polls_for_25_seconds_with_30_seconds_of_grace() {
    let wait = waiting();
    assert_eq!(wait.next_attempt(), Attempt::LongPoll);
    assert_eq!(wait.failures(), 0);
    assert_eq!(wait.give_up_at(), expires_at() + TimeDelta::seconds(30));
    let query = wait.policy().long_poll_query();
    assert_eq!(query.to_query(), "status=pending&timeout_s=25");
}

#[test]
fn a_decided_session_ends_the_wait() {
    for status in [
        Status::Approved,
        Status::Denied,
        Status::Suspicious,
        Status::Expired,
        Status::LoggedOut,
    ] {
        assert_eq!(waiting().after_answer(status, t0()), Step::Done, "{status}");
        // Even past the grace: the service's word is final.
        let late = expires_at() + TimeDelta::hours(1);
        assert_eq!(waiting().after_answer(status, late), Step::Done, "{status}");
    }
}

#[test]
fn a_pending_session_is_asked_again_until_the_grace_is_over() {
    let mut wait = waiting();
    assert_eq!(wait.after_answer(Status::Pending, t0()), Step::Again);
    let end = wait.give_up_at();
    assert_eq!(wait.after_answer(Status::Pending, end), Step::Again);
    // Pending after the grace: the service's clock has stopped.
    let after = end + TimeDelta::milliseconds(1);
    assert_eq!(wait.after_answer(Status::Pending, after), Step::GiveUp);
}

#[test]
fn failures_pause_doubling_to_eight_seconds_and_read_quickly_after() {
    let mut wait = waiting();
    let pauses: Vec<Step> = (0..7)
        .map(|_| wait.after_failure(&Failure::Network, t0()))
        .collect();
    assert_eq!(
        pauses,
        [
            ms(500),
            ms(1000),
            ms(2000),
            ms(4000),
            ms(8000),
            ms(8000),
            ms(8000)
        ]
    );
    assert_eq!(wait.failures(), 7);
    assert_eq!(wait.next_attempt(), Attempt::QuickRead);
}

#[test]
fn an_answer_starts_the_back_off_over() {
    let mut wait = waiting();
    wait.after_failure(&Failure::Network, t0());
    wait.after_failure(&Failure::Unreadable, t0());
    assert_eq!(wait.after_answer(Status::Pending, t0()), Step::Again);
    assert_eq!(wait.failures(), 0);
    assert_eq!(wait.next_attempt(), Attempt::LongPoll);
    assert_eq!(wait.after_failure(&Failure::Network, t0()), ms(500));
}

#[test]
fn network_unreadable_internal_and_5xx_failures_are_retried() {
    let retried = [
        Failure::Network,
        Failure::Unreadable,
        service(ErrorCode::Internal),
        service(ErrorCode::RateLimited),
        service(ErrorCode::Unavailable),
        refused(503, ErrorCode::Unrecognised, None),
        // A gateway that wraps a refusal code in a 5xx is still failing.
        refused(502, ErrorCode::NotFound, None),
    ];
    for failure in retried {
        assert!(failure.is_worth_retrying(), "{failure:?}");
        assert_eq!(
            waiting().after_failure(&failure, t0()),
            ms(500),
            "{failure:?}"
        );
    }
}

#[test]
fn every_other_answer_of_the_service_is_final() {
    for &code in ErrorCode::ALL {
        if matches!(
            code,
            ErrorCode::Internal | ErrorCode::RateLimited | ErrorCode::Unavailable
        ) {
            continue;
        }
        let mut wait = waiting();
        assert_eq!(
            wait.after_failure(&service(code), t0()),
            Step::Done,
            "{code}"
        );
        assert_eq!(wait.failures(), 0, "{code}");
    }
    let newer = refused(422, ErrorCode::Unrecognised, None);
    assert_eq!(waiting().after_failure(&newer, t0()), Step::Done);
}

#[test]
fn rate_limiting_waits_at_least_its_retry_after() {
    let limited = |seconds| refused(429, ErrorCode::RateLimited, Some(seconds));
    let mut wait = waiting();
    assert_eq!(wait.after_failure(&limited(5), t0()), ms(5000));
    // The back-off still doubles underneath: 1 s is the next floor.
    assert_eq!(wait.after_failure(&limited(0), t0()), ms(1000));
    // A Retry-After past the grace is a give-up, not an overflow.
    assert_eq!(
        waiting().after_failure(&limited(u64::MAX), t0()),
        Step::GiveUp
    );
}

#[test]
fn a_pause_that_would_end_past_the_grace_gives_up() {
    let end = waiting().give_up_at();
    let just_in_time = end - TimeDelta::milliseconds(500);
    assert_eq!(
        waiting().after_failure(&Failure::Network, just_in_time),
        ms(500)
    );
    let too_late = just_in_time + TimeDelta::milliseconds(1);
    assert_eq!(
        waiting().after_failure(&Failure::Network, too_late),
        Step::GiveUp
    );
}

#[test]
fn extreme_policies_do_not_overflow() {
    let forever = WaitPolicy {
        grace: Duration::MAX,
        max_pause: Duration::MAX,
        ..WaitPolicy::default()
    };
    let mut wait = Waiting::new(forever, expires_at());
    assert_eq!(wait.give_up_at(), DateTime::<Utc>::MAX_UTC);
    for _ in 0..200 {
        wait.after_failure(&Failure::Network, t0());
    }
    assert_eq!(wait.after_failure(&Failure::Network, t0()), Step::GiveUp);
}

/// Drives the caller's loop of the module docs through scripted answers,
/// with a clock that moves by the pauses taken.
fn drive(script: Vec<Result<Status, Failure>>) -> (Vec<Attempt>, Duration, Step) {
    let mut wait = waiting();
    let mut now = t0();
    let mut asked = Vec::new();
    let mut paused = Duration::ZERO;
    for answer in script {
        asked.push(wait.next_attempt());
        let step = match &answer {
            Ok(status) => wait.after_answer(*status, now),
            Err(failure) => wait.after_failure(failure, now),
        };
        match step {
            Step::Again => {}
            Step::Pause(pause) => {
                paused += pause;
                now += TimeDelta::from_std(pause).unwrap();
            }
            Step::Done | Step::GiveUp => return (asked, paused, step),
        }
    }
    panic!("the script ran out before the wait ended");
}

#[test]
fn a_wait_through_an_outage_reads_quickly_then_long_polls_again() {
    let (asked, paused, end) = drive(vec![
        Ok(Status::Pending),
        Err(Failure::Network),
        Err(Failure::Unreadable),
        Ok(Status::Pending),
        Ok(Status::Approved),
    ]);
    use Attempt::{LongPoll, QuickRead};
    assert_eq!(asked, [LongPoll, LongPoll, QuickRead, QuickRead, LongPoll]);
    assert_eq!(paused, Duration::from_millis(1500));
    assert_eq!(end, Step::Done);
}

#[test]
fn a_service_down_for_good_is_given_up_on_after_the_grace() {
    let script = (0..200).map(|_| Err(Failure::Network)).collect();
    let (asked, paused, end) = drive(script);
    assert_eq!(end, Step::GiveUp);
    // 10 minutes plus 30 s of grace, in pauses of at most 8 s.
    let budget = Duration::from_secs(630);
    assert_eq!(paused, Duration::from_millis(623_500));
    assert!(paused <= budget);
    // Pauses of 0.5, 1, 2 and 4 s, then 77 of 8 s; the 82nd failure's
    // pause would end past the grace.
    assert_eq!(asked.len(), 82);
}
