//! The wire contract between the service and its clients: every JSON body
//! of the API, every query string a client builds, and every error code
//! lives here. The service serialises these types and every client (the
//! command line, the browser glue, the web app, the npm package, the bench)
//! reads them, so the two sides cannot drift apart.
//!
//! Every route, with what it reads and answers, is in [`paths`]' table,
//! which the service's router is built on. A new route adds its path
//! there, its bodies and queries here, and each new refusal its code to
//! [`ErrorCode`] (with its HTTP status), before the service answers it.
//! Core types that travel as they are (`LoginRequest`, `LoginSession`,
//! `SignedStatement`) are bodies too and stay where they are defined.
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
mod passkeys;
pub mod paths;
mod query;
mod recovery;

pub use audit::{AuditAction, AuditSubject, UnknownAuditValue, read_deny_reason};
pub use bodies::{
    AccountView, AddedUser, ApprovalView, DeviceInfo, EnrollmentInfo, ErrorBody, ErrorDetail,
    Invite, LookupEnrollment, RedeemEnrollment, RequestAnswer, SessionList, SponsoredEnrollment,
    UserInfo, VerifiedAuthorisation, VerifyAuthorisation,
};
pub use error_code::{ErrorCode, UnknownErrorCode};
pub use passkeys::{
    AssertionResponse, AttestationResponse, AttestedStatement, PasskeyAssertion, PasskeyCredential,
    PasskeyOptions, RegisterPasskey,
};
pub use query::{
    DEFAULT_WAIT_S, NarrowingQuery, ShortUidQuery, WaitQuery, percent_encode, with_query,
};
pub use recovery::{
    AuditPage, AuditRecord, InviteInfo, PageQuery, PendingRevocation, RevokeAnswer,
};
