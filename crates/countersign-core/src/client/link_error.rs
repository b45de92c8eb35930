//! The one error for every malformed URL or link a person gives
//! ([`LinkError`], with the service's code for it), and the checks every
//! such text passes first ([`checked_text`]: its length, its characters).
//! Below both `service_url.rs` and `links.rs`, which use them.

use crate::api::ErrorCode;
use crate::short_uid::ShortUidError;

/// The longest URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// Why a text is not a service URL, an enrollment link or a login link.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Nothing was given.
    #[error("no URL was given")]
    Empty,
    /// Longer than [`MAX_URL_LEN`].
    #[error("the URL is longer than {MAX_URL_LEN} characters")]
    TooLong,
    /// A blank, a control character or a `\` inside the URL.
    #[error("a URL may not hold blanks, control characters or '\\'")]
    BadCharacter,
    /// No `scheme://`.
    #[error("expected http:// or https:// before the host")]
    NoScheme,
    /// A scheme other than http or https.
    #[error("only http:// and https:// URLs are supported")]
    Scheme,
    /// A user name or password before the host.
    #[error("a service URL may not hold a user name or password (user@host)")]
    Credentials,
    /// A query or fragment in a service's base URL.
    #[error("a service URL may not have a query ('?') or a fragment ('#')")]
    QueryOrFragment,
    /// The host is empty or malformed.
    #[error(
        "the host must be a name (letters, digits, '-', '_', '.'), an IPv4 address, or an IPv6 address in brackets"
    )]
    BadHost,
    /// The port is not 1 to 65535.
    #[error("the port must be a number from 1 to 65535")]
    BadPort,
    /// A `.` or `..` segment in the path.
    #[error("the path may not hold '.' or '..' segments")]
    DotSegment,
    /// Not `SERVICE/enroll#token=TOKEN` (or `?token=TOKEN`).
    #[error("not an enrollment link: expected SERVICE/enroll#token=TOKEN")]
    NotEnrollmentLink,
    /// The token is empty or not URL-safe base64.
    #[error("the enrollment token must be URL-safe base64 (letters, digits, '-' and '_')")]
    BadToken,
    /// Not `SERVICE/s?id=xx.xx.xx.xx`.
    #[error("not a login link: expected SERVICE/s?id=xx.xx.xx.xx")]
    NotLoginLink,
    /// The same parameter given twice with different values.
    #[error("the link gives {0} twice, with different values")]
    Repeated(&'static str),
    /// The login link's id is not a short id.
    #[error(transparent)]
    ShortUid(#[from] ShortUidError),
}

impl LinkError {
    /// The service's code for the same mistake: a link is a field a person
    /// filled in, so [`ErrorCode::BadField`], or
    /// [`ErrorCode::BadShortUid`] for a bad short id. Clients that need a
    /// finer code of their own (the npm package's `not_enrollment_link`)
    /// match the variants.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::ShortUid(error) => error.code(),
            Self::Empty
            | Self::TooLong
            | Self::BadCharacter
            | Self::NoScheme
            | Self::Scheme
            | Self::Credentials
            | Self::QueryOrFragment
            | Self::BadHost
            | Self::BadPort
            | Self::DotSegment
            | Self::NotEnrollmentLink
            | Self::BadToken
            | Self::NotLoginLink
            | Self::Repeated(_) => ErrorCode::BadField,
        }
    }
}

/// Trims `text` and refuses what no URL here may hold.
pub(super) fn checked_text(text: &str) -> Result<&str, LinkError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(LinkError::Empty);
    }
    if text.len() > MAX_URL_LEN {
        return Err(LinkError::TooLong);
    }
    if text
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || c == '\\')
    {
        return Err(LinkError::BadCharacter);
    }
    Ok(text)
}
