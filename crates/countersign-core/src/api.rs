//! The JSON bodies of the service's API, shared by the service and every
//! client (browser, command line, JavaScript), so they cannot drift apart.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code::VerificationCode;
use crate::encoding::{Digest, Fingerprint, PublicKey};
use crate::session::LoginSession;
use crate::short_uid::ShortUid;
use crate::status::Status;

/// The answer to a login request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestAnswer {
    /// The session uid.
    pub uid: Uuid,
    /// The short id people type.
    pub short_uid: ShortUid,
    /// The URL the approver opens.
    pub login_url: String,
    /// When the request stops being approvable.
    pub expires_at: DateTime<Utc>,
    /// The code the requester shows, for the approver to pick.
    pub verification_code: VerificationCode,
    /// `pending`.
    pub status: Status,
    /// Where to read the session.
    pub session_url: String,
    /// Where to wait for its status to change.
    pub wait_url: String,
}

/// What the approval page shows for a pending session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalView {
    /// The session, as stored.
    pub session: LoginSession,
    /// The digest every statement about it must carry.
    pub details_digest: Option<Digest>,
    /// The fingerprint of the requester's session key.
    pub public_key_fingerprint: Option<Fingerprint>,
    /// The fingerprint of the requester's signing key.
    pub public_certificate_fingerprint: Option<Fingerprint>,
    /// Three codes, one of them the requester's, in random order.
    pub code_choices: Vec<VerificationCode>,
}

/// Who an enrollment link is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnrollmentInfo {
    /// The user.
    pub user_uid: Uuid,
    /// Their name.
    pub username: String,
}

/// A fresh one-time enrollment link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invite {
    /// The link to open on the new device.
    pub enrollment_url: String,
}

/// A registered device: its public key only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The device uid.
    pub uid: Uuid,
    /// Its user.
    pub user_uid: Uuid,
    /// Its name.
    pub name: String,
    /// Its public key.
    pub public_key: PublicKey,
    /// When it was enrolled.
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserInfo {
    /// The user uid.
    pub uid: Uuid,
    /// The username sessions are requested for.
    pub username: String,
}

/// A user's devices and recent sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// The user.
    pub user: UserInfo,
    /// Their devices, revoked ones included.
    pub devices: Vec<DeviceInfo>,
    /// Their most recent sessions, newest first.
    pub sessions: Vec<LoginSession>,
}

/// The body of every error answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, for programs to branch on.
    pub code: String,
    /// For people.
    pub message: String,
}
