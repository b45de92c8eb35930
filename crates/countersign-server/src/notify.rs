//! On PostgreSQL, wakes this instance's waiters when any instance changes a
//! session: LISTEN on the changes channel, and wake the uid in each payload.

use std::time::Duration;

use sqlx::postgres::PgListener;
use uuid::Uuid;

use crate::app::Shared;
use crate::store::{Backend, CHANGES_CHANNEL};

/// Listens for changes until the process ends; does nothing on SQLite,
/// where every change is made by this one process.
pub async fn listen(state: Shared) {
    if state.store.backend() != Backend::Postgres {
        return;
    }
    let mut backoff = Duration::from_millis(100);
    loop {
        match listen_once(&state).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(error) => tracing::warn!(%error, "LISTEN failed; retrying"),
        }
        // Changes may have been missed while not listening: forget what is
        // cached, and every waiter looks at its session again.
        state.cache.clear();
        state.waiters.wake_all();
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

async fn listen_once(state: &Shared) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect(state.store.url()).await?;
    listener.listen(CHANGES_CHANNEL).await?;
    tracing::info!("listening for session changes from other instances");
    state.cache.clear();
    state.waiters.wake_all();
    // `try_recv` answers `None` when the connection dropped: return, and be
    // called again after waking everyone.
    while let Some(notification) = listener.try_recv().await? {
        if let Ok(uid) = Uuid::parse_str(notification.payload()) {
            // Our own changes come back too; forgetting costs one read.
            state.cache.forget(uid);
            state.waiters.wake(uid);
        }
    }
    Ok(())
}
