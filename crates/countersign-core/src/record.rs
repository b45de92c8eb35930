//! The JSON form of a session, with the seed's field names, and the checks
//! that make decoding untrusted JSON safe.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::ErrorCode;
use crate::encoding::PublicKey;
use crate::fields::{FieldError, MAX_MESSAGE_CHARS, TokenSet, check_hostname, check_text};
use crate::session::{DEFAULT_LOGIN_LIFETIME, LoginSession, MAX_LOGIN_LIFETIME, MAX_TTL};
use crate::short_uid::ShortUid;
use crate::status::{DenyReason, Status};
use crate::username::Username;

/// Why JSON is not a valid session.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The JSON is malformed or a field has the wrong type or form.
    #[error("invalid session JSON: {0}")]
    Json(String),
    /// A field is invalid.
    #[error(transparent)]
    Field(#[from] FieldError),
    /// The fields contradict each other.
    #[error("inconsistent session: {0}")]
    Inconsistent(&'static str),
}

impl DecodeError {
    /// The code for this error, as the service answers a body it cannot
    /// read: malformed JSON is [`ErrorCode::BadJson`], a bad or
    /// inconsistent field [`ErrorCode::BadField`]. (The service reads no
    /// session from a client; the clients that read one use these codes.)
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Json(_) => ErrorCode::BadJson,
            Self::Field(error) => error.code(),
            Self::Inconsistent(_) => ErrorCode::BadField,
        }
    }
}

/// The session as it is written in JSON. `short_uid`, `expires_at`,
/// `status_datetime`, `login_expires_at` and the `granted_*` sets are ours;
/// the rest are the seed's names. Unknown fields are ignored, so that a newer
/// service can add one without breaking every deployed client.
#[derive(Serialize, Deserialize)]
struct SessionRecord {
    uid: Uuid,
    #[serde(default)]
    short_uid: Option<ShortUid>,
    username: Username,
    #[serde(deserialize_with = "crate::wire_time::read")]
    request_datetime: DateTime<Utc>,
    #[serde(deserialize_with = "crate::wire_time::read")]
    expires_at: DateTime<Utc>,
    #[serde(deserialize_with = "crate::wire_time::read")]
    status_datetime: DateTime<Utc>,
    public_key: Option<PublicKey>,
    public_certificate: Option<PublicKey>,
    status: Status,
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    login_datetime: Option<DateTime<Utc>>,
    /// Optional when reading: rows written before logins had a lifetime get
    /// the default one from their `login_datetime`.
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    login_expires_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
    logout_datetime: Option<DateTime<Utc>>,
    ipaddr: IpAddr,
    hostname: Option<String>,
    login_message: Option<String>,
    scope: TokenSet,
    permissions: TokenSet,
    user_uid: Option<Uuid>,
    device_uid: Option<Uuid>,
    /// Why a denied session was denied, when the approver did not simply
    /// refuse it (`wrong_code`); null otherwise. Optional when reading:
    /// rows written before it existed have none.
    #[serde(default)]
    deny_reason: Option<DenyReason>,
    /// What the session grants, written so that a reader who looks only at
    /// these never grants a pending, suspicious or denied request anything.
    /// Computed from the status, so ignored when reading.
    #[serde(default, skip_deserializing)]
    granted_scope: TokenSet,
    /// As `granted_scope`, for the permissions.
    #[serde(default, skip_deserializing)]
    granted_permissions: TokenSet,
}

impl LoginSession {
    /// The session as JSON.
    pub fn to_json(&self) -> String {
        // Serializing this record cannot fail: every field is a string, a
        // number or null, and every map key is a string.
        serde_json::to_string(&SessionRecord::from(self)).unwrap_or_default()
    }

    /// The session as a JSON value, to embed in a larger document.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::to_value(SessionRecord::from(self)).unwrap_or_default()
    }

    /// Reads a session from JSON, refusing anything malformed or inconsistent.
    pub fn from_json(json: &str) -> Result<Self, DecodeError> {
        let record: SessionRecord =
            serde_json::from_str(json).map_err(|e| DecodeError::Json(e.to_string()))?;
        Self::try_from(record)
    }

    /// Reads a session from a JSON value.
    pub fn from_json_value(value: serde_json::Value) -> Result<Self, DecodeError> {
        let record: SessionRecord =
            serde_json::from_value(value).map_err(|e| DecodeError::Json(e.to_string()))?;
        Self::try_from(record)
    }

    /// Reads a session from any serde form, such as a JavaScript value in
    /// the browser (where the wasm leaves JSON text to JavaScript), with the
    /// same checks and errors as [`LoginSession::from_json`].
    pub fn decode<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Self, DecodeError> {
        let record = SessionRecord::deserialize(d).map_err(|e| DecodeError::Json(e.to_string()))?;
        Self::try_from(record)
    }
}

