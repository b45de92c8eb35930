//! The one place the service reads the clock and the system's random source.
//! Everything else takes time and randomness as arguments.

use chrono::{DateTime, Utc};

/// The wall-clock time now.
#[allow(clippy::disallowed_methods, reason = "the service's one wall clock")]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A monotonic instant, for rate limits.
#[allow(
    clippy::disallowed_methods,
    reason = "the service's one monotonic clock"
)]
pub fn instant() -> std::time::Instant {
    std::time::Instant::now()
}

/// The async runtime's monotonic instant, for the deadlines of long polls:
/// tokio's own, so that `sleep_until` and the deadline agree.
#[allow(
    clippy::disallowed_methods,
    reason = "the runtime's one monotonic clock"
)]
pub fn runtime_instant() -> tokio::time::Instant {
    tokio::time::Instant::now()
}

/// Random bytes from the operating system. Without them the service cannot
/// make ids or tokens, so it refuses to go on rather than make weak ones.
#[allow(clippy::disallowed_methods, reason = "the service's one random source")]
pub fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}
