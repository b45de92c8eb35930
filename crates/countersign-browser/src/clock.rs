//! The browser's clock: the one place the browser glue (and the npm package
//! through it) reads `Date.now()`. Everything else takes the time as an
//! argument, so that it can be tested with any time.

use chrono::{DateTime, Utc};

/// The wall-clock time now, by the browser's clock, to the millisecond.
pub fn now() -> DateTime<Utc> {
    let ms = now_ms();
    // Date.now() is a whole number of milliseconds well inside i64.
    #[allow(clippy::cast_possible_truncation)]
    DateTime::from_timestamp_millis(ms as i64).unwrap_or_default()
}

/// Milliseconds since the epoch, by the browser's clock (`Date.now()`).
#[allow(clippy::disallowed_methods, reason = "the browser glue's one clock")]
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
