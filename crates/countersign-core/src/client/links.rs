//! Where a service is and what its links name, read from what people type
//! or paste: a service's base URL ([`ServiceUrl`]), an enrollment link
//! ([`EnrollmentLink`]) and a login link ([`LoginLink`]). One normal form,
//! so that two spellings of one service compare equal: device keys are
//! kept per service and found again by that text.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;
use crate::short_uid::{ShortUid, ShortUidError};

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
    /// Not `SERVICE/enroll?token=TOKEN` (or `#token=TOKEN`).
    #[error("not an enrollment link: expected SERVICE/enroll?token=TOKEN")]
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

/// The base URL of a countersign service, `http(s)://host[:port][/path]`,
/// in one normal form: trimmed, scheme and host in lower case, an IPv6
/// host in its canonical form, the default port (`:80` for http, `:443`
/// for https) dropped, no trailing `/`, the path kept as typed.
///
/// Refused: other schemes, a user name or password, a query or fragment,
/// blanks, control characters, `\`, `.` and `..` path segments, and hosts
/// other than ASCII names and IP addresses (write an international name in
/// its `xn--` form, as browsers show origins).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceUrl(String);

impl ServiceUrl {
    /// Reads a base URL as typed or pasted.
    pub fn parse(text: &str) -> Result<Self, LinkError> {
        let text = checked_text(text)?;
        let (scheme, rest) = text.split_once("://").ok_or(LinkError::NoScheme)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" => 80,
            "https" => 443,
            _ => return Err(LinkError::Scheme),
        };
        if rest.contains(['?', '#']) {
            return Err(LinkError::QueryOrFragment);
        }
        let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        if authority.contains('@') {
            return Err(LinkError::Credentials);
        }
        let (host, port) = host_and_port(authority)?;
        let port = match port {
            Some(port) if port != default_port => format!(":{port}"),
            _ => String::new(),
        };
        let path = path.trim_end_matches('/');
        if path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
        {
            return Err(LinkError::DotSegment);
        }
        Ok(Self(format!("{scheme}://{host}{port}{path}")))
    }

    /// The URL in its normal form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `scheme://host[:port]`, without the path: what a browser calls the
    /// origin.
    pub fn origin(&self) -> &str {
        let after_scheme = self.0.find("://").map_or(0, |at| at + 3);
        let end = self
            .0
            .get(after_scheme..)
            .and_then(|rest| rest.find('/'))
            .map_or(self.0.len(), |at| after_scheme + at);
        self.0.get(..end).unwrap_or(&self.0)
    }

    /// The host: a lower-case name, an IPv4 address, or an IPv6 address in
    /// brackets.
    pub fn host(&self) -> &str {
        let origin = self.origin();
        let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
        match authority.rfind([':', ']']) {
            Some(at) if authority.as_bytes().get(at) == Some(&b':') => {
                authority.get(..at).unwrap_or(authority)
            }
            _ => authority,
        }
    }

    /// The URL of `path` on this service: `join("/api/sessions")`. A
    /// missing leading `/` is added.
    pub fn join(&self, path: &str) -> String {
        if path.starts_with('/') {
            format!("{}{path}", self.0)
        } else {
            format!("{}/{path}", self.0)
        }
    }

    /// Whether the scheme is https.
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// Whether the host is this machine: `localhost`, an address in
    /// 127.0.0.0/8, or `[::1]`. Plain http is safe only there.
    pub fn is_loopback(&self) -> bool {
        let host = self.host();
        if host == "localhost" {
            return true;
        }
        if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            return v6.parse::<Ipv6Addr>().is_ok_and(|a| a.is_loopback());
        }
        host.parse::<Ipv4Addr>().is_ok_and(|a| a.is_loopback())
    }
}

/// Trims `text` and refuses what no URL here may hold.
fn checked_text(text: &str) -> Result<&str, LinkError> {
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

/// The host in its normal form and the port, if one was written.
fn host_and_port(authority: &str) -> Result<(String, Option<u16>), LinkError> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']').ok_or(LinkError::BadHost)?;
        let address: Ipv6Addr = inside.parse().map_err(|_| LinkError::BadHost)?;
        let port = match after {
            "" => None,
            _ => Some(after.strip_prefix(':').ok_or(LinkError::BadHost)?),
        };
        (format!("[{address}]"), port)
    } else {
        let (name, port) = match authority.split_once(':') {
            Some((name, port)) => (name, Some(port)),
            None => (authority, None),
        };
        let name = name.to_ascii_lowercase();
        let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_');
        let labels_ok = name
            .split('.')
            .all(|label| !label.is_empty() && label.chars().all(allowed));
        if !labels_ok {
            return Err(LinkError::BadHost);
        }
        (name, port)
    };
    // `host:` with nothing after the colon means the default port, as in
    // browsers.
    let port = match port {
        None | Some("") => None,
        Some(digits) => {
            if !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(LinkError::BadPort);
            }
            let port: u16 = digits.parse().map_err(|_| LinkError::BadPort)?;
            if port == 0 {
                return Err(LinkError::BadPort);
            }
            Some(port)
        }
    };
    Ok((host, port))
}

impl fmt::Display for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServiceUrl({})", self.0)
    }
}

impl std::str::FromStr for ServiceUrl {
    type Err = LinkError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for ServiceUrl {
    type Error = LinkError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ServiceUrl> for String {
    fn from(url: ServiceUrl) -> Self {
        url.0
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
/// Read from `SERVICE/enroll?token=TOKEN`, as `countersign-server admin
/// user add` and invitations print it today, and from
/// `SERVICE/enroll#token=TOKEN`, the form that keeps the token out of
/// server logs and `Referer` headers. Other parameters are ignored.
#[derive(Clone, PartialEq, Eq)]
pub struct EnrollmentLink {
    service: ServiceUrl,
    token: String,
}

impl EnrollmentLink {
    /// The link for `token` on `service`; the token must be URL-safe base64
    /// (it is put in an API path).
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

    /// The link as text, `SERVICE/enroll?token=TOKEN`.
    pub fn to_url(&self) -> String {
        // The query form, as the service prints links today; the fragment
        // form (`#token=`) becomes the one written when the service and the
        // web app move to it.
        self.service.join(&format!("/enroll?token={}", self.token))
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
