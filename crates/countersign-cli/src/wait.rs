//! Waiting for a decision by long poll, with the retry rules of
//! `countersign_core::Waiting` (what to retry, how long to pause, honouring
//! `Retry-After`, when to give up). This file is only the IO: the blocking
//! calls, the sleeping and the notes for the person waiting, and a wait
//! that a Ctrl-C ends at once, even in the middle of a long poll.

use std::sync::mpsc::{Receiver, Sender};

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

/// What the waiting thread and the Ctrl-C thread tell the command.
pub enum Event {
    /// A note for the person waiting.
    Note(String),
    /// The wait ended (boxed: a session is large, and the other events
    /// small).
    Decided(Box<Result<LoginSession, CliError>>),
    /// Ctrl-C was pressed.
    Interrupted,
}

/// How an interruptible wait ended.
pub enum Waited {
    /// As [`until_decided`] ended (boxed, as in [`Event`]).
    Decided(Box<Result<LoginSession, CliError>>),
    /// By Ctrl-C, before a decision arrived.
    Interrupted,
}

/// As [`until_decided`], but on a thread of its own that reports on
/// `events`, while this one reads `received` (where Ctrl-C is reported too)
/// and passes notes to `note`. An interrupted wait leaves its thread in
/// its long poll: the program ends soon after.
pub fn interruptible(
    api: &Api,
    uid: Uuid,
    expires_at: DateTime<Utc>,
    events: Sender<Event>,
    received: &Receiver<Event>,
    note: &dyn Fn(&str),
) -> Waited {
    let waiter = api.clone();
    let spawned = std::thread::Builder::new()
        .name("wait".to_owned())
        .spawn(move || {
            let tell = |text: &str| {
                let _ = events.send(Event::Note(text.to_owned()));
            };
            let decided = until_decided(&waiter, uid, expires_at, &tell);
            let _ = events.send(Event::Decided(Box::new(decided)));
        });
    if spawned.is_err() {
        // No thread to be had: wait here, where Ctrl-C is only noticed
        // after the wait.
        return Waited::Decided(Box::new(until_decided(api, uid, expires_at, note)));
    }
    loop {
        match received.recv() {
            Ok(Event::Note(text)) => note(&text),
            Ok(Event::Decided(decided)) => return Waited::Decided(decided),
            Ok(Event::Interrupted) => return Waited::Interrupted,
            // Every sender is gone: the waiting thread ended without an
            // answer, which it never does.
            Err(_) => {
                let unexpected = CliError::Unexpected(Status::Pending);
                return Waited::Decided(Box::new(Err(unexpected)));
            }
        }
    }
}

fn describe(error: &ApiError, pause: std::time::Duration) -> String {
    format!("{error}; trying again in {:.1} s.", pause.as_secs_f64())
}
