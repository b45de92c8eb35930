//! The one place the bench reads the clocks and the system's random source.

use chrono::{DateTime, Utc};

/// The wall-clock time, for the time in signed statements: the service
/// refuses a statement more than minutes away from its own clock, so it
/// must be the real time.
#[allow(clippy::disallowed_methods, reason = "the bench's one wall clock")]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A monotonic instant, to time requests and stages.
#[allow(clippy::disallowed_methods, reason = "the bench's one monotonic clock")]
pub fn instant() -> std::time::Instant {
    std::time::Instant::now()
}

/// `N` random bytes from the operating system, for keys, ids and names.
#[allow(clippy::disallowed_methods, reason = "the bench's one random source")]
pub fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes: {e}"))?;
    Ok(bytes)
}
