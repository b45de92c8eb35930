//! Every route of the API, in one table: its method, its path (axum's
//! syntax, `{name}` for a segment), what it reads and what it answers.
//! The service's router is built on these paths (`http::ROUTES` names
//! each), every client builds its requests with them, and the service's
//! tests hold the table to the router and to `openapi.json`, so a route
//! cannot be renamed, added or retyped in one place only.
//!
//! The service's own pages (`/`, `/healthz`, `/metrics`,
//! `/openapi.json`) are the operator's, not the API's: they are not here.

use uuid::Uuid;

use crate::short_uid::ShortUid;

/// Where every route of the API starts.
pub const API_PREFIX: &str = "/api/";

/// `POST`: request a login. `GET`: the seed's `load` by short uid.
pub const SESSIONS: &str = "/api/sessions";
/// A session by uid.
pub const SESSION: &str = "/api/sessions/{uid}";
/// The long poll on a session.
pub const SESSION_WAIT: &str = "/api/sessions/{uid}/wait";
/// Signed statements about a session.
pub const SESSION_STATEMENTS: &str = "/api/sessions/{uid}/statements";
/// What the approval page shows of a pending session.
pub const APPROVAL: &str = "/api/approvals/{short_uid}";
/// A relying party's check of a signed request.
pub const VERIFY_AUTHORISATION: &str = "/api/authorisations/verify";
/// A one-time enrollment link made by a device of the user.
pub const ENROLLMENTS: &str = "/api/enrollments";
/// Who an enrollment link is for.
pub const ENROLLMENT_LOOKUP: &str = "/api/enrollments/lookup";
/// A device enrolled with a link's token.
pub const ENROLLMENT_REDEEM: &str = "/api/enrollments/redeem";
/// An unused link cancelled.
pub const ENROLLMENT_CANCEL: &str = "/api/enrollments/cancel";
/// A device enrolled by another device of the user.
pub const DEVICES: &str = "/api/devices";
/// A device revoked.
pub const DEVICE_REVOKE: &str = "/api/devices/revoke";
/// A pending revocation cancelled.
pub const REVOCATION_CANCEL: &str = "/api/devices/revocations/cancel";
/// The account view.
pub const ACCOUNT: &str = "/api/account";
/// The user's audit trail.
pub const ACCOUNT_AUDIT: &str = "/api/account/audit";
/// The options of a new passkey.
pub const PASSKEY_OPTIONS: &str = "/api/passkeys/options";
/// A new passkey registered.
pub const PASSKEYS: &str = "/api/passkeys";

/// [`SESSION`] for one session.
pub fn session(uid: Uuid) -> String {
    fill(SESSION, "{uid}", &uid.to_string())
}

/// [`SESSION_WAIT`] for one session (the query is the caller's).
pub fn session_wait(uid: Uuid) -> String {
    fill(SESSION_WAIT, "{uid}", &uid.to_string())
}

/// [`SESSION_STATEMENTS`] for one session.
pub fn session_statements(uid: Uuid) -> String {
    fill(SESSION_STATEMENTS, "{uid}", &uid.to_string())
}

/// [`APPROVAL`] for one short uid, in its dotted form.
pub fn approval(short_uid: ShortUid) -> String {
    fill(APPROVAL, "{short_uid}", &short_uid.to_string())
}

/// `template` with its one parameter given.
fn fill(template: &str, parameter: &str, value: &str) -> String {
    template.replacen(parameter, value, 1)
}

/// An HTTP method of the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// Reads (also answered to `HEAD`).
    Get,
    /// Everything that sends a body.
    Post,
}

impl Method {
    /// The method as HTTP writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }
}

/// One route of the API and its contract. The types are named as the
/// OpenAPI document names their schemas (the Rust type's name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRoute {
    /// The method.
    pub method: Method,
    /// The path, one of this module's constants.
    pub path: &'static str,
    /// The JSON body it reads, if any.
    pub body: Option<&'static str>,
    /// The query string it reads, if any.
    pub query: Option<&'static str>,
    /// Each successful answer's status and JSON body.
    pub answers: &'static [(u16, &'static str)],
}

const fn route(
    method: Method,
    path: &'static str,
    body: Option<&'static str>,
    query: Option<&'static str>,
    answers: &'static [(u16, &'static str)],
) -> ApiRoute {
    ApiRoute {
        method,
        path,
        body,
        query,
        answers,
    }
}

use Method::{Get, Post};

/// Every route of the API. Every refusal is an `ErrorBody` with the
/// status of its `ErrorCode::http_status`.
pub const ROUTES: &[ApiRoute] = &[
    route(
        Post,
        SESSIONS,
        Some("LoginRequest"),
        None,
        &[(201, "RequestAnswer")],
    ),
    route(
        Get,
        SESSIONS,
        None,
        Some("ShortUidQuery"),
        &[(200, "SessionList")],
    ),
    route(
        Get,
        SESSION,
        None,
        Some("NarrowingQuery"),
        &[(200, "LoginSession")],
    ),
    route(
        Get,
        SESSION_WAIT,
        None,
        Some("WaitQuery"),
        &[(200, "LoginSession")],
    ),
    route(
        Post,
        SESSION_STATEMENTS,
        Some("AttestedStatement"),
        None,
        &[(200, "LoginSession")],
    ),
    route(Get, APPROVAL, None, None, &[(200, "ApprovalView")]),
    route(
        Post,
        VERIFY_AUTHORISATION,
        Some("VerifyAuthorisation"),
        None,
        &[(200, "VerifiedAuthorisation")],
    ),
    route(
        Post,
        ENROLLMENTS,
        Some("AttestedStatement"),
        None,
        &[(201, "Invite")],
    ),
    route(
        Post,
        ENROLLMENT_LOOKUP,
        Some("LookupEnrollment"),
        None,
        &[(200, "EnrollmentInfo")],
    ),
    route(
        Post,
        ENROLLMENT_REDEEM,
        Some("RedeemEnrollment"),
        None,
        &[(201, "DeviceInfo")],
    ),
    route(
        Post,
        ENROLLMENT_CANCEL,
        Some("SignedStatement"),
        None,
        &[(200, "InviteInfo")],
    ),
    route(
        Post,
        DEVICES,
        Some("SponsoredEnrollment"),
        None,
        &[(201, "DeviceInfo")],
    ),
    // Revoked at once, or pending until its delay is over.
    route(
        Post,
        DEVICE_REVOKE,
        Some("AttestedStatement"),
        None,
        &[(200, "DeviceInfo"), (202, "PendingRevocation")],
    ),
    route(
        Post,
        REVOCATION_CANCEL,
        Some("AttestedStatement"),
        None,
        &[(200, "PendingRevocation")],
    ),
    route(
        Post,
        ACCOUNT,
        Some("SignedStatement"),
        Some("PageQuery"),
        &[(200, "AccountView")],
    ),
    route(
        Post,
        ACCOUNT_AUDIT,
        Some("SignedStatement"),
        Some("PageQuery"),
        &[(200, "AuditPage")],
    ),
    route(
        Post,
        PASSKEY_OPTIONS,
        Some("SignedStatement"),
        None,
        &[(200, "PasskeyOptions")],
    ),
    route(
        Post,
        PASSKEYS,
        Some("RegisterPasskey"),
        None,
        &[(201, "DeviceInfo")],
    ),
];
