//! Long polls: a requester (or a relying party's watch) waits until a
//! session's status differs from the one it saw, the session's time runs
//! out, or its own timeout passes. Bounded per source and in all
//! (`runtime::waiters`).

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use countersign_core::Status;
use uuid::Uuid;

use crate::error::ApiError;
use crate::ops::sessions::current_kept;
use crate::runtime::cache::Kept;
use crate::state::AppState;

/// When a long poll over a waiter cap may try again, in seconds: waits end
/// within `--max-wait-s`, and a refusal costs the service next to nothing.
pub const WAITERS_FULL_RETRY_S: u64 = 5;

/// Waits until the session's status differs from `seen`, its time runs out,
/// or `timeout` passes; then answers with the session as it stands. Refused
/// at once when `source`, or the instance, already holds as many waiters as
/// it may.
pub async fn wait(
    state: &AppState,
    uid: Uuid,
    seen: Status,
    timeout: Duration,
    source: IpAddr,
) -> Result<Arc<Kept>, ApiError> {
    let _admitted = state.waiters.admit(source).map_err(|full| {
        state.metrics.waiters_refused(full);
        tracing::debug!(%source, ?full, "long poll refused: too many waiters");
        ApiError::TooManyRequests {
            retry_after_s: WAITERS_FULL_RETRY_S,
        }
    })?;
    let start = state.clock.instant();
    let deadline = start
        .checked_add(timeout.min(state.config.max_wait))
        .unwrap_or(start);
    loop {
        let waiting = state.waiters.register(uid);
        let notified = waiting.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Boxed: the read's state would otherwise sit inside every waiting
        // request's future for the whole wait (kilobytes times thousands).
        let kept = Box::pin(current_kept(state, uid)).await?;
        let found = &kept.found;
        if found.session.status() != seen {
            return Ok(kept);
        }
        // A pending or approved session also ends when its time runs out:
        // wake then to expire it. Nothing else ends by itself, so a final or
        // suspicious session sleeps to the deadline (or a change): waking
        // at a time long past would read the session again and again.
        // One reading, so the stored time and the instant agree.
        let now = state.clock.read();
        let run_out = found.session.runs_out_at().map(|end| {
            let until = (end - now.wall).to_std().unwrap_or(Duration::ZERO);
            now.instant.checked_add(until).unwrap_or(deadline)
        });
        // Not held while waiting: a version the cache has moved past would
        // stay alive for every waiter that held it.
        drop(kept);
        let wake_at = run_out.map_or(deadline, |end| deadline.min(end));
        tokio::select! {
            () = &mut notified => {}
            () = state.clock.sleep_until(wake_at) => {
                if wake_at >= deadline {
                    return Box::pin(current_kept(state, uid)).await;
                }
            }
        }
    }
}
