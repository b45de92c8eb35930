//! How a watch paces its long poll: the back-off beside the requester's
//! [`Waiting`](super::Waiting). A watch (the relying party's
//! [`SessionWatch`](super::SessionWatch), the web app's watch on a pending
//! request) asks `GET /api/sessions/{uid}/wait` again and again for as long
//! as it cares, with no deadline of its own; after each poll it asks
//! [`Polling`] what to do: ask again at once, pause, or stop. The policy is
//! pure; the caller does the IO, reads its clock and sleeps, so the web
//! app, the npm package and the bench pace their watches alike and every
//! branch is tested here.
//!
//! - An answer that changed the status, or that the service held (a quiet
//!   long poll ends after its timeout unchanged): ask again at once, and
//!   the back-off starts over.
//! - An answer unchanged that came back at once: the service did not hold
//!   the wait, so pause rather than ask it in a loop.
//! - A network failure, an unreadable answer, a 5xx or a 429: pause, the
//!   pause doubling up to its longest and never shorter than the answer's
//!   `Retry-After`.
//! - Any other refusal is the service's final word (the session is gone,
//!   the uid malformed): stop.
//!
//! A caller's loop, in outline:
//!
//! ```
//! # use chrono::{DateTime, Utc};
//! # use countersign_core::client::{Failure, Next, PollPolicy, Polling};
//! # fn long_poll() -> Result<bool, Failure> { Err(Failure::Network) }
//! # fn now() -> DateTime<Utc> { DateTime::UNIX_EPOCH }
//! # fn sleep(_: core::time::Duration) {}
//! let mut polling = Polling::new(PollPolicy::default());
//! # let mut polls = 0;
//! loop {
//!     let asked = now();
//!     let next = match long_poll() {   // Ok(whether the status changed)
//!         Ok(changed) => polling.after_answer(changed, asked, now()),
//!         Err(failure) => polling.after_failure(&failure),
//!     };
//!     match next {
//!         Next::Again => {}
//!         Next::Pause(pause) => sleep(pause),
//!         Next::Stop => break,
//!     }
//! #   polls += 1;
//! #   if polls == 3 { break }
//! }
//! ```

use core::time::Duration;

use chrono::{DateTime, Utc};

use super::wait::Failure;

/// How a watch paces its long poll. `Default` is what every watch uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// The first pause after a failure; each failure in a row doubles it.
    pub first_pause: Duration,
    /// The longest pause (a `Retry-After` may ask for longer). Well inside
    /// a relying party's `max_silence` (60 s), so that a service that
    /// comes back is heard again before its watch refuses every token.
    pub max_pause: Duration,
    /// An unchanged answer that came back sooner than this was not held by
    /// the service, which holds a long poll for its timeout: pause before
    /// asking again.
    pub min_hold: Duration,
}

impl Default for PollPolicy {
    /// Pauses of 0.25 s, 0.5 s, 1 s, ... up to 8 s; an answer held less
    /// than 1 s was not held.
    fn default() -> Self {
        Self {
            first_pause: Duration::from_millis(250),
            max_pause: Duration::from_secs(8),
            min_hold: Duration::from_secs(1),
        }
    }
}

/// What a watch does after a long poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Ask again now.
    Again,
    /// Wait this long, then ask again.
    Pause(Duration),
    /// Stop polling: the service refused for good. A relying party's
    /// watch then refuses every token once its `max_silence` has passed.
    Stop,
}

/// One watch's long poll: the policy and the pause a failure would take
/// now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Polling {
    policy: PollPolicy,
    next_pause: Duration,
}

impl Polling {
    /// A long poll that has not failed yet.
    pub fn new(policy: PollPolicy) -> Self {
        Self {
            next_pause: policy.first_pause,
            policy,
        }
    }

    /// The policy.
    pub fn policy(&self) -> &PollPolicy {
        &self.policy
    }

    /// After the service answered with the session: `changed` whether its
    /// status differs from the one the poll asked about, the poll sent at
    /// `asked` and answered at `now` (the caller's clock).
    pub fn after_answer(
        &mut self,
        changed: bool,
        asked: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Next {
        let held = (now - asked)
            .to_std()
            .is_ok_and(|held| held >= self.policy.min_hold);
        if changed || held {
            self.next_pause = self.policy.first_pause;
            Next::Again
        } else {
            Next::Pause(self.back_off(None))
        }
    }

    /// After a poll failed: a failure worth retrying pauses (doubling, and
    /// at least its `Retry-After`); any other is [`Next::Stop`].
    pub fn after_failure(&mut self, failure: &Failure) -> Next {
        if failure.is_worth_retrying() {
            Next::Pause(self.back_off(failure.retry_after()))
        } else {
            Next::Stop
        }
    }

    /// The pause to take now, at least `asked` when given, and the next
    /// one doubled.
    fn back_off(&mut self, asked: Option<Duration>) -> Duration {
        let pause = self.next_pause;
        self.next_pause = pause.saturating_mul(2).min(self.policy.max_pause);
        asked.map_or(pause, |asked| pause.max(asked))
    }
}
