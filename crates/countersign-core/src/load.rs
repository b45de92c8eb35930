//! The pure part of the seed's `LoginSession.load`: pick the sessions that
//! match a uid, or a short uid and a status, from what a store returned, and
//! narrow them to a scope and permissions inside what was granted.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::api::ErrorCode;
use crate::fields::TokenSet;
use crate::session::LoginSession;
use crate::short_uid::ShortUid;
use crate::status::Status;

/// Why `load` found nothing to return.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// No session matches.
    #[error("no such login session")]
    NotFound,
    /// A session matches, but the scope or permissions asked for are wider
    /// than those it was granted.
    #[error("the scope or permissions asked for were not granted to this session")]
    NotGranted,
    /// Several sessions match a short uid where one was needed.
    #[error("the short id matches {0} sessions")]
    Ambiguous(usize),
}

impl LoadError {
    /// The code the service answers this error with.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::NotFound => ErrorCode::NotFound,
            Self::NotGranted => ErrorCode::NotGranted,
            Self::Ambiguous(_) => ErrorCode::Ambiguous,
        }
    }
}

/// A scope and permissions to narrow a loaded session to. `None` leaves that
/// part as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// The scope wanted: must lie inside the granted scope.
    pub scope: Option<TokenSet>,
    /// The permissions wanted: must lie inside the granted permissions.
    pub permissions: Option<TokenSet>,
}

/// One or more sessions that share a short uid: never empty. The seed returned
/// "a session or a list"; this is always a list, with the one-session case
/// asked for explicitly by [`Matches::into_single`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matches {
    first: LoginSession,
    rest: Vec<LoginSession>,
}

impl Matches {
    /// How many sessions match (at least one).
    pub fn len(&self) -> usize {
        1 + self.rest.len()
    }

    /// Always false: there is at least one match.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The matching sessions.
    pub fn iter(&self) -> impl Iterator<Item = &LoginSession> {
        std::iter::once(&self.first).chain(&self.rest)
    }

    /// The matching sessions, as a list.
    pub fn into_vec(self) -> Vec<LoginSession> {
        let mut all = vec![self.first];
        all.extend(self.rest);
        all
    }

    /// The one matching session, or [`LoadError::Ambiguous`].
    pub fn into_single(self) -> Result<LoginSession, LoadError> {
        if self.rest.is_empty() {
            Ok(self.first)
        } else {
            Err(LoadError::Ambiguous(self.len()))
        }
    }
}

impl Narrowing {
    /// The session with its scope and permissions replaced by the narrower
    /// ones asked for, or `NotGranted`.
    pub fn apply(&self, mut session: LoginSession) -> Result<LoginSession, LoadError> {
        if let Some(scope) = &self.scope {
            if !scope.is_within(&session.granted_scope()) {
                return Err(LoadError::NotGranted);
            }
            session.scope = scope.clone();
        }
        if let Some(permissions) = &self.permissions {
            if !permissions.is_within(&session.granted_permissions()) {
                return Err(LoadError::NotGranted);
            }
            session.permissions = permissions.clone();
        }
        Ok(session)
    }
}

/// Loads the session with this uid, narrowed.
pub fn load_by_uid(
    candidates: impl IntoIterator<Item = LoginSession>,
    uid: Uuid,
    narrowing: &Narrowing,
) -> Result<LoginSession, LoadError> {
    let session = candidates
        .into_iter()
        .find(|s| s.uid == uid)
        .ok_or(LoadError::NotFound)?;
    narrowing.apply(session)
}

/// Loads the sessions with this short uid whose status at `now` is `status`,
/// each narrowed. Sessions whose grants do not cover the narrowing are left
/// out; if that leaves none, the answer is `NotGranted`.
pub fn load_by_short_uid(
    candidates: impl IntoIterator<Item = LoginSession>,
    short_uid: ShortUid,
    status: Status,
    now: DateTime<Utc>,
    narrowing: &Narrowing,
) -> Result<Matches, LoadError> {
    let matched: Vec<LoginSession> = candidates
        .into_iter()
        .filter(|s| short_uid.matches(&s.uid) && s.status_at(now) == status)
        .collect();
    if matched.is_empty() {
        return Err(LoadError::NotFound);
    }
    let mut kept = matched.into_iter().filter_map(|s| narrowing.apply(s).ok());
    let first = kept.next().ok_or(LoadError::NotGranted)?;
    Ok(Matches {
        first,
        rest: kept.collect(),
    })
}
