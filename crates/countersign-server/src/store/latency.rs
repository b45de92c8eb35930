//! How long the store's operations take, by kind, for `/metrics`: each
//! operation the service uses takes a [`Timer`] as it starts, which
//! records the time it took, failures included, when it is dropped.
//!
//! Measured on the system's monotonic clock, never on the service's
//! [`Clock`](crate::clock::Clock) in the state: a latency is real time
//! spent, which a test's manual clock does not see pass.

use std::time::Instant;

use super::histogram::Histogram;
use crate::clock::Clock;

use super::Store;

/// A kind of store operation, as `/metrics` labels it (`op`). Kinds, not
/// single queries, so that the histograms stay few.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreOp {
    /// The health check's `SELECT 1`.
    Ping,
    /// A new session stored (with its audit row).
    SessionInsert,
    /// Sessions read by uid or short uid.
    SessionRead,
    /// A session's compare-and-set (with its audit row and announcement).
    SessionWrite,
    /// Lists of sessions: a user's, the run-out ones, a session's audit.
    SessionList,
    /// Users, devices, enrollment links and whether a user is disabled,
    /// read.
    AccountRead,
    /// Users, devices and enrollment links written, revocations with their
    /// logouts, account statements recorded as used.
    AccountWrite,
    /// A single-use authorisation's nonce recorded.
    Nonce,
    /// The sweeper's deletions: stale nonces and used statements, and what
    /// is older than the retention window.
    Sweep,
    /// Sessions counted by status, for `/metrics` itself.
    StatusCount,
}

impl StoreOp {
    /// Every kind, in the order of [`Latency`]'s table.
    pub const ALL: [Self; 10] = [
        Self::Ping,
        Self::SessionInsert,
        Self::SessionRead,
        Self::SessionWrite,
        Self::SessionList,
        Self::AccountRead,
        Self::AccountWrite,
        Self::Nonce,
        Self::Sweep,
        Self::StatusCount,
    ];

    /// The kind's label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ping => "ping",
            Self::SessionInsert => "session_insert",
            Self::SessionRead => "session_read",
            Self::SessionWrite => "session_write",
            Self::SessionList => "session_list",
            Self::AccountRead => "account_read",
            Self::AccountWrite => "account_write",
            Self::Nonce => "nonce",
            Self::Sweep => "sweep",
            Self::StatusCount => "status_count",
        }
    }
}

/// A histogram of durations per kind of operation.
#[derive(Debug, Default)]
pub struct Latency([Histogram; StoreOp::ALL.len()]);

impl Latency {
    /// The histogram of one kind.
    pub fn of(&self, op: StoreOp) -> Option<&Histogram> {
        // `ALL` lists the kinds in declaration order.
        self.0.get(op as usize)
    }
}

/// An operation under way; records its duration when dropped.
pub struct Timer<'a> {
    histogram: Option<&'a Histogram>,
    start: Instant,
}

impl Drop for Timer<'_> {
    fn drop(&mut self) {
        if let Some(histogram) = self.histogram {
            let took = Clock::system()
                .instant()
                .saturating_duration_since(self.start);
            histogram.observe(took);
        }
    }
}

impl Store {
    /// Starts timing an operation of kind `op`; hold the timer until the
    /// operation is over.
    pub(crate) fn timed(&self, op: StoreOp) -> Timer<'_> {
        Timer {
            histogram: self.latency.of(op),
            start: Clock::system().instant(),
        }
    }

    /// How long the operations of this store (and its clones) took.
    pub fn latency(&self) -> &Latency {
        &self.latency
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_own_histogram() {
        let latency = Latency::default();
        for (i, op) in StoreOp::ALL.into_iter().enumerate() {
            assert_eq!(op as usize, i, "{op:?} is out of order in ALL");
            latency.of(op).unwrap().observe(std::time::Duration::ZERO);
            assert_eq!(latency.of(op).unwrap().snapshot().count, 1);
        }
    }
}
