//! Timed load loops (N connections, each sending requests one after the
//! other until time or work runs out) and the percentiles of latencies.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::task::JoinSet;

use crate::client::Conn;

/// The most requests one connection sends in one loop: with the time limit,
/// this keeps every loop bounded even if the clock misbehaves.
pub const MAX_OPS_PER_CONN: u64 = 50_000_000;

/// How one loop went.
#[derive(Debug, Clone, Copy)]
pub struct Throughput {
    /// Operations that completed as expected.
    pub count: u64,
    /// From the start until the last connection finished.
    pub elapsed: Duration,
}

impl Throughput {
    /// Operations per second.
    pub fn per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            // Counts stay far below 2^52, so the conversion is exact.
            #[allow(clippy::cast_precision_loss)]
            let count = self.count as f64;
            count / seconds
        } else {
            0.0
        }
    }
}

/// What one operation says about the work left.
#[derive(Debug)]
pub enum Step {
    /// It completed; go on.
    Done(Conn),
    /// There was nothing left to do; this connection stops.
    NoMoreWork,
}

/// Runs `concurrency` connections to `addr` for `duration`; each calls
/// `op(conn, worker, i)` again and again, where `i` counts that worker's
/// operations. Each completed operation counts once. The first error stops
/// every worker and is returned, so that a wrong answer is never counted as
/// a fast one.
pub async fn timed<F, Fut>(
    addr: SocketAddr,
    concurrency: usize,
    duration: Duration,
    op: F,
) -> Result<Throughput, String>
where
    F: Fn(Conn, usize, u64) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Result<Step, String>> + Send + 'static,
{
    // Connect everyone first, so the clock does not time the handshakes.
    let mut conns = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        conns.push(Conn::open(addr).await?);
    }
    let failed = Arc::new(AtomicBool::new(false));
    let start = crate::clock::instant();
    let deadline = start + duration;
    let mut workers = JoinSet::new();
    for (worker, conn) in conns.into_iter().enumerate() {
        let op = op.clone();
        let failed = Arc::clone(&failed);
        workers.spawn(async move {
            let mut conn = conn;
            let mut count = 0u64;
            while count < MAX_OPS_PER_CONN
                && crate::clock::instant() < deadline
                && !failed.load(Ordering::Relaxed)
            {
                match op(conn, worker, count).await {
                    Ok(Step::Done(next)) => {
                        conn = next;
                        count += 1;
                    }
                    Ok(Step::NoMoreWork) => break,
                    Err(e) => {
                        failed.store(true, Ordering::Relaxed);
                        return Err(e);
                    }
                }
            }
            Ok(count)
        });
    }
    let mut total = 0u64;
    let mut first_error = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(count)) => total += count,
            Ok(Err(e)) => {
                first_error.get_or_insert(e);
            }
            Err(e) => {
                first_error.get_or_insert(format!("a load worker failed: {e}"));
            }
        }
    }
    let elapsed = start.elapsed();
    match first_error {
        Some(e) => Err(e),
        None => Ok(Throughput {
            count: total,
            elapsed,
        }),
    }
}

/// The `p`th percentile (0 to 100) of `samples` by the nearest-rank method:
/// the smallest sample that at least `p`% of all samples are at or below.
/// `None` when there are no samples.
pub fn percentile(samples: &[f64], p: f64) -> Option<f64> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    // The rank is between 1 and n, which fits in f64 and back exactly.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<f64> = (1..=100).rev().map(f64::from).collect();
        assert_eq!(percentile(&samples, 50.0), Some(50.0));
        assert_eq!(percentile(&samples, 99.0), Some(99.0));
        assert_eq!(percentile(&samples, 100.0), Some(100.0));
        assert_eq!(percentile(&samples, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.0], 99.0), Some(7.0));
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50.0), Some(2.0));
        assert_eq!(percentile(&[], 50.0), None);
        // With 200 samples, p99 is the 198th smallest: two outliers are
        // above it, three would not be.
        let mut tail: Vec<f64> = vec![1.0; 197];
        tail.extend([50.0, 60.0, 70.0]);
        assert_eq!(percentile(&tail, 99.0), Some(50.0));
    }

    #[test]
    fn rates() {
        let t = Throughput {
            count: 300,
            elapsed: Duration::from_millis(1500),
        };
        assert!((t.per_second() - 200.0).abs() < 1e-9);
        let none = Throughput {
            count: 0,
            elapsed: Duration::ZERO,
        };
        assert!(none.per_second().abs() < f64::EPSILON);
    }
}
