//! The bodies of account recovery and the account's history: enrollment
//! links not yet used, revocations waiting out their delay, the answer to a
//! revocation, the user's audit trail, and the cursors that page the
//! account view and the trail.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::encoding::Digest;
use crate::status::DenyReason;

use super::{AuditAction, AuditSubject, DeviceInfo};

#[cfg(target_arch = "wasm32")]
mod revoke_wire;

/// An enrollment link not yet used, listed in the account view so that the
/// user can cancel it. Its id is the digest of its token: enough to name
/// the link, not to enroll with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteInfo {
    /// The invite's id (the digest of its token).
    pub id: Digest,
    /// The device whose `invite_device` statement made it; `None` for an
    /// operator's link. The link dies with that device.
    #[serde(default)]
    pub invited_by: Option<Uuid>,
    /// When it stops working.
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub expires_at: DateTime<Utc>,
}

/// A revocation of a device by a newer device of the user, waiting out the
/// service's delay, during which the device it is about can cancel it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingRevocation {
    /// The device it would revoke.
    pub device: Uuid,
    /// The device that asked.
    pub requested_by: Uuid,
    /// When it was asked.
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub requested_at: DateTime<Utc>,
    /// When it takes effect unless cancelled.
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub due_at: DateTime<Utc>,
}

/// `POST /api/devices/revoke`: the device revoked at once (200), or a
/// revocation that waits (202).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
// In the browser's wasm, read in one pass rather than by serde's buffering
// reader for untagged enums (see `revoke_wire`).
#[cfg_attr(
    target_arch = "wasm32",
    serde(try_from = "revoke_wire::WireRevokeAnswer")
)]
pub enum RevokeAnswer {
    /// Revoked now.
    Revoked(Box<DeviceInfo>),
    /// Revoked at `due_at` unless the device cancels it.
    Pending(PendingRevocation),
}

/// One entry of a user's audit trail: what happened, by which device, from
/// which address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// The entry's number: later entries have higher ones.
    pub id: i64,
    /// When.
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub at: DateTime<Utc>,
    /// The session, for session events.
    #[serde(default)]
    pub session_uid: Option<Uuid>,
    /// What it is about.
    pub subject: AuditSubject,
    /// What happened.
    pub action: AuditAction,
    /// The status before, for transitions.
    #[serde(default)]
    pub from_status: Option<String>,
    /// The status after, for transitions (`denied` is a refusal).
    #[serde(default)]
    pub to_status: Option<String>,
    /// The device that signed, if one did.
    #[serde(default)]
    pub device_uid: Option<Uuid>,
    /// The address the request came from, or `admin` for an operator.
    #[serde(default)]
    pub source: Option<String>,
    /// For a session logged out by the revocation of the device that
    /// approved it: that device. (The device that revoked it, if one did,
    /// is `device_uid`.)
    #[serde(default)]
    pub revoked_device: Option<Uuid>,
    /// For a session denied for a reason beyond a plain refusal: the
    /// reason (`wrong_code`). A reason this version does not know reads as
    /// `None` (see `audit::read_deny_reason`).
    #[serde(default, deserialize_with = "super::audit::lenient_deny_reason")]
    pub deny_reason: Option<DenyReason>,
    /// What else there is to know, in words (an operator's logout, a
    /// revocation asked or cancelled).
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /api/account/audit`: a page of the user's audit trail, newest
/// first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    /// The entries, newest first.
    pub entries: Vec<AuditRecord>,
    /// The cursor of the next (older) page, if there is one.
    #[serde(default)]
    pub next: Option<String>,
}

/// `?before=CURSOR` on `POST /api/account` and `POST /api/account/audit`:
/// the page after the one that gave the cursor. The signed statement
/// authorises the read; the cursor only says where to go on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    /// The `next` of the previous page.
    #[serde(default)]
    pub before: Option<String>,
}

impl PageQuery {
    /// The query string (with its `?`), empty for the first page.
    pub fn to_query(&self) -> String {
        match &self.before {
            Some(cursor) => format!("?before={}", super::percent_encode(cursor)),
            None => String::new(),
        }
    }
}
