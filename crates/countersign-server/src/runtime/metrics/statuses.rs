//! Sessions by status for `/metrics`, counted in the store when scraped
//! and kept for [`FRESH_FOR`].
//!
//! Counted rather than kept current by this instance's transitions: with
//! several instances on one PostgreSQL database, an `admin` command beside
//! them, the sweeper's expiries and retention's deletions, no one process
//! sees every change, and a count it kept would drift from the truth and
//! start from nothing at each restart. The count is one scan of the
//! sessions table; the cache bounds it to one per [`FRESH_FOR`] however
//! often `/metrics` is asked (it has no rate limit), and one scrape at a
//! time counts while the others wait for its answer.

use std::time::{Duration, Instant};

use countersign_core::Status;

use crate::store::Store;

/// How long a count is answered again before the store is asked anew.
/// Shorter than any usual scrape interval, so each scrape sees a count at
/// most this old.
pub const FRESH_FOR: Duration = Duration::from_secs(10);

/// How long the count may take before a scrape goes without it.
pub const COUNT_TIMEOUT: Duration = Duration::from_secs(2);

/// The last count and when it was made.
#[derive(Debug, Default)]
pub struct StatusCounts(tokio::sync::Mutex<Option<(Instant, [u64; Status::ALL.len()])>>);

impl StatusCounts {
    /// The sessions of each status (in the order of [`Status::ALL`]) as
    /// counted at most [`FRESH_FOR`] before `now`, or `None` when the store
    /// cannot count them now (the cause is logged; `/healthz` says so too).
    pub async fn get(&self, store: &Store, now: Instant) -> Option<[u64; Status::ALL.len()]> {
        let mut last = self.0.lock().await;
        if let Some((at, counts)) = *last
            && now.saturating_duration_since(at) < FRESH_FOR
        {
            return Some(counts);
        }
        match tokio::time::timeout(COUNT_TIMEOUT, store.sessions_by_status()).await {
            Ok(Ok(counts)) => {
                *last = Some((now, counts));
                Some(counts)
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "metrics: cannot count sessions by status");
                None
            }
            Err(_late) => {
                tracing::warn!("metrics: counting sessions by status took too long");
                None
            }
        }
    }
}
