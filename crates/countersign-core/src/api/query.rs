//! The query strings clients build and the service reads: the long poll's,
//! and the narrowing of a loaded session to a scope and permissions. Each is
//! a serde type (the service reads it with its query extractor) with a
//! `to_query` that writes it, percent-encoded, for clients.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::fields::{FieldError, TokenSet};
use crate::load::Narrowing;
use crate::short_uid::ShortUid;
use crate::status::Status;

/// How long a long poll asks the service to hold the request unless told
/// otherwise, in seconds. The service caps it with its own limit.
pub const DEFAULT_WAIT_S: u64 = 25;

/// `GET /api/sessions/{uid}/wait?status=..&timeout_s=..`: answer when the
/// session's status is no longer `status`, or after about `timeout_s`
/// seconds with it unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitQuery {
    /// The status the waiter last saw; the answer comes when it differs.
    #[serde(default = "pending")]
    pub status: Status,
    /// The longest to wait, in seconds (capped by the service).
    #[serde(default = "default_wait_s")]
    pub timeout_s: u64,
}

fn pending() -> Status {
    Status::Pending
}

fn default_wait_s() -> u64 {
    DEFAULT_WAIT_S
}

impl Default for WaitQuery {
    /// What the service assumes for a bare `/wait`: seen `pending`, wait
    /// [`DEFAULT_WAIT_S`].
    fn default() -> Self {
        Self {
            status: Status::Pending,
            timeout_s: DEFAULT_WAIT_S,
        }
    }
}

impl WaitQuery {
    /// `status=..&timeout_s=..`.
    pub fn to_query(&self) -> String {
        format!("status={}&timeout_s={}", self.status, self.timeout_s)
    }
}

/// A scope and permissions to narrow a loaded session to, as typed: tokens
/// separated by blanks or commas. `GET /api/sessions/{uid}?scope=..` takes
/// it alone; [`ShortUidQuery`] includes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NarrowingQuery {
    /// The scope wanted, if any.
    pub scope: Option<String>,
    /// The permissions wanted, if any.
    pub permissions: Option<String>,
}

impl NarrowingQuery {
    /// Reads the tokens: the service answers an error here with
    /// [`super::ErrorCode::BadQuery`].
    pub fn to_narrowing(&self) -> Result<Narrowing, FieldError> {
        let set = |field, text: &Option<String>| {
            text.as_deref()
                .map(|t| TokenSet::parse_list(field, t))
                .transpose()
        };
        Ok(Narrowing {
            scope: set("scope", &self.scope)?,
            permissions: set("permissions", &self.permissions)?,
        })
    }

    /// `scope=..&permissions=..` for the parts that are set, or `""`.
    pub fn to_query(&self) -> String {
        let mut query = String::new();
        for (name, value) in [("scope", &self.scope), ("permissions", &self.permissions)] {
            if let Some(value) = value {
                push_pair(&mut query, name, value);
            }
        }
        query
    }
}

impl From<&Narrowing> for NarrowingQuery {
    fn from(narrowing: &Narrowing) -> Self {
        Self {
            scope: narrowing.scope.as_ref().map(TokenSet::joined),
            permissions: narrowing.permissions.as_ref().map(TokenSet::joined),
        }
    }
}

/// `GET /api/sessions?short_uid=..&status=..[&scope=..][&permissions=..]`:
/// the seed's `load` by short uid and status, answered with a
/// [`super::SessionList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShortUidQuery {
    /// The short id as sent: the service checks it itself, so that a bad
    /// one is answered [`super::ErrorCode::BadShortUid`].
    pub short_uid: String,
    /// The status the sessions must have.
    pub status: Status,
    /// The narrowing, if any.
    #[serde(flatten)]
    pub narrowing: NarrowingQuery,
}

impl ShortUidQuery {
    /// The query for sessions with this short id and status, narrowed.
    pub fn new(short_uid: ShortUid, status: Status, narrowing: &Narrowing) -> Self {
        Self {
            short_uid: short_uid.to_string(),
            status,
            narrowing: narrowing.into(),
        }
    }

    /// `short_uid=..&status=..` and the narrowing's parts.
    pub fn to_query(&self) -> String {
        let mut query = String::new();
        push_pair(&mut query, "short_uid", &self.short_uid);
        push_pair(&mut query, "status", self.status.as_str());
        let narrowing = self.narrowing.to_query();
        if !narrowing.is_empty() {
            query.push('&');
            query.push_str(&narrowing);
        }
        query
    }
}

/// `path?query`, or `path` alone when the query is empty.
pub fn with_query(path: &str, query: &str) -> String {
    if query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{query}")
    }
}

fn push_pair(query: &mut String, name: &str, value: &str) {
    if !query.is_empty() {
        query.push('&');
    }
    query.push_str(name);
    query.push('=');
    query.push_str(&percent_encode(value));
}

/// Percent-encodes everything but the unreserved characters of RFC 3986,
/// so a token holding `&`, `=`, `+`, `#` or `%` arrives as typed.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            // Writing to a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}
