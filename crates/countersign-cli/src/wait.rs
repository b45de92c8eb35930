//! Waiting for a decision by long poll, with the retry rules of
//! `countersign_core::Waiting` (what to retry, how long to pause, honouring
//! `Retry-After`, when to give up). This file is only the IO: the blocking
//! calls, the sleeping and the notes for the person waiting.

use chrono::{DateTime, Utc};
use countersign_core::client::{Attempt, Step, WaitPolicy, Waiting};
use countersign_core::{LoginSession, Status};
use uuid::Uuid;

use crate::api::{Api, ApiError};
use crate::clock;
use crate::error::CliError;

/// Waits until session `uid` is no longer pending and returns it. `note`
/// is told, in plain words, about failures and recoveries.
pub fn until_decided(
    api: &Api,
    uid: Uuid,
    expires_at: DateTime<Utc>,
    note: &dyn Fn(&str),
) -> Result<LoginSession, CliError> {
    let mut waiting = Waiting::new(WaitPolicy::default(), expires_at);
    loop {
        let answer = match waiting.next_attempt() {
            Attempt::LongPoll => api.wait(uid, &waiting.policy().long_poll_query()),
            Attempt::QuickRead => api.session(uid),
        };
        let step = match &answer {
            Ok(session) => {
                if waiting.failures() > 0 {
                    note("Reached the service again; still waiting.");
                }
                waiting.after_answer(session.status(), clock::now())
            }
            Err(error) => waiting.after_failure(&error.wait_failure(), clock::now()),
        };
        match (step, answer) {
            (Step::Done, answer) => return answer.map_err(CliError::from),
            (Step::Again, _) => {}
            (Step::Pause(pause), answer) => {
                if let Err(error) = &answer {
                    note(&describe(error, pause));
                }
                std::thread::sleep(pause);
            }
            // The service should have expired it by now; do not wait on a
            // service whose clock has stopped.
            (Step::GiveUp, Ok(_)) => return Err(CliError::Unexpected(Status::Pending)),
            (Step::GiveUp, Err(error)) => return Err(CliError::GaveUp(error)),
        }
    }
}

fn describe(error: &ApiError, pause: std::time::Duration) -> String {
    format!("{error}; trying again in {:.1} s.", pause.as_secs_f64())
}