impl Serialize for LoginSession {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        SessionRecord::from(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for LoginSession {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let record = SessionRecord::deserialize(d)?;
        Self::try_from(record).map_err(serde::de::Error::custom)
    }
}

impl From<&LoginSession> for SessionRecord {
    fn from(s: &LoginSession) -> Self {
        Self {
            uid: s.uid,
            short_uid: Some(s.short_uid()),
            username: s.username.clone(),
            request_datetime: s.request_datetime,
            expires_at: s.expires_at,
            status_datetime: s.status_datetime,
            public_key: s.public_key,
            public_certificate: s.public_cert,
            status: s.status,
            login_datetime: s.login_datetime,
            login_expires_at: s.login_expires_at,
            logout_datetime: s.logout_datetime,
            ipaddr: s.ipaddr,
            hostname: s.hostname.clone(),
            login_message: s.login_message.clone(),
            scope: s.scope.clone(),
            permissions: s.permissions.clone(),
            user_uid: s.user_uid,
            device_uid: s.device_uid,
            deny_reason: s.deny_reason,
            granted_scope: s.granted_scope(),
            granted_permissions: s.granted_permissions(),
        }
    }
}

impl TryFrom<SessionRecord> for LoginSession {
    type Error = DecodeError;

    fn try_from(r: SessionRecord) -> Result<Self, Self::Error> {
        use DecodeError::Inconsistent;
        if r.short_uid.is_some_and(|short| !short.matches(&r.uid)) {
            return Err(Inconsistent("short_uid is not that of uid"));
        }
        if let Some(hostname) = &r.hostname {
            check_hostname(hostname)?;
        }
        if let Some(message) = &r.login_message {
            check_text("login message", message, MAX_MESSAGE_CHARS)?;
        }
        if r.expires_at <= r.request_datetime || r.expires_at - r.request_datetime > MAX_TTL {
            return Err(Inconsistent("expires_at is out of bounds"));
        }
        if r.status_datetime < r.request_datetime {
            return Err(Inconsistent("status_datetime is before request_datetime"));
        }
        let cleared = matches!(r.status, Status::Denied | Status::LoggedOut);
        let keys_held = r.public_key.is_some() && r.public_certificate.is_some();
        let keys_gone = r.public_key.is_none() && r.public_certificate.is_none();
        if (cleared && !keys_gone) || (!cleared && !keys_held) {
            return Err(Inconsistent(
                "the keys must be held until the session is denied or logged out",
            ));
        }
        let approved_once = r.login_datetime.is_some();
        if approved_once != (r.user_uid.is_some() && r.device_uid.is_some()) {
            return Err(Inconsistent(
                "login_datetime, user_uid and device_uid go together",
            ));
        }
        if r.status == Status::Approved && !approved_once {
            return Err(Inconsistent("an approved session has a login_datetime"));
        }
        let login_expires_at = match (r.login_datetime, r.login_expires_at) {
            (None, None) => None,
            (None, Some(_)) => {
                return Err(Inconsistent("login_expires_at needs a login_datetime"));
            }
            (Some(login), None) => Some(
                login
                    .checked_add_signed(DEFAULT_LOGIN_LIFETIME)
                    .ok_or(Inconsistent("login_datetime is out of range"))?,
            ),
            (Some(login), Some(end)) => {
                if end <= login || end - login > MAX_LOGIN_LIFETIME {
                    return Err(Inconsistent("login_expires_at is out of bounds"));
                }
                Some(end)
            }
        };
        if (r.status == Status::LoggedOut) != r.logout_datetime.is_some() {
            return Err(Inconsistent(
                "logout_datetime is set exactly when logged out",
            ));
        }
        if r.deny_reason.is_some() && r.status != Status::Denied {
            return Err(Inconsistent("only a denied session has a deny_reason"));
        }
        Ok(Self {
            uid: r.uid,
            username: r.username,
            public_key: r.public_key,
            public_cert: r.public_certificate,
            ipaddr: r.ipaddr,
            hostname: r.hostname,
            login_message: r.login_message,
            scope: r.scope,
            permissions: r.permissions,
            status: r.status,
            request_datetime: r.request_datetime,
            expires_at: r.expires_at,
            status_datetime: r.status_datetime,
            login_datetime: r.login_datetime,
            login_expires_at,
            logout_datetime: r.logout_datetime,
            user_uid: r.user_uid,
            device_uid: r.device_uid,
            deny_reason: r.deny_reason,
        })
    }
}
