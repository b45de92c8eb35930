//! A Prometheus histogram of durations: a count per bucket and a sum,
//! each an atomic, so recording one costs a few uncontended additions.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The buckets' upper bounds, in nanoseconds and as `le` writes them: from
/// half a millisecond (a read SQLite answers from its page cache) to ten
/// seconds (a PostgreSQL server stalled or far away).
pub const BOUNDS: [(u64, &str); 14] = [
    (500_000, "0.0005"),
    (1_000_000, "0.001"),
    (2_500_000, "0.0025"),
    (5_000_000, "0.005"),
    (10_000_000, "0.01"),
    (25_000_000, "0.025"),
    (50_000_000, "0.05"),
    (100_000_000, "0.1"),
    (250_000_000, "0.25"),
    (500_000_000, "0.5"),
    (1_000_000_000, "1"),
    (2_500_000_000, "2.5"),
    (5_000_000_000, "5"),
    (10_000_000_000, "10"),
];

/// Durations observed, by bucket.
#[derive(Debug, Default)]
pub struct Histogram {
    /// Observations per bucket, not cumulative: `counts[i]` holds those in
    /// `BOUNDS[i]` and above the bound before it; the last holds those
    /// above every bound (`+Inf` only).
    counts: [AtomicU64; BOUNDS.len() + 1],
    /// Every observation added up, in nanoseconds (which lasts 584 years
    /// of summed time before it wraps).
    sum_ns: AtomicU64,
}

/// A histogram as read at one moment, as Prometheus writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// The cumulative count at or below each of [`BOUNDS`].
    pub cumulative: [u64; BOUNDS.len()],
    /// How many were observed (the `+Inf` bucket).
    pub count: u64,
    /// Their sum, in nanoseconds.
    pub sum_ns: u64,
}

impl Histogram {
    /// Records one duration.
    pub fn observe(&self, took: Duration) {
        let ns = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BOUNDS
            .iter()
            .position(|(bound, _)| ns <= *bound)
            .unwrap_or(BOUNDS.len());
        if let Some(count) = self.counts.get(bucket) {
            count.fetch_add(1, Ordering::Relaxed);
        }
        self.sum_ns.fetch_add(ns, Ordering::Relaxed);
    }

    /// The counts now. Observations made while it reads may be in some
    /// buckets and not yet in others, as in every Prometheus client.
    pub fn snapshot(&self) -> Snapshot {
        let mut cumulative = [0; BOUNDS.len()];
        let mut running = 0_u64;
        for (slot, count) in cumulative.iter_mut().zip(&self.counts) {
            running = running.saturating_add(count.load(Ordering::Relaxed));
            *slot = running;
        }
        let above = self
            .counts
            .last()
            .map_or(0, |count| count.load(Ordering::Relaxed));
        Snapshot {
            cumulative,
            count: running.saturating_add(above),
            sum_ns: self.sum_ns.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_land_in_their_bucket_and_above() {
        let histogram = Histogram::default();
        histogram.observe(Duration::from_micros(500));
        histogram.observe(Duration::from_micros(501));
        histogram.observe(Duration::from_millis(30));
        histogram.observe(Duration::from_secs(60));
        let read = histogram.snapshot();
        assert_eq!(read.count, 4);
        assert_eq!(read.cumulative[0], 1, "a bound holds what equals it");
        assert_eq!(read.cumulative[1], 2);
        assert_eq!(read.cumulative[5], 2, "30 ms is above 25 ms");
        assert_eq!(read.cumulative[6], 3);
        assert_eq!(
            read.cumulative[BOUNDS.len() - 1],
            3,
            "a minute is above all"
        );
        assert_eq!(read.sum_ns, 500_000 + 501_000 + 30_000_000 + 60_000_000_000);
        assert!(read.cumulative.is_sorted());
    }
}
