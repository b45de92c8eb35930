//! `ServiceUrl`: where a service is, read from what people type or paste,
//! in one normal form so that two spellings of one service compare equal
//! (device keys are kept per service and found again by that text).

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};

use super::link_error::{LinkError, checked_text};

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

    /// The URL of `path` on this service: `join(paths::SESSIONS)`. A
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
