//! What a requester waiting for a decision does after each attempt: retry,
//! pause, stop with what it got, or give up. The policy is pure; the caller
//! does the IO (blocking on the command line, async in the npm package) and
//! reads its own clock, so both wait alike and every branch is tested here.
//!
//! A caller's loop, in outline:
//!
//! ```
//! # use chrono::{DateTime, Utc};
//! # use countersign_core::{Status, client::{Attempt, Failure, Step, WaitPolicy, Waiting}};
//! # fn long_poll() -> Result<Status, Failure> { Ok(Status::Approved) }
//! # fn quick_read() -> Result<Status, Failure> { Ok(Status::Approved) }
//! # fn now() -> DateTime<Utc> { DateTime::UNIX_EPOCH }
//! # fn sleep(_: core::time::Duration) {}
//! # let expires_at = DateTime::UNIX_EPOCH;
//! let mut waiting = Waiting::new(WaitPolicy::default(), expires_at);
//! let outcome = loop {
//!     let answer = match waiting.next_attempt() {
//!         Attempt::LongPoll => long_poll(), // GET .../wait with policy.long_poll_query()
//!         Attempt::QuickRead => quick_read(), // GET /api/sessions/{uid}
//!     };
//!     let step = match &answer {
//!         Ok(status) => waiting.after_answer(*status, now()),
//!         Err(failure) => waiting.after_failure(failure, now()),
//!     };
//!     match step {
//!         Step::Done => break answer,        // decided, or a final error
//!         Step::Again => {}
//!         Step::Pause(pause) => sleep(pause),
//!         Step::GiveUp => break answer,      // out of time: say so
//!     }
//! };
//! assert_eq!(outcome, Ok(Status::Approved));
//! ```

use core::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use super::refusal::Refusal;
use crate::api::{DEFAULT_WAIT_S, WaitQuery};
use crate::status::Status;

/// How a requester waits: the back-off, the grace past expiry and the long
/// poll's length. `Default` is what every client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WaitPolicy {
    /// The first pause after a failure; each failure in a row doubles it.
    pub first_pause: Duration,
    /// The longest pause.
    pub max_pause: Duration,
    /// How long past `expires_at` to keep asking: the service's clock may
    /// run behind ours, and the service alone says how the session ended.
    pub grace: Duration,
    /// How long each long poll asks the service to hold it, in seconds.
    pub long_poll_s: u64,
}

impl Default for WaitPolicy {
    /// Pauses of 0.5 s, 1 s, 2 s, 4 s, then 8 s; 30 s of grace; long polls
    /// of [`DEFAULT_WAIT_S`].
    fn default() -> Self {
        Self {
            first_pause: Duration::from_millis(500),
            max_pause: Duration::from_secs(8),
            grace: Duration::from_secs(30),
            long_poll_s: DEFAULT_WAIT_S,
        }
    }
}

impl WaitPolicy {
    /// The query of one long poll while the session is pending.
    pub fn long_poll_query(&self) -> WaitQuery {
        WaitQuery {
            status: Status::Pending,
            timeout_s: self.long_poll_s,
        }
    }
}

/// What to ask the service next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// `GET /api/sessions/{uid}/wait?..` with
    /// [`WaitPolicy::long_poll_query`]: answers when the status changes.
    LongPoll,
    /// `GET /api/sessions/{uid}`: answers at once. Made after a failure, so
    /// that a service that is back is noticed at once rather than when a
    /// long poll ends.
    QuickRead,
}

/// Why an attempt gave no session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The service could not be reached, or the connection broke.
    Network,
    /// The answer could not be read: not JSON, or not the body expected
    /// (such as a proxy's HTML error page).
    Unreadable,
    /// The service refused, with its error body.
    Service(Refusal),
}

impl Failure {
    /// Whether trying again may succeed: a network failure, an unreadable
    /// answer, or a refusal worth retrying ([`Refusal::is_worth_retrying`]:
    /// the service failing inside, or asking to slow down). Anything else
    /// is the service's final word.
    pub fn is_worth_retrying(&self) -> bool {
        match self {
            Self::Network | Self::Unreadable => true,
            Self::Service(refusal) => refusal.is_worth_retrying(),
        }
    }

    /// The `Retry-After` of a refusal that had one.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Service(Refusal {
                retry_after_s: Some(seconds),
                ..
            }) => Some(Duration::from_secs(*seconds)),
            _ => None,
        }
    }
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Stop with what the attempt gave: a decided session, or an error
    /// that trying again will not change.
    Done,
    /// Ask again now ([`Waiting::next_attempt`] says how).
    Again,
    /// Wait this long, then ask again.
    Pause(Duration),
    /// Stop: the session's time and its grace are over. After a failure,
    /// report that failure as the last one; after a pending answer, the
    /// service should have expired the session, so its clock has stopped.
    GiveUp,
}

/// One requester's wait for one session: the policy and what happened so
/// far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    policy: WaitPolicy,
    give_up_at: DateTime<Utc>,
    next_pause: Duration,
    failures: u32,
}

impl Waiting {
    /// A wait for a session that stops being approvable at `expires_at`.
    pub fn new(policy: WaitPolicy, expires_at: DateTime<Utc>) -> Self {
        let give_up_at = TimeDelta::from_std(policy.grace)
            .ok()
            .and_then(|grace| expires_at.checked_add_signed(grace))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        Self {
            next_pause: policy.first_pause,
            policy,
            give_up_at,
            failures: 0,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &WaitPolicy {
        &self.policy
    }

    /// `expires_at` plus the grace: no attempt is made after it.
    pub fn give_up_at(&self) -> DateTime<Utc> {
        self.give_up_at
    }

    /// How many attempts in a row have failed (0 after an answer). A caller
    /// that tells its user about failures can say "reached the service
    /// again" when this is above 0 before [`Self::after_answer`].
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// What to ask next: a long poll, or a quick read after a failure.
    pub fn next_attempt(&self) -> Attempt {
        if self.failures == 0 {
            Attempt::LongPoll
        } else {
            Attempt::QuickRead
        }
    }

    /// After the service answered with the session, in `status`, at `now`.
    /// The back-off starts over.
    pub fn after_answer(&mut self, status: Status, now: DateTime<Utc>) -> Step {
        self.failures = 0;
        self.next_pause = self.policy.first_pause;
        if status != Status::Pending {
            Step::Done
        } else if now > self.give_up_at {
            Step::GiveUp
        } else {
            Step::Again
        }
    }

    /// After an attempt failed at `now`: a final failure is [`Step::Done`];
    /// one worth retrying pauses (doubling, and at least its
    /// `Retry-After`), unless the pause would end past
    /// [`Self::give_up_at`].
    pub fn after_failure(&mut self, failure: &Failure, now: DateTime<Utc>) -> Step {
        if !failure.is_worth_retrying() {
            return Step::Done;
        }
        let mut pause = self.next_pause;
        self.next_pause = pause.saturating_mul(2).min(self.policy.max_pause);
        self.failures = self.failures.saturating_add(1);
        if let Some(asked) = failure.retry_after() {
            pause = pause.max(asked);
        }
        let resumes = TimeDelta::from_std(pause)
            .ok()
            .and_then(|pause| now.checked_add_signed(pause));
        match resumes {
            Some(at) if at <= self.give_up_at => Step::Pause(pause),
            _ => Step::GiveUp,
        }
    }
}
