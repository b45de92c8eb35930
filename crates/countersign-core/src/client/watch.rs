//! A relying party's view of one session, kept current by the long poll, so
//! that authorisations can be verified offline (no round trip per request)
//! and are refused from the moment the session is logged out, reported
//! suspicious, expired, or its approving device revoked (the service logs
//! such sessions out).
//!
//! Pure like the rest of the crate: the caller fetches the session once,
//! then loops on the long poll with [`SessionWatch::wait_query`] and feeds
//! every answer to [`SessionWatch::update`] (the service answers every
//! long poll within its timeout, changed or not), pacing the polls with
//! [`Polling`](super::Polling). A watch that has not heard from the
//! service for longer than its `max_silence` refuses every token: it fails
//! closed, since a logout it missed would otherwise go unnoticed.
//!
//! ```text
//! let mut watch = SessionWatch::new(api.session(uid)?, now, WatchPolicy::default());
//! let mut polling = Polling::new(PollPolicy::default());
//! loop {                                   // in a task of its own
//!     let asked = clock.now();
//!     let next = match api.wait(uid, &watch.wait_query()) {
//!         Ok(session) => match watch.update(session, clock.now()) {
//!             Ok(changed) => polling.after_answer(changed, asked, clock.now()),
//!             Err(OtherSession { .. }) => polling.after_failure(&Failure::Unreadable),
//!         },
//!         Err(failure) => polling.after_failure(&failure),
//!     };
//!     if watch.is_final() { break }
//!     match next {
//!         Next::Again => {}
//!         Next::Pause(pause) => sleep(pause),
//!         Next::Stop => break,             // the watch fails closed
//!     }
//! }
//! // on each request: watch.verify(&token, &expected, clock.now())
//! ```

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::api::{DEFAULT_WAIT_S, WaitQuery};
use crate::authorisation::{
    AUTHORISATION_WINDOW, AuthorisationError, Expectation, Identity, SignedAuthorisation,
};
use crate::session::LoginSession;
use crate::statement::Freshness;

/// How a watch judges its own freshness.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WatchPolicy {
    /// How long the long poll asks the service to hold each wait.
    pub long_poll_s: u64,
    /// How long without an answer from the service before every token is
    /// refused. Longer than one long poll, so that a quiet session is not
    /// mistaken for a lost service.
    pub max_silence: TimeDelta,
    /// The freshness window for tokens.
    pub window: Freshness,
}

impl Default for WatchPolicy {
    fn default() -> Self {
        Self {
            long_poll_s: DEFAULT_WAIT_S,
            max_silence: TimeDelta::seconds(60),
            window: AUTHORISATION_WINDOW,
        }
    }
}

/// Why a watch refuses a token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatchError {
    /// The token itself is refused against the session as last seen.
    #[error(transparent)]
    Refused(#[from] AuthorisationError),
    /// The service has not been heard from since `since`: the session may
    /// have ended without the watch knowing.
    #[error("the session's service has not been reached since {since}; refusing until it is")]
    OutOfTouch {
        /// The last answer from the service.
        since: DateTime<Utc>,
    },
}

/// The service answered with another session than the one watched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the service answered with session {got}, not the watched {watched}")]
pub struct OtherSession {
    /// The session watched.
    pub watched: Uuid,
    /// The session answered.
    pub got: Uuid,
}

/// One session as a relying party last saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionWatch {
    session: LoginSession,
    heard_at: DateTime<Utc>,
    policy: WatchPolicy,
}

impl SessionWatch {
    /// Starts watching `session`, read from the service at `now`.
    pub fn new(session: LoginSession, now: DateTime<Utc>, policy: WatchPolicy) -> Self {
        Self {
            session,
            heard_at: now,
            policy,
        }
    }

    /// The session as last seen.
    pub fn session(&self) -> &LoginSession {
        &self.session
    }

    /// The query for the next long poll: answer when the status differs
    /// from the one last seen.
    pub fn wait_query(&self) -> WaitQuery {
        WaitQuery {
            status: self.session.status(),
            timeout_s: self.policy.long_poll_s,
        }
    }

    /// Takes the service's answer at `now`. Returns whether the status
    /// changed; an answer about another session is refused and changes
    /// nothing.
    pub fn update(
        &mut self,
        session: LoginSession,
        now: DateTime<Utc>,
    ) -> Result<bool, OtherSession> {
        if session.uid() != self.session.uid() {
            return Err(OtherSession {
                watched: self.session.uid(),
                got: session.uid(),
            });
        }
        let changed = session.status() != self.session.status();
        // A session only moves forward; an answer that went round a slower
        // path must not bring back a status that was left.
        if !self.session.status().is_final() || session.status().is_final() {
            self.session = session;
        }
        self.heard_at = self.heard_at.max(now);
        Ok(changed)
    }

    /// When the service last answered.
    pub fn heard_at(&self) -> DateTime<Utc> {
        self.heard_at
    }

    /// Whether nothing can change any more (the session is final), so the
    /// long poll can stop: every token is refused from now on.
    pub fn is_final(&self) -> bool {
        self.session.status().is_final()
    }

    /// Checks a token against the session as last seen, at `now`.
    pub fn verify(
        &self,
        token: &SignedAuthorisation,
        expected: &Expectation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Identity, WatchError> {
        // The long poll is answered the moment the status changes, and at
        // the latest after its timeout; silence past `max_silence` means the
        // service or the way to it is lost, and a logout may be missed.
        // A final session can never change, so there is nothing to miss:
        // its own status refuses the token and says why (`logged_out`, ...).
        if !self.is_final() && now - self.heard_at > self.policy.max_silence {
            return Err(WatchError::OutOfTouch {
                since: self.heard_at,
            });
        }
        Ok(token.verify(expected, &self.session, now, self.policy.window)?)
    }
}
