//! How the JSON bodies' times (RFC 3339 text) are read: natively by
//! chrono's serde form, as always; in the browser's wasm by chrono's strict
//! RFC 3339 parser.
//!
//! Chrono's serde form reads leniently (blanks between the parts, `UTC`
//! for the offset, an offset without its colon), through its general
//! format parser, which weighs about 15 KB in a wasm module. The strict
//! parser is a few hundred bytes, and the wasm holds it anyway for
//! authorisation tokens. Every time that a countersign program writes
//! (chrono's RFC 3339, `2026-01-02T03:04:05.678Z`) reads the same on both;
//! the wasm refuses only the lenient spellings. Chrono writes a year
//! outside 0 to 9999 with a sign and more digits, which the strict parser
//! does not read, so the wasm reads that form itself. Times are written by
//! chrono's serde form on every target.
//!
//! Used as `#[serde(deserialize_with = "crate::wire_time::read")]`, and
//! `read_opt` with `default` for an optional time.

use chrono::{DateTime, Utc};
use serde::Deserializer;

/// Reads a time.
pub(crate) fn read<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde::Deserialize::deserialize(d)
    }
    #[cfg(target_arch = "wasm32")]
    {
        d.deserialize_str(strict::TimeVisitor)
    }
}

/// Reads a time that may be `null` (or, with `default`, absent).
pub(crate) fn read_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        serde::Deserialize::deserialize(d)
    }
    #[cfg(target_arch = "wasm32")]
    {
        d.deserialize_option(strict::OptionVisitor)
    }
}

#[cfg(target_arch = "wasm32")]
mod strict {
    use std::fmt;

    use chrono::{DateTime, Datelike, Utc};
    use serde::Deserializer;
    use serde::de::{Error, Visitor};

    pub(super) struct TimeVisitor;

    impl Visitor<'_> for TimeVisitor {
        type Value = DateTime<Utc>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 time")
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<Self::Value, E> {
            match text.as_bytes().first() {
                Some(b'+' | b'-') => extended(text)
                    .ok_or_else(|| E::custom(format!("not an RFC 3339 time: {text:?}"))),
                _ => DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(E::custom),
            }
        }
    }

    /// A time whose year is outside 0 to 9999, which chrono writes with a
    /// sign and at least four digits (`+262142-12-31T23:59:59Z`) and the
    /// strict parser does not read: the rest is read with a leap year in
    /// its place (so that February 29 passes), then the year is set, which
    /// refuses a February 29 that the real year lacks.
    fn extended(text: &str) -> Option<DateTime<Utc>> {
        let digits = text.get(1..)?.find(|c: char| !c.is_ascii_digit())?;
        let (year, rest) = text.split_at(1 + digits);
        if digits < 4 {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        let at = DateTime::parse_from_rfc3339(&format!("2000{rest}")).ok()?;
        Some(at.with_year(year)?.with_timezone(&Utc))
    }

    pub(super) struct OptionVisitor;

    impl<'de> Visitor<'de> for OptionVisitor {
        type Value = Option<DateTime<Utc>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an RFC 3339 time or null")
        }

        fn visit_none<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_unit<E: Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            d.deserialize_str(TimeVisitor).map(Some)
        }
    }
}
