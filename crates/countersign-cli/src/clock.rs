//! The one place this program reads the wall clock or the system's random
//! source; everything else is handed time and random bytes, as in the
//! domain crate and the service.

use chrono::{DateTime, Utc};

/// The wall-clock time now.
#[allow(clippy::disallowed_methods, reason = "the command line's one clock")]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// `N` random bytes from the operating system. Keys, device uids and
/// temporary file names are made from them; without them nothing safe can
/// be made, so the caller stops rather than fall back to weaker bytes.
#[allow(
    clippy::disallowed_methods,
    reason = "the command line's one random source"
)]
pub fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}
