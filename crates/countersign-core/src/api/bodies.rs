//! The JSON bodies the service sends and reads, other than the core types
//! that travel as they are (`LoginRequest`, `LoginSession`,
//! `SignedStatement`). Unknown fields are ignored when reading, so a newer
//! service can add one without breaking deployed clients.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::code::VerificationCode;
use crate::encoding::{Digest, Fingerprint, PublicKey};
use crate::session::LoginSession;
use crate::short_uid::ShortUid;
use crate::statement::SignedStatement;
use crate::status::Status;

use super::ErrorCode;

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
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub expires_at: DateTime<Utc>,
    /// The code the requester shows, for the approver to type. The service
    /// drew it for this request and gives it here only: nothing the
    /// approval side reads holds it or lets it be worked out.
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
    #[serde(deserialize_with = "crate::wire_time::read")]
    pub created_at: DateTime<Utc>,
    /// When it was revoked, if it was.
    #[serde(default, deserialize_with = "crate::wire_time::read_opt")]
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
    /// Their live sessions and a page of closed ones, newest first.
    pub sessions: Vec<LoginSession>,
    /// The devices (uids) that have a passkey: their statements are
    /// confirmed by the person's gesture.
    #[serde(default)]
    pub passkeys: Vec<Uuid>,
    /// Enrollment links not yet used (first page only).
    #[serde(default)]
    pub invites: Vec<super::InviteInfo>,
    /// Revocations waiting out their delay (first page only).
    #[serde(default)]
    pub pending_revocations: Vec<super::PendingRevocation>,
    /// The cursor of the next page of older, closed sessions, if any: the
    /// first page lists every live session (pending, approved, suspicious)
    /// however old, then the newest closed ones.
    #[serde(default)]
    pub next: Option<String>,
}

/// `GET /api/sessions?short_uid=..&status=..`: the sessions that match
/// (the seed's `load` by short uid, which is always a list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionList {
    /// The matching sessions, each narrowed as asked.
    pub sessions: Vec<LoginSession>,
}

/// `POST /api/devices`: a device the user already has enrolls a new one.
/// Both sign the same `enroll_device` claim: the sponsor to vouch for it,
/// the new device to prove it holds its key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SponsoredEnrollment {
    /// The claim signed by a registered device of the user.
    pub sponsor: SignedStatement,
    /// The same claim signed by the new device's own key.
    pub proof: SignedStatement,
}

/// `POST /api/enrollments/lookup`: who an enrollment link is for. The
/// token travels in the body, never in a path, so that no proxy or access
/// log keeps it; links carry it in their fragment (`#token=`), which
/// browsers do not send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookupEnrollment {
    /// The link's one-time token.
    pub token: String,
}

/// `POST /api/enrollments/redeem`: a new device uses an enrollment link's
/// token, proving it holds its key with an `enroll_device` statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedeemEnrollment {
    /// The link's one-time token.
    pub token: String,
    /// The enrollment, signed by the new device's own key.
    pub proof: SignedStatement,
}

/// What `countersign-server admin user add --json` prints: the new user and
/// the one-time link that enrolls their first device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddedUser {
    /// The username sessions are requested for.
    pub username: String,
    /// The new user's uid.
    pub user_uid: Uuid,
    /// The link to open once, on the first device.
    pub enrollment_url: String,
}

/// `POST /api/authorisations/verify`: a relying party asks the service to
/// check an authorisation token (the seed's `Authorisation`) for the
/// resource it expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyAuthorisation {
    /// The token, as it follows `Countersign ` in the `Authorization` header.
    pub token: String,
    /// The resource the relying party expects the token to be for.
    pub resource: String,
    /// Record the token's nonce so that it is accepted once only (the
    /// seed's `assert_once`): a second use answers `already_used`.
    #[serde(default)]
    pub once: bool,
    /// The SHA-256 of the request body the relying party received, when
    /// the token must be bound to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_sha256: Option<Digest>,
}

/// The answer to an accepted authorisation: who it speaks for and what the
/// session grants (the core's [`crate::Identity`]).
pub type VerifiedAuthorisation = crate::authorisation::Identity;

/// The body of every error answer: `{"error": {"code": .., "message": ..}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// A stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, for programs to branch on. A code this build does not know
    /// reads as [`ErrorCode::Unrecognised`].
    pub code: ErrorCode,
    /// For people: what went wrong and, where it helps, what to do. Never an
    /// internal error's text.
    pub message: String,
}

impl ErrorBody {
    /// The body of an error answer with this code and message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            error: ErrorDetail::new(code, message),
        }
    }
}

impl ErrorDetail {
    /// A code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}
