//! `ClientCode`: the codes clients give their own failures, the ones that
//! are not the service's refusals (the service could not be reached, its
//! answer could not be read, a file or an argument is wrong, a wait was
//! cancelled, ...), in one table for the command line, the browser glue and
//! the npm package. One table, so that one text means one thing in every
//! client, and none is ever one of the service's [`ErrorCode`]s: a script
//! or an app branches on a code without asking where it came from.
//!
//! Scripts and apps rely on these texts (the command line's `--json`
//! errors, the package's `CountersignError.code` and its TypeScript union):
//! never change one. Each client reports the codes of its own part of the
//! table; the package lists its part for its union.

use std::fmt;

use crate::api::ErrorCode;

/// Writes [`ClientCode`], its `ALL` and `as_str` from one table.
macro_rules! client_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal; )*) => {
        /// A client's code for a failure of its own, which the service never
        /// answers. Its text is [`ClientCode::as_str`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ClientCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ClientCode {
            /// Every client code, in the order of the table.
            pub const ALL: &[ClientCode] = &[$(ClientCode::$variant),*];

            /// The code as clients print it: `"network"`, ...
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(ClientCode::$variant => $text,)*
                }
            }
        }
    };
}

client_codes! {
    // Every client.

    /// The service could not be reached, or the connection broke.
    Network = "network";
    /// The service answered something the client cannot read, or not the
    /// answer asked for.
    BadAnswer = "bad_answer";
    /// The system gave no random bytes.
    NoRandom = "no_random";

    // The command line.

    /// A file or directory could not be used, or holds something invalid.
    File = "file";
    /// A URL, username, field or code on the command line is invalid.
    BadInput = "bad_input";
    /// Plain http to a service that is not on this machine, without
    /// `--insecure-http`.
    InsecureHttp = "insecure_http";
    /// No kept session, or not the one named.
    NoSuchSession = "no_such_session";
    /// The person did not confirm, or could not be asked.
    NotConfirmed = "not_confirmed";
    /// The device key is for another service or user.
    WrongKey = "wrong_key";
    /// A wait ended in a status it should not.
    UnexpectedStatus = "unexpected_status";
    /// An approved session could not be kept.
    NotKept = "not_kept";
    /// `login` was interrupted and could not cancel its request, which
    /// stays approvable until it expires.
    NotCancelled = "not_cancelled";

    // The browser glue and the npm package.

    /// The approver denied the login (an expired, suspicious or logged-out
    /// session has the service's code of that name).
    Denied = "denied";
    /// The app stopped waiting or cancelled the request, or the person
    /// cancelled a passkey's gesture or let it time out.
    Cancelled = "cancelled";
    /// An argument or option has the wrong shape, or is missing.
    BadArgument = "bad_argument";
    /// A number is not a time in milliseconds since the epoch.
    BadTime = "bad_time";
    /// A text is not an enrollment link (`SERVICE/enroll#token=...`).
    NotEnrollmentLink = "not_enrollment_link";
    /// A text is not a login URL (`SERVICE/s?id=xx.xx.xx.xx`).
    NotLoginUrl = "not_login_url";
    /// Several kept device keys could sign and none was named.
    DeviceRequired = "device_required";
    /// The browser lacks something needed (IndexedDB, WebCrypto): device
    /// keys in Node fail so.
    Unsupported = "unsupported";
    /// The key store failed.
    Storage = "storage";
    /// This browser holds no key for that device.
    NoSuchDevice = "no_such_device";
    /// A request could not be built.
    Invalid = "invalid";
    /// A session watch has not heard from the service for too long, so a
    /// logout may have been missed: every token is refused until it does.
    OutOfTouch = "out_of_touch";
}

impl fmt::Display for ClientCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code of a failure as a client reports it: the service's (for its
/// refusals, and for what a client refuses as the service would), or the
/// client's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// One of the service's codes.
    Service(ErrorCode),
    /// One of the client's own.
    Client(ClientCode),
}

impl Code {
    /// The code's text.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Service(code) => code.as_str(),
            Self::Client(code) => code.as_str(),
        }
    }
}

impl From<ErrorCode> for Code {
    fn from(code: ErrorCode) -> Self {
        Self::Service(code)
    }
}

impl From<ClientCode> for Code {
    fn from(code: ClientCode) -> Self {
        Self::Client(code)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
