//! The states of a login session and the one table of allowed transitions.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;

/// Where a login session stands.
///
/// ```text
/// pending    -> approved | denied | suspicious | expired | logged_out
/// approved   -> logged_out | suspicious | expired
/// suspicious -> logged_out
/// denied, expired, logged_out: final
/// ```
///
/// A pending session logged out is a request its requester cancelled. An
/// approved session expires at the end of its login lifetime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Asked for, waiting for the approver.
    Pending,
    /// Approved with a device key: the requester is logged in.
    Approved,
    /// Refused by the approver.
    Denied,
    /// Reported as "this wasn't me", or otherwise found suspect. A suspicious
    /// session is granted nothing.
    Suspicious,
    /// Not decided before it expired, or approved and past its login
    /// lifetime.
    Expired,
    /// Closed by a signed logout.
    LoggedOut,
}

/// Something that moves a session from one status to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Approve with a device key.
    Approve,
    /// Refuse.
    Deny,
    /// Report as suspicious ("this wasn't me").
    ReportSuspicious,
    /// The service's clock passed `expires_at` while pending, or
    /// `login_expires_at` while approved.
    Expire,
    /// Log out, signed by the requester or a device of the user.
    Logout,
}

/// Why a session was denied, when the approver did not simply refuse it.
/// A session denied by a plain `deny` statement has no reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DenyReason {
    /// The approver typed another verification code than the one the
    /// requester shows: whoever approved had not seen the requester's
    /// screen, so the request is over rather than open to another guess.
    WrongCode,
}

impl DenyReason {
    /// The name used in JSON and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            DenyReason::WrongCode => "wrong_code",
        }
    }
}

impl fmt::Display for DenyReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A transition the table forbids. Nothing was changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a session that is {from}")]
pub struct TransitionError {
    /// The status the session was in, and still is.
    pub from: Status,
    /// The action that was refused.
    pub action: Action,
}

impl TransitionError {
    /// The code the service answers this error with.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::TransitionRefused
    }
}

impl Status {
    /// Every status, in the order of the table above.
    pub const ALL: [Status; 6] = [
        Status::Pending,
        Status::Approved,
        Status::Denied,
        Status::Suspicious,
        Status::Expired,
        Status::LoggedOut,
    ];

    /// The status after `action`, or why `action` is not allowed now.
    pub fn after(self, action: Action) -> Result<Status, TransitionError> {
        use Action as A;
        use Status as S;
        match (self, action) {
            (S::Pending, A::Approve) => Ok(S::Approved),
            (S::Pending, A::Deny) => Ok(S::Denied),
            (S::Pending | S::Approved, A::ReportSuspicious) => Ok(S::Suspicious),
            (S::Pending | S::Approved, A::Expire) => Ok(S::Expired),
            (S::Pending | S::Approved | S::Suspicious, A::Logout) => Ok(S::LoggedOut),
            (from, action) => Err(TransitionError { from, action }),
        }
    }

    /// Whether no action can move the session any more.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Denied | Status::Expired | Status::LoggedOut)
    }

    /// The name used in JSON and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Approved => "approved",
            Status::Denied => "denied",
            Status::Suspicious => "suspicious",
            Status::Expired => "expired",
            Status::LoggedOut => "logged_out",
        }
    }
}

impl Action {
    /// Every action.
    pub const ALL: [Action; 5] = [
        Action::Approve,
        Action::Deny,
        Action::ReportSuspicious,
        Action::Expire,
        Action::Logout,
    ];

    /// The name used in JSON, in signed statements and in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Approve => "approve",
            Action::Deny => "deny",
            Action::ReportSuspicious => "report_suspicious",
            Action::Expire => "expire",
            Action::Logout => "logout",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of a status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown status {0:?}")]
pub struct UnknownStatus(pub String);

impl UnknownStatus {
    /// The code the service answers this error with: a status is only ever
    /// read from a query string.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::BadQuery
    }
}

impl FromStr for Status {
    type Err = UnknownStatus;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|s| s.as_str() == text)
            .ok_or_else(|| UnknownStatus(text.chars().take(32).collect()))
    }
}
