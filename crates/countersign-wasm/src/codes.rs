//! Every `code` a `CountersignError` can have, in one place: the service's
//! and the core's codes are `countersign_core::api::ErrorCode` (its `ALL`,
//! and `unrecognised` for a code from a newer service); the package adds
//! only [`PackageCode`], for what happens in the package or in the browser
//! under it and never comes from the service. TypeScript sees all of them as
//! one string-literal union, `ErrorCode` ([`ERROR_CODE_TYPE`]), made from
//! those lists when the crate is compiled.

use countersign_core::api::ErrorCode;
use wasm_bindgen::prelude::*;

/// Writes [`PackageCode`], its `ALL` and `as_str` from one table.
macro_rules! package_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal; )*) => {
        /// A failure of the package itself (or of the browser under it),
        /// which the service never answers; and the ends of a wait that
        /// are not the service's codes already (`denied`, `cancelled`; an
        /// expired, suspicious or logged-out session has the service's
        /// code of that name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum PackageCode {
            $( $(#[$doc])* $variant, )*
        }

        impl PackageCode {
            /// Every one of the package's own codes.
            pub const ALL: &[PackageCode] = &[$(PackageCode::$variant),*];

            /// The code as JavaScript sees it.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(PackageCode::$variant => $text,)*
                }
            }
        }
    };
}

package_codes! {
    /// The approver denied the login.
    Denied = "denied";
    /// The app stopped waiting (`stopWaiting`) or cancelled the request
    /// (`cancel`).
    Cancelled = "cancelled";
    /// An argument or option has the wrong shape, or is missing.
    BadArgument = "bad_argument";
    /// A number is not a time in milliseconds since the epoch.
    BadTime = "bad_time";
    /// A text is not an enrollment link (`SERVICE/enroll?token=...`).
    NotEnrollmentLink = "not_enrollment_link";
    /// A text is not a login URL (`SERVICE/s?id=xx.xx.xx.xx`).
    NotLoginUrl = "not_login_url";
    /// Several kept device keys could sign and none was named.
    DeviceRequired = "device_required";
    /// No secure random source.
    NoRandom = "no_random";
    /// The service's answer could not be read, or is not the one asked for.
    BadAnswer = "bad_answer";
    /// The service could not be reached.
    Network = "network";
    /// The browser lacks something needed (IndexedDB, WebCrypto): device
    /// keys in Node fail so.
    Unsupported = "unsupported";
    /// The key store failed.
    Storage = "storage";
    /// This browser holds no key for that device.
    NoSuchDevice = "no_such_device";
    /// A request could not be built.
    Invalid = "invalid";
    /// A `SessionWatch` has not heard from the service for too long, so a
    /// logout may have been missed: every token is refused until it does.
    OutOfTouch = "out_of_touch";
}

/// The declarations' `ErrorCode` union, which types `CountersignError.code`.
#[wasm_bindgen(typescript_custom_section)]
const DECLARED: &str = ERROR_CODE_TYPE;

/// The TypeScript union of every code, for `CountersignError.code`: made
/// when the crate is compiled from `ErrorCode::ALL`, `unrecognised` and
/// [`PackageCode::ALL`], in that order, one code a line, so that a code the
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
    let mut package = PackageCode::ALL;
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
