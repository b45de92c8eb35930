//! Waiting for a decision by long poll: one request held by the service
//! until the status changes (or about 25 s pass), repeated; network
//! failures are retried with a doubling back-off until the session's end.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::{LoginSession, Status};
use uuid::Uuid;

use crate::api::{Api, ApiError};
use crate::clock;
use crate::error::CliError;

/// The first pause after a failure.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// The longest pause between tries.
const MAX_BACKOFF: Duration = Duration::from_secs(8);
/// How long past `expires_at` to keep asking: the service's clock may run
/// behind ours, and it alone says how the session ended.
const GRACE: TimeDelta = TimeDelta::seconds(30);

/// Waits until session `uid` is no longer pending and returns it. `note`
/// is told, in plain words, about failures and recoveries.
pub fn until_decided(
    api: &Api,
    uid: Uuid,
    expires_at: DateTime<Utc>,
    note: &dyn Fn(&str),
) -> Result<LoginSession, CliError> {
    let mut backoff = Backoff::new();
    let give_up_at = expires_at + GRACE;
    loop {
        // After a failure, a quick read tells at once whether the service
        // is back; a long poll would only tell when it ends.
        let answer = if backoff.failed() {
            api.session(uid)
        } else {
            api.wait(uid, Status::Pending)
        };
        match answer {
            Ok(session) => {
                if backoff.failed() {
                    note("Reached the service again; still waiting.");
                }
                backoff = Backoff::new();
                if session.status() != Status::Pending {
                    return Ok(session);
                }
                if clock::now() > give_up_at {
                    // The service should have expired it by now; do not
                    // wait on a service whose clock has stopped.
                    return Err(CliError::Unexpected(Status::Pending));
                }
            }
            Err(error) if error.is_transient() => {
                let pause = backoff.next();
                if clock::now() + pause > give_up_at {
                    return Err(CliError::GaveUp(error));
                }
                note(&describe(&error, pause));
                std::thread::sleep(pause);
            }
            Err(error) => return Err(error.into()),
        }
    }
}

fn describe(error: &ApiError, pause: Duration) -> String {
    format!("{error}; trying again in {:.1} s.", pause.as_secs_f64())
}

/// Pauses of 0.5 s, 1 s, 2 s ... up to 8 s.
struct Backoff {
    next: Duration,
    failures: u32,
}

impl Backoff {
    fn new() -> Self {
        Self {
            next: FIRST_BACKOFF,
            failures: 0,
        }
    }

    fn failed(&self) -> bool {
        self.failures > 0
    }

    fn next(&mut self) -> Duration {
        let pause = self.next;
        self.next = (self.next * 2).min(MAX_BACKOFF);
        self.failures = self.failures.saturating_add(1);
        pause
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_backoff_doubles_from_half_a_second_to_eight() {
        let mut backoff = Backoff::new();
        assert!(!backoff.failed());
        let pauses: Vec<f64> = (0..7).map(|_| backoff.next().as_secs_f64()).collect();
        assert_eq!(pauses, [0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]);
        assert!(backoff.failed());
    }
}
