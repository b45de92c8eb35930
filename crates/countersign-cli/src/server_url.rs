//! Where a service is: its base URL, read from what a person types or
//! pastes (a `--server` URL, a login URL, an enrollment link).

use std::fmt;

use countersign_core::{ShortUid, ShortUidError};
use serde::{Deserialize, Serialize};

/// Why a text does not name a service, a login or an enrollment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    /// Not an `http://` or `https://` base URL.
    #[error("{0:?} is not a service URL: expected http(s)://HOST[:PORT][/PATH]")]
    Server(String),
    /// Not a login URL.
    #[error("{0:?} is not a login URL: {1}")]
    LoginUrl(String, ShortUidError),
    /// Not an enrollment link.
    #[error("{0:?} is not an enrollment link: expected SERVER/enroll?token=TOKEN")]
    EnrollmentLink(String),
}

/// The base URL of a countersign service, `http(s)://host[:port][/path]`,
/// kept in one form (scheme and host in lower case, no trailing slash) so
/// that two spellings of one service compare equal.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServerUrl(String);

impl ServerUrl {
    /// Reads a base URL.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let bad = || UrlError::Server(text.chars().take(200).collect());
        let trimmed = text.trim();
        let (scheme, rest) = trimmed.split_once("://").ok_or_else(bad)?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(bad());
        }
        // A base URL names a place, not a request: no query or fragment. No
        // credentials either, which would end up in files and on screens.
        let odd = |c: char| c.is_whitespace() || c.is_control() || "?#@\\".contains(c);
        if rest.chars().any(odd) {
            return Err(bad());
        }
        let (authority, path) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
        if authority.is_empty() || authority.starts_with(':') {
            return Err(bad());
        }
        let path = path.trim_end_matches('/');
        Ok(Self(format!(
            "{scheme}://{}{path}",
            authority.to_ascii_lowercase()
        )))
    }

    /// The URL as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL of `path` (which starts with `/`) on this service.
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }
}

impl fmt::Display for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ServerUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerUrl({})", self.0)
    }
}

impl TryFrom<String> for ServerUrl {
    type Error = UrlError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ServerUrl> for String {
    fn from(url: ServerUrl) -> Self {
        url.0
    }
}

/// Splits `text` at its query: the part before `?`, and the query without
/// any fragment.
fn path_and_query(text: &str) -> Option<(&str, &str)> {
    let text = text.trim();
    let text = text.split('#').next().unwrap_or(text);
    text.split_once('?')
}

/// A login URL (`{server}/s?id=xx.xx.xx.xx`): the service that shows it and
/// the session's short id.
pub fn parse_login_url(text: &str) -> Result<(ServerUrl, ShortUid), UrlError> {
    let short = ShortUid::from_login_url(text)
        .map_err(|e| UrlError::LoginUrl(text.chars().take(200).collect(), e))?;
    let base = path_and_query(text)
        .and_then(|(path, _)| path.strip_suffix("/s"))
        .ok_or_else(|| {
            UrlError::LoginUrl(text.chars().take(200).collect(), ShortUidError::NotLoginUrl)
        })?;
    Ok((ServerUrl::parse(base)?, short))
}

/// An enrollment link (`{server}/enroll?token=TOKEN`, as `countersign-server
/// admin user add` prints it): the service and the one-time token.
pub fn parse_enrollment_link(text: &str) -> Result<(ServerUrl, String), UrlError> {
    let bad = || UrlError::EnrollmentLink(text.chars().take(200).collect());
    let (path, query) = path_and_query(text).ok_or_else(bad)?;
    let base = path.strip_suffix("/enroll").ok_or_else(bad)?;
    let token = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("token="))
        .ok_or_else(bad)?;
    // Tokens are URL-safe base64; anything else could change the API path
    // the token is put in.
    let url_safe = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    if token.is_empty() || !token.chars().all(url_safe) {
        return Err(bad());
    }
    Ok((ServerUrl::parse(base)?, token.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, expected: Option<&str>) {
        let got = ServerUrl::parse(text).ok();
        assert_eq!(got.as_ref().map(ServerUrl::as_str), expected, "{text:?}");
    }

    #[test]
    fn server_urls_are_kept_in_one_form() {
        check("http://127.0.0.1:8080", Some("http://127.0.0.1:8080"));
        check(" HTTPS://CS.Example/ ", Some("https://cs.example"));
        check(
            "https://cs.example/Prefix/",
            Some("https://cs.example/Prefix"),
        );
        check("cs.example", None);
        check("ftp://cs.example", None);
        check("https://", None);
        check("https://user:pw@cs.example", None);
        check("https://cs.example/?x=1", None);
        check("https://cs example", None);
    }

    #[test]
    fn login_urls_name_their_service_and_session() {
        let (server, short) = parse_login_url("http://127.0.0.1:9/s?id=AB.cd.ef.01").unwrap();
        assert_eq!(server.as_str(), "http://127.0.0.1:9");
        assert_eq!(short.to_string(), "ab.cd.ef.01");
        let (server, _) = parse_login_url("https://x.example/cs/s?id=abcdef01#top").unwrap();
        assert_eq!(server.as_str(), "https://x.example/cs");
        assert!(parse_login_url("https://x.example/t?id=abcdef01").is_err());
        assert!(parse_login_url("ab.cd.ef.01").is_err());
    }

    #[test]
    fn enrollment_links_name_their_service_and_token() {
        let (server, token) =
            parse_enrollment_link("http://127.0.0.1:9/enroll?token=Ab-_9").unwrap();
        assert_eq!(server.as_str(), "http://127.0.0.1:9");
        assert_eq!(token, "Ab-_9");
        assert!(parse_enrollment_link("http://h/enroll?token=").is_err());
        assert!(parse_enrollment_link("http://h/enroll?token=a/../b").is_err());
        assert!(parse_enrollment_link("http://h/join?token=abc").is_err());
    }
}
