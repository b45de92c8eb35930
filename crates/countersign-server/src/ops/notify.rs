//! On PostgreSQL, hears of every change any instance makes to a session:
//! LISTEN on the changes channel; each payload (`uid:version`) raises the
//! cache's floor for that session and wakes its waiters here.
//!
//! A LISTEN connection can die without a word (a firewall dropping an idle
//! flow, a frozen server): when nothing arrives for a heartbeat, a
//! `SELECT 1` on the same connection must answer within another; if it
//! does not, the connection is dropped and made again. Whenever the
//! listener was not listening, changes may have been missed, so the cache
//! is cleared and every waiter looks at its session again.

use std::time::Duration;

use sqlx::postgres::PgListener;
use uuid::Uuid;

use crate::runtime::listening::Listening;
use crate::state::Shared;
use crate::store::{Backend, CHANGES_CHANNEL};

/// Why listening stopped.
#[derive(Debug, thiserror::Error)]
enum Stopped {
    /// The database failed or refused.
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    /// The connection did not answer the heartbeat in time.
    #[error("no answer to the heartbeat within {0:?}")]
    Silent(Duration),
}

/// Listens for changes until the process ends; does nothing on SQLite,
/// where every change is made by this one process.
pub async fn listen(state: Shared) {
    if state.store.backend() != Backend::Postgres {
        return;
    }
    state
        .listening
        .set(Listening::Down("not listening yet".into()));
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&state).await {
            Ok(()) => {
                backoff = Duration::from_millis(100);
                state
                    .listening
                    .set(Listening::Down("the LISTEN connection closed".into()));
            }
            Err(error) => {
                tracing::warn!(%error, "LISTEN failed; retrying");
                state.listening.set(Listening::Down(error.to_string()));
            }
        }
        // Changes may have been missed while not listening: forget what is
        // cached, and every waiter looks at its session again.
        state.cache.clear();
        state.waiters.wake_all();
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen_once(state: &Shared) -> Result<(), Stopped> {
    let heartbeat = state.config.listen_heartbeat;
    let mut listener = PgListener::connect(state.store.url()).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    tracing::info!("listening for session changes from other instances");
    state.listening.set(Listening::Up(state.clock.now()));
    state.cache.clear();
    state.waiters.wake_all();
    loop {
        // `try_recv` is cancel-safe (sqlx 0.8): a timeout loses nothing.
        match tokio::time::timeout(heartbeat, listener.try_recv()).await {
            // `None`: the connection dropped. Return, and be called again
            // after everything is forgotten.
            Ok(received) => match received? {
                Some(notification) => heard(state, notification.payload()),
                None => return Ok(()),
            },
            Err(_quiet) => {
                let ping = sqlx::query("SELECT 1").execute(&mut listener);
                tokio::time::timeout(heartbeat, ping)
                    .await
                    .map_err(|_| Stopped::Silent(heartbeat))??;
            }
        }
    }
}

/// What one announcement says: the session changed and its stored version
/// is now at least the one named.
fn heard(state: &Shared, payload: &str) {
    let (uid, version) = match payload.split_once(':') {
        Some((uid, version)) => (uid, version.parse::<i64>().ok()),
        None => (payload, None),
    };
    let Ok(uid) = Uuid::parse_str(uid) else {
        return;
    };
    // Our own changes come back too: their version is kept already.
    match version {
        Some(version) => state.cache.at_least(uid, version),
        // From an instance too old to name the version.
        None => state.cache.forget(uid),
    }
    state.waiters.wake(uid);
}
