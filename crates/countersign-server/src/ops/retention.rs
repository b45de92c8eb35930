//! Retention in the service: each sweep deletes a few batches of what is
//! older than `--retain-days` (final sessions, used or expired enrollments
//! and their audit rows; see `store::retention` for exactly what), so that
//! the database stays small without a long lock. What is left over goes at
//! the next sweep.

use chrono::{DateTime, TimeDelta, Utc};

use crate::config::MAX_RETAIN_DAYS;
use crate::state::AppState;
use crate::store::{Pruned, StoreError};
/// Batches of each kind deleted per sweep.
const SWEEP_BATCHES: usize = 4;

/// The time before which rows go, for a window of `days` at `now`.
pub fn cutoff(now: DateTime<Utc>, days: i64) -> Result<DateTime<Utc>, String> {
    if !(1..=MAX_RETAIN_DAYS).contains(&days) {
        return Err(format!(
            "the retention must be between 1 and {MAX_RETAIN_DAYS} days"
        ));
    }
    now.checked_sub_signed(TimeDelta::days(days))
        .ok_or_else(|| "the retention reaches before the start of time".into())
}

/// One sweep's share of the deletions, by the service's clock.
pub async fn sweep(state: &AppState) -> Result<Pruned, StoreError> {
    let now = state.clock.now();
    let before = now
        .checked_sub_signed(state.config.retain)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let (pruned, more) = state.store.prune(before, SWEEP_BATCHES).await?;
    if pruned.total() > 0 {
        tracing::info!(
            ?pruned,
            more,
            "deleted what is older than the retention window"
        );
    }
    Ok(pruned)
}
