//! The targets printed next to the figures (printed, not asserted: a miss
//! is shown as MISS and the bench still succeeds).

/// Status reads per second, as a share of the bare axum ceiling.
pub const STATUS_SHARE_TARGET: f64 = 0.5;
/// The 99th percentile of the release latency, in milliseconds.
pub const RELEASE_P99_TARGET_MS: f64 = 10.0;
/// The server's resident memory with 10,000 requesters waiting, in MiB.
pub const WAITERS_RSS_TARGET_MB: f64 = 150.0;
/// Login requests per second on SQLite, on the bench's connections and on
/// 50 as the bare server's ceiling is measured.
pub const LOGIN_PER_S_TARGET: f64 = 6_000.0;
/// The 99th percentile of a login request's latency on 50 connections, in
/// milliseconds.
pub const LOGIN_P99_TARGET_MS: f64 = 20.0;
/// Approvals (approval page and signed approval) per second, on both
/// databases.
pub const APPROVALS_PER_S_TARGET: f64 = 3_000.0;
/// Offline verifications per second per core: 70 % of a 20,000/s Ed25519
/// limit per core (the target as set; the bench measures the limit too).
pub const VERIFY_OFFLINE_PER_CORE_TARGET: f64 = 0.7 * 20_000.0;
/// The 99th percentile of the time from a logout to the first refusal by a
/// watching verifier, in milliseconds.
pub const LOGOUT_REFUSAL_P99_TARGET_MS: f64 = 1_000.0;
/// Races in which more than one statement decided the session.
pub const RACE_DOUBLE_DECISIONS_TARGET: u64 = 0;
/// How soon after a race every instance must answer the stored status;
/// the target is every race.
pub const RACE_AGREEMENT_LIMIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A target a figure is printed next to.
#[derive(Debug, Clone, Copy)]
pub enum Goal {
    None,
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
}

impl Goal {
    /// Whether `value` meets the target; `None` when there is none.
    pub fn met(self, value: f64) -> Option<bool> {
        match self {
            Self::None => None,
            Self::AtLeast(t) => Some(value >= t),
            Self::Below(t) => Some(value < t),
            Self::AtMost(t) => Some(value <= t),
        }
    }
}
