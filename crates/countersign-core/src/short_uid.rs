//! Short uids (`xx.xx.xx.xx`), the human-readable session ids, and login URLs.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;
use uuid::Uuid;

/// Why a text is not a short uid or a login URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShortUidError {
    /// Nothing was given.
    #[error("short id is empty")]
    Empty,
    /// The text is not four pairs of hex digits.
    #[error("short id must be 8 hex digits, as xx.xx.xx.xx, xx-xx-xx-xx or xxxxxxxx")]
    Malformed,
    /// The URL is not a login URL.
    #[error("not a login URL: expected .../s?id=xx.xx.xx.xx")]
    NotLoginUrl,
}

impl ShortUidError {
    /// The code the service answers this error with. The service reads bare
    /// short ids only, so a text that is not a login URL is a bad short id
    /// to it too.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty | Self::Malformed | Self::NotLoginUrl => ErrorCode::BadShortUid,
        }
    }
}

/// The first 8 hex digits of a session uid, shown as `xx.xx.xx.xx`.
///
/// The service keeps it unique among live sessions by drawing a new uid when
/// two would clash, so a person can type it instead of the full uid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ShortUid([u8; 4]);

impl ShortUid {
    /// The short uid of a session uid.
    pub fn of(uid: &Uuid) -> Self {
        let b = uid.as_bytes();
        Self([b[0], b[1], b[2], b[3]])
    }

    /// The four bytes.
    pub fn to_bytes(self) -> [u8; 4] {
        self.0
    }

    /// Whether `uid` has this short uid.
    pub fn matches(self, uid: &Uuid) -> bool {
        Self::of(uid) == self
    }

    /// Reads a short uid written dotted, dashed or plain, in any case, with
    /// blanks around it.
    pub fn parse(text: &str) -> Result<Self, ShortUidError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(ShortUidError::Empty);
        }
        let digits: String = if text.len() == 8 {
            text.to_owned()
        } else {
            let separator = match text.as_bytes().get(2) {
                Some(b'.') => '.',
                Some(b'-') => '-',
                _ => return Err(ShortUidError::Malformed),
            };
            let groups: Vec<&str> = text.split(separator).collect();
            if groups.len() != 4 || groups.iter().any(|g| g.len() != 2) {
                return Err(ShortUidError::Malformed);
            }
            groups.concat()
        };
        let mut bytes = [0u8; 4];
        for (byte, pair) in bytes.iter_mut().zip(digits.as_bytes().chunks(2)) {
            let pair = std::str::from_utf8(pair).map_err(|_| ShortUidError::Malformed)?;
            // from_str_radix accepts a leading '+', which is not a hex digit.
            if !pair.bytes().all(|c| c.is_ascii_hexdigit()) {
                return Err(ShortUidError::Malformed);
            }
            *byte = u8::from_str_radix(pair, 16).map_err(|_| ShortUidError::Malformed)?;
        }
        Ok(Self(bytes))
    }

    /// The seed's `login_url`: the URL that opens this session in the web app,
    /// `{base}/s?id=xx.xx.xx.xx`.
    pub fn login_url(self, base: &str) -> String {
        format!("{}/s?id={self}", base.trim_end_matches('/'))
    }

    /// Reads the short uid back out of a login URL.
    pub fn from_login_url(url: &str) -> Result<Self, ShortUidError> {
        let url = url.trim();
        let url = url.split('#').next().unwrap_or(url);
        let (path, query) = url.split_once('?').ok_or(ShortUidError::NotLoginUrl)?;
        if !path.ends_with("/s") {
            return Err(ShortUidError::NotLoginUrl);
        }
        let id = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("id="))
            .ok_or(ShortUidError::NotLoginUrl)?;
        Self::parse(id)
    }

    /// Reads what a person pasted: a login URL or a bare short uid.
    pub fn from_url_or_id(text: &str) -> Result<Self, ShortUidError> {
        if text.contains('?') || text.contains('/') {
            Self::from_login_url(text)
        } else {
            Self::parse(text)
        }
    }
}

impl fmt::Display for ShortUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d] = self.0;
        write!(f, "{a:02x}.{b:02x}.{c:02x}.{d:02x}")
    }
}

impl fmt::Debug for ShortUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ShortUid({self})")
    }
}

impl FromStr for ShortUid {
    type Err = ShortUidError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl TryFrom<String> for ShortUid {
    type Error = ShortUidError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<ShortUid> for String {
    fn from(short: ShortUid) -> Self {
        short.to_string()
    }
}
