//! `admin prune [--dry-run] [--retain-days N]`: what the sweeper of a
//! running service deletes bit by bit, counted (`--dry-run`) or deleted
//! now, batch after batch (each batch its own short transaction, so a
//! `serve` on the same database is never held up for long).

use serde::Serialize;

use super::{Failure, json, say, store_error};
use crate::clock::Clock;
use crate::ops::retention;
use crate::store::{Pruned, Store};

/// What `admin prune --json` prints.
#[derive(Debug, Serialize)]
struct Report {
    /// Whether this only counted.
    dry_run: bool,
    /// The window, in days.
    retain_days: i64,
    /// Rows older than this are (or would be) deleted.
    before: chrono::DateTime<chrono::Utc>,
    /// How many, by kind.
    #[serde(flatten)]
    counts: Pruned,
}

/// Batches of each kind at most in one `admin prune`: with 100 sessions
/// and 500 other rows a batch, far more than a database holds.
const MAX_BATCHES: usize = 1_000_000;

/// `admin prune`: counts, or deletes, final sessions, used or expired
/// enrollments and their audit rows older than `retain_days`.
pub async fn prune(
    store: &Store,
    retain_days: i64,
    dry_run: bool,
    as_json: bool,
) -> Result<(), Failure> {
    let before = retention::cutoff(Clock::system().now(), retain_days)?;
    let counts = if dry_run {
        store.prunable(before).await.map_err(store_error)?
    } else {
        store
            .prune(before, MAX_BATCHES)
            .await
            .map_err(store_error)?
            .0
    };
    if as_json {
        let report = Report {
            dry_run,
            retain_days,
            before,
            counts,
        };
        say(json(&report)?)?;
    } else {
        let verb = if dry_run { "Would delete" } else { "Deleted" };
        say(format_args!(
            "{verb}, from before {}: {} session(s) with {} audit row(s), {} enrollment(s), \
             {} invite audit row(s).",
            before.to_rfc3339(),
            counts.sessions,
            counts.session_audit,
            counts.enrollments,
            counts.enrollment_audit
        ))?;
    }
    Ok(())
}
