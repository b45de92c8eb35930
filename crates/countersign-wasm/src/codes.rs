//! Every `code` a `CountersignError` can have, in one place: the service's
//! and the core's codes are `countersign_core::api::ErrorCode` (its `ALL`,
//! and `unrecognised` for a code from a newer service); the package adds
//! only [`PackageCode`], for what happens in the package or in the browser
//! under it and never comes from the service. TypeScript sees all of them as
//! one string-literal union, `ErrorCode` ([`ERROR_CODE_TYPE`]).

use wasm_bindgen::prelude::*;

/// Writes [`PackageCode`], its `ALL` and `as_str` from one table.
macro_rules! package_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal; )*) => {
        /// A failure of the package itself (or of the browser under it),
        /// which the service never answers. The ends of a wait other than
        /// an approval are here too.
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
    /// The approver reported the login as suspicious ("this wasn't me").
    Suspicious = "suspicious";
    /// The session was approved and logged out before the wait saw it.
    LoggedOut = "logged_out";
    /// The app stopped waiting (`stopWaiting`).
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
}

/// The declarations' `ErrorCode` union, which types `CountersignError.code`.
#[wasm_bindgen(typescript_custom_section)]
const DECLARED: &str = ERROR_CODE_TYPE;

/// The TypeScript union of every code, for `CountersignError.code`. It is
/// written out so that the declarations read plainly; a test holds it equal
/// to `ErrorCode::ALL`, `unrecognised` and [`PackageCode::ALL`].
pub const ERROR_CODE_TYPE: &str = r#"
/** Every `code` of a `CountersignError`: the service's and the core's
 * codes (as the service answers them), `unrecognised` for a code from a
 * newer service, then the package's own (the ends of a wait, and failures
 * in the package or the browser). */
export type ErrorCode =
  | 'bad_body' | 'bad_content_type' | 'bad_json' | 'bad_field' | 'bad_lifetime'
  | 'bad_query' | 'bad_short_uid' | 'bad_uid' | 'wrong_claim' | 'claims_differ'
  | 'bad_signature' | 'stale_statement' | 'future_statement' | 'wrong_session'
  | 'details_changed' | 'wrong_code' | 'not_about_a_session' | 'wrong_signer'
  | 'wrong_statement' | 'wrong_user' | 'unknown_device' | 'device_revoked'
  | 'not_granted' | 'not_found' | 'transition_refused' | 'session_closed'
  | 'conflict' | 'ambiguous' | 'already_revoked' | 'device_exists'
  | 'enrollment_used' | 'expired' | 'too_large' | 'rate_limited' | 'internal'
  | 'unrecognised'
  | 'denied' | 'suspicious' | 'logged_out' | 'cancelled' | 'bad_argument'
  | 'bad_time' | 'not_enrollment_link' | 'not_login_url' | 'device_required'
  | 'no_random' | 'bad_answer' | 'network' | 'unsupported' | 'storage'
  | 'no_such_device' | 'invalid';
"#;
