//! Times as the pages write them: what chrono's `%Y-%m-%d %H:%M:%S UTC`
//! writes, for the years a session has and for the edges.

use chrono::{DateTime, NaiveDate, Utc};
use countersign_web::components::session_details::when;
use wasm_bindgen_test::wasm_bindgen_test as test;

fn at(year: i32, month: u32, day: u32, h: u32, m: u32, s: u32) -> DateTime<Utc> {
    NaiveDate::from_ymd_opt(year, month, day)
        .unwrap()
        .and_hms_milli_opt(h, m, s, 999)
        .unwrap()
        .and_utc()
}

#[test]
fn times_read_as_chrono_writes_them() {
    assert_eq!(when(at(2026, 12, 1, 8, 5, 9)), "2026-12-01 08:05:09 UTC");
    for t in [
        at(2026, 12, 1, 8, 5, 9),
        at(1970, 1, 1, 0, 0, 0),
        at(999, 3, 4, 23, 59, 59),
        at(0, 1, 1, 0, 0, 0),
        at(-44, 3, 15, 12, 0, 0),
        at(9999, 12, 31, 23, 59, 59),
        at(10_000, 1, 1, 0, 0, 0),
    ] {
        assert_eq!(when(t), t.format("%Y-%m-%d %H:%M:%S UTC").to_string());
    }
}
