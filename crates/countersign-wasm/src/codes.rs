//! Every `code` a `CountersignError` can have, in one place: the service's
//! and the core's codes are `countersign_core::api::ErrorCode` (its `ALL`,
//! and `unrecognised` for a code from a newer service); the package's own,
//! for what happens in the package or in the browser under it and never
//! comes from the service, are the part of core's one table of clients'
//! codes (`ClientCode`) that the package gives, [`PACKAGE_CODES`].
//! TypeScript sees all of them as one string-literal union, `ErrorCode`
//! ([`ERROR_CODE_TYPE`]), made from those lists when the crate is compiled.

use countersign_core::api::ErrorCode;
use countersign_core::client::ClientCode;
use wasm_bindgen::prelude::*;

/// The clients' codes this package gives, in the order the union lists
/// them: failures of the package itself (or of the browser under it),
/// which the service never answers, and the ends of a wait that are not
/// the service's codes already (`denied`, `cancelled`; an expired,
/// suspicious or logged-out session has the service's code of that name).
/// Every `CountersignError` the package makes has one of these or a
/// service code (a test holds it to that).
pub const PACKAGE_CODES: &[ClientCode] = &[
    ClientCode::Denied,
    ClientCode::Cancelled,
    ClientCode::BadArgument,
    ClientCode::BadTime,
    ClientCode::NotEnrollmentLink,
    ClientCode::NotLoginUrl,
    ClientCode::DeviceRequired,
    ClientCode::NoRandom,
    ClientCode::BadAnswer,
    ClientCode::Network,
    ClientCode::Unsupported,
    ClientCode::Storage,
    ClientCode::NoSuchDevice,
    ClientCode::Invalid,
    ClientCode::OutOfTouch,
];

/// The declarations' `ErrorCode` union, which types `CountersignError.code`.
#[wasm_bindgen(typescript_custom_section)]
const DECLARED: &str = ERROR_CODE_TYPE;

/// The TypeScript union of every code, for `CountersignError.code`: made
/// when the crate is compiled from `ErrorCode::ALL`, `unrecognised` and
/// [`PACKAGE_CODES`], in that order, one code a line, so that a code the
/// core adds is declared with no edit here. (A test reads it back.)
pub const ERROR_CODE_TYPE: &str = match core::str::from_utf8(&UNION_BYTES) {
    Ok(text) => text,
    // Unreachable: only whole `&str`s are copied in. The test of the union
    // would fail on an empty one.
    Err(_) => "",
};

const UNION_HEAD: &str = "
/** Every `code` of a `CountersignError`: the service's and the core's
 * codes (as the service answers them), `unrecognised` for a code from a
 * newer service, then the package's own (failures in the package or the
 * browser, and the ends of a wait that are not the service's codes). */
export type ErrorCode =";
const UNION_TAIL: &str = ";\n";

const UNION_LEN: usize = write_union(&mut []);

const UNION_BYTES: [u8; UNION_LEN] = {
    let mut bytes = [0; UNION_LEN];
    write_union(&mut bytes);
    bytes
};

/// The `n`th code of the union, if there are that many.
const fn nth_code(mut n: usize) -> Option<&'static str> {
    let mut service = ErrorCode::ALL;
    while let [code, rest @ ..] = service {
        if n == 0 {
            return Some(code.as_str());
        }
        n -= 1;
        service = rest;
    }
    if n == 0 {
        return Some(ErrorCode::Unrecognised.as_str());
    }
    n -= 1;
    let mut package = PACKAGE_CODES;
    while let [code, rest @ ..] = package {
        if n == 0 {
            return Some(code.as_str());
        }
        n -= 1;
        package = rest;
    }
    None
}

/// Writes the union into `out` as far as it fits, and answers its length.
const fn write_union(out: &mut [u8]) -> usize {
    let (mut out, mut len) = put(out, 0, UNION_HEAD);
    let mut n = 0;
    while let Some(code) = nth_code(n) {
        (out, len) = put(out, len, "\n  | '");
        (out, len) = put(out, len, code);
        (out, len) = put(out, len, "'");
        n += 1;
    }
    put(out, len, UNION_TAIL).1
}

/// Copies `text` to the start of `out` as far as it fits; answers the rest
/// of `out` and `len` plus the length of `text`.
const fn put<'a>(mut out: &'a mut [u8], len: usize, text: &str) -> (&'a mut [u8], usize) {
    let mut bytes = text.as_bytes();
    while let [byte, rest @ ..] = bytes {
        out = match out {
            [slot, tail @ ..] => {
                *slot = *byte;
                tail
            }
            // Full: the rest is only counted.
            [] => &mut [],
        };
        bytes = rest;
    }
    (out, len + text.len())
}
