//! The links people paste: an enrollment link ([`EnrollmentLink`]) and a
//! login link ([`LoginLink`]), each naming a service ([`ServiceUrl`]) and
//! what to open there; and the one error for every malformed URL.

use std::fmt;

use crate::api::ErrorCode;
use crate::short_uid::{ShortUid, ShortUidError};

use super::service_url::{ServiceUrl, checked_text};

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

/// A link split at its page: the service's base URL before `/PAGE` (a
/// trailing `/` after the page allowed), the query and the fragment.
struct PageLink<'a> {
    service: ServiceUrl,
    query: &'a str,
    fragment: &'a str,
}

impl<'a> PageLink<'a> {
    fn parse(text: &'a str, page: &str, not_it: LinkError) -> Result<Self, LinkError> {
        let text = checked_text(text)?;
        let (text, fragment) = text.split_once('#').unwrap_or((text, ""));
        let (path, query) = text.split_once('?').unwrap_or((text, ""));
        let path = path.strip_suffix('/').unwrap_or(path);
        let base = path
            .strip_suffix(page)
            .and_then(|base| base.strip_suffix('/'))
            .ok_or(not_it)?;
        Ok(Self {
            service: ServiceUrl::parse(base)?,
            query,
            fragment,
        })
    }
}

/// The value of `name` in `a=1&b=2` (parameters in any order), or `None`;
/// the same name twice with different values is refused.
fn param<'a>(pairs: &'a str, name: &'static str) -> Result<Option<&'a str>, LinkError> {
    let mut found = None;
    for pair in pairs.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != name {
            continue;
        }
        match found {
            Some(earlier) if earlier != value => return Err(LinkError::Repeated(name)),
            _ => found = Some(value),
        }
    }
    Ok(found)
}

/// A one-time enrollment link: the service and the token.
///
/// Read from `SERVICE/enroll#token=TOKEN`, the form the service writes
/// (browsers never send a fragment, so the token stays out of server and
/// proxy logs and `Referer` headers), and from the older
/// `SERVICE/enroll?token=TOKEN`. Other parameters are ignored.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentLink {
    service: ServiceUrl,
    token: String,
}

impl EnrollmentLink {
    /// The link for `token` on `service`; the token must be URL-safe base64
    /// (it is put in a URL's fragment).
    pub fn new(service: ServiceUrl, token: &str) -> Result<Self, LinkError> {
        let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
        if token.is_empty() || !token.chars().all(url_safe) {
            return Err(LinkError::BadToken);
        }
        Ok(Self {
            service,
            token: token.to_owned(),
        })
    }

    /// Reads a pasted link.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        let link = PageLink::parse(text, "enroll", LinkError::NotEnrollmentLink)?;
        let token = match (param(link.query, "token")?, param(link.fragment, "token")?) {
            (Some(q), Some(f)) if q != f => return Err(LinkError::Repeated("token")),
            (Some(token), _) | (None, Some(token)) => token,
            (None, None) => return Err(LinkError::NotEnrollmentLink),
        };
        Self::new(link.service, token)
    }

    /// The service.
    pub fn service(&self) -> &ServiceUrl {
        &self.service
    }

    /// The one-time token: a secret until it is used.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The link as text, `SERVICE/enroll#token=TOKEN`, as the service
    /// makes it.
    pub fn to_url(&self) -> String {
        self.service.join(&format!("/enroll#token={}", self.token))
    }
}

impl fmt::Debug for EnrollmentLink {
    /// The token is a secret: it is not printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrollmentLink")
            .field("service", &self.service)
            .field("token", &"..")
            .finish()
    }
}

/// A login link, `SERVICE/s?id=xx.xx.xx.xx`: the service that shows the
/// login and the session's short id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLink {
    /// The service.
    pub service: ServiceUrl,
    /// The session's short id.
    pub short_uid: ShortUid,
}

impl LoginLink {
    /// Reads a pasted login link; other parameters and a fragment are
    /// ignored.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        let link = PageLink::parse(text, "s", LinkError::NotLoginLink)?;
        let id = param(link.query, "id")?.ok_or(LinkError::NotLoginLink)?;
        Ok(Self {
            service: link.service,
            short_uid: ShortUid::parse(id)?,
        })
    }

    /// Reads a login link, or a bare short id taken to be on `service`.
    pub fn parse_or_id(text: &str, service: &ServiceUrl) -> Result<Self, LinkError> {
        if text.contains(['/', '?']) {
            Self::parse(text)
        } else {
            Ok(Self {
                service: service.clone(),
                short_uid: ShortUid::parse(text)?,
            })
        }
    }

    /// The link as text, as the service makes it.
    pub fn to_url(&self) -> String {
        self.short_uid.login_url(self.service.as_str())
    }
}
