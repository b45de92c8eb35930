//! Whether this instance can serve now, for `GET /healthz`. The store must
//! answer a `SELECT 1` within [`STORE_TIMEOUT`], and on PostgreSQL the
//! connection that hears other instances' changes must be listening (else
//! waiters here would miss approvals made elsewhere). A load balancer takes
//! the 503 as "send requests elsewhere".

use std::time::Duration;

use crate::runtime::listening::Listening;
use crate::state::AppState;

/// How long the store has to answer the health check's query.
pub const STORE_TIMEOUT: Duration = Duration::from_secs(2);

/// Why this instance cannot serve now, or `Ok` when it can. The reason is
/// for people and says which part is down; the cause is logged.
pub async fn check(state: &AppState) -> Result<(), String> {
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
