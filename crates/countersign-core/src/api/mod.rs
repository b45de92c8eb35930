//! The wire contract between the service and its clients: every JSON body
//! of the API, every query string a client builds, and every error code
//! lives here. The service serialises these types and every client (the
//! command line, the browser glue, the web app, the npm package, the bench)
//! reads them, so the two sides cannot drift apart.
//!
//! New routes add their bodies and queries here, and new refusals add their
//! code to [`ErrorCode`] (with its HTTP status), before the service answers
//! them. Core types that travel as they are (`LoginRequest`, `LoginSession`,
//! `SignedStatement`) are bodies too and stay where they are defined.
//!
//! | route | reads | answers |
//! |---|---|---|
//! | `POST /api/sessions` | `LoginRequest` | [`RequestAnswer`] (201) |
//! | `GET /api/sessions?..` | [`ShortUidQuery`] | [`SessionList`] |
//! | `GET /api/sessions/{uid}` | [`NarrowingQuery`] | `LoginSession` |
//! | `GET /api/sessions/{uid}/wait` | [`WaitQuery`] | `LoginSession` |
//! | `POST /api/sessions/{uid}/statements` | `SignedStatement` | `LoginSession` |
//! | `GET /api/approvals/{short_uid}` | | [`ApprovalView`] |
//! | `POST /api/enrollments` | `SignedStatement` | [`Invite`] (201) |
//! | `POST /api/enrollments/lookup` | [`LookupEnrollment`] | [`EnrollmentInfo`] |
//! | `POST /api/enrollments/redeem` | [`RedeemEnrollment`] | [`DeviceInfo`] (201) |
//! | `POST /api/devices` | [`SponsoredEnrollment`] | [`DeviceInfo`] (201) |
//! | `POST /api/devices/revoke` | `SignedStatement` | [`RevokeAnswer`] (200, or 202 pending) |
//! | `POST /api/devices/revocations/cancel` | `SignedStatement` | [`PendingRevocation`] |
//! | `POST /api/enrollments/cancel` | `SignedStatement` | [`InviteInfo`] |
//! | `POST /api/account` | `SignedStatement`, [`PageQuery`] | [`AccountView`] |
//! | `POST /api/account/audit` | `SignedStatement`, [`PageQuery`] | [`AuditPage`] |
//!
//! The audit trail's entries ([`AuditRecord`]) name what they are about and
//! what happened in the audit vocabulary ([`AuditSubject`], [`AuditAction`]),
//! which readers older than the service read without failing.
//!
//! Every error answer is an [`ErrorBody`] with the status of its
//! [`ErrorCode::http_status`]; `countersign-server admin user add --json`
//! prints an [`AddedUser`].

mod audit;
mod bodies;
mod error_code;
mod query;
mod recovery;

pub use audit::{AuditAction, AuditSubject, UnknownAuditValue, read_deny_reason};
pub use bodies::{
    AccountView, AddedUser, ApprovalView, DeviceInfo, EnrollmentInfo, ErrorBody, ErrorDetail,
    Invite, LookupEnrollment, RedeemEnrollment, RequestAnswer, SessionList, SponsoredEnrollment,
    UserInfo, VerifiedAuthorisation, VerifyAuthorisation,
};
pub use error_code::{ErrorCode, UnknownErrorCode};
pub use query::{
    DEFAULT_WAIT_S, NarrowingQuery, ShortUidQuery, WaitQuery, percent_encode, with_query,
};
pub use recovery::{
    AuditPage, AuditRecord, InviteInfo, PageQuery, PendingRevocation, RevokeAnswer,
};
