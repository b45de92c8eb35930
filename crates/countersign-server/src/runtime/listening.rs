//! Whether this instance hears other instances' changes: what the
//! PostgreSQL listener (`ops::notify`) last said about itself, read by the
//! health check (`ops::health`).

use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

/// What the PostgreSQL listener last said about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listening {
    /// No listener runs: on SQLite, where this process makes every change,
    /// or where nothing started one.
    Unused,
    /// Listening since this time.
    Up(DateTime<Utc>),
    /// Not listening, for this reason (connecting, or the last failure).
    Down(String),
}

/// The listener's state, shared between it and the health check.
#[derive(Debug)]
pub struct ListenerHealth(Mutex<Listening>);

impl Default for ListenerHealth {
    fn default() -> Self {
        Self(Mutex::new(Listening::Unused))
    }
}

impl ListenerHealth {
    /// What the listener last said.
    pub fn get(&self) -> Listening {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Records what the listener is doing now.
    pub fn set(&self, now: Listening) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = now;
    }
}
