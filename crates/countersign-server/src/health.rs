//! `GET /healthz`: whether this instance can serve now. The store must
//! answer a `SELECT 1` within [`STORE_TIMEOUT`], and on PostgreSQL the
//! connection that hears other instances' changes must be listening (else
//! waiters here would miss approvals made elsewhere). A load balancer takes
//! the 503 as "send requests elsewhere".

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::extract::State;
use chrono::{DateTime, Utc};
use countersign_core::api::ErrorCode;

use crate::app::Shared;
use crate::error::ApiError;

/// How long the store has to answer the health check's query.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(2);

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

/// Why this instance cannot serve now, or `Ok` when it can. The reason is
/// for people and says which part is down; the cause is logged.
pub async fn check(state: &Shared) -> Result<(), String> {
    match tokio::time::timeout(STORE_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => {
            tracing::warn!(%error, "health check: the database failed");
            return Err("the database does not answer".into());
        }
        Err(_late) => {
            tracing::warn!("health check: the database did not answer in time");
            return Err(format!(
                "the database did not answer within {} s",
                STORE_TIMEOUT.as_secs()
            ));
        }
    }
    match state.listening.get() {
        Listening::Unused | Listening::Up(_) => Ok(()),
        Listening::Down(why) => {
            tracing::warn!(%why, "health check: not listening for changes");
            Err("not listening for changes made by other instances (PostgreSQL LISTEN)".into())
        }
    }
}

/// `GET /healthz`: `ok`, or 503 `unavailable` saying what is down.
pub async fn healthz(State(state): State<Shared>) -> Result<&'static str, ApiError> {
    check(&state)
        .await
        .map_err(|reason| ApiError::new(ErrorCode::Unavailable, reason))?;
    Ok("ok")
}
