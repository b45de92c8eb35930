//! The sweeper: every few seconds, what no request does by itself.
//! Sessions whose time ran out are expired (and their waiters woken),
//! stale nonces and used statements forgotten, a share of what is older
//! than the retention window deleted, and revocations whose delay is over
//! applied.

use std::future::Future;
use std::time::Duration;

use crate::error::ApiError;
use crate::ops::sessions::expire_if_run_out;
use crate::ops::{retention, revocation};
use crate::state::{AppState, Shared};

/// Expires every pending or approved session whose time ran out, waking its
/// waiters, and forgets the nonces of authorisations and the account
/// statements used once that are stale everywhere. Answers how many sessions it found run out.
pub async fn sweep(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    state.store.prune_nonces(now).await?;
    state.store.prune_used_statements(now).await?;
    let run_out = state.store.run_out(now, 500).await?;
    let count = run_out.len();
    for found in run_out {
        expire_if_run_out(state, found).await?;
    }
    retention::sweep(state).await?;
    revocation::apply_due(state).await?;
    Ok(count)
}

/// How often the sweeper looks for run-out sessions, by the service's clock.
pub const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Sweeps every [`SWEEP_EVERY`], so that waiters and lists see run-out
/// sessions expired even if no one reads them. The first sweep is due
/// [`SWEEP_EVERY`] after this call rather than after the task first runs,
/// so that a clock moved right after spawning it is not missed.
pub fn sweeper(state: Shared) -> impl Future<Output = ()> + Send + 'static {
    let first = state.clock.instant() + SWEEP_EVERY;
    async move {
        let mut next = first;
        loop {
            state.clock.sleep_until(next).await;
            if let Err(error) = sweep(&state).await {
                tracing::warn!(?error, "sweep failed");
            }
            next = state.clock.instant() + SWEEP_EVERY;
        }
    }
}
