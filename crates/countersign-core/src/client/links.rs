//! The links people paste: an enrollment link ([`EnrollmentLink`]) and a
//! login link ([`LoginLink`]), each naming a service ([`ServiceUrl`]) and
//! what to open there.

use std::fmt;

use super::link_error::{LinkError, checked_text};
use super::service_url::ServiceUrl;
use crate::short_uid::ShortUid;

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
