//! The handlers of the account routes: enrollment links (made, read,
//! redeemed, cancelled), devices (enrolled from another device, revoked,
//! a pending revocation cancelled), and the account view and audit trail.
//! Every one but the link's lookup and redemption is a statement signed by
//! a device of the user; each counts its refusals.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use countersign_core::SignedStatement;
use countersign_core::api::AttestedStatement;
use countersign_core::api::{
    AccountView, AuditPage, EnrollmentInfo, ErrorCode, Invite, InviteInfo, LookupEnrollment,
    PageQuery, PendingRevocation, RedeemEnrollment, RevokeAnswer, SponsoredEnrollment,
};

use crate::error::ApiError;
use crate::http::extract::{AccountAllowed, Body, counted};
use crate::ops::{account, enrollment, recovery, revocation};
use crate::state::Shared;

/// `POST /api/enrollments`: a device of the user makes a one-time link.
pub async fn invite(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    Body(body): Body<AttestedStatement>,
) -> Result<impl IntoResponse, ApiError> {
    let invited = enrollment::invite(&state, &body.signed, body.assertion.as_ref()).await;
    let enrollment_url = counted(&state, invited)?;
    Ok((StatusCode::CREATED, Json(Invite { enrollment_url })))
}

/// Who an enrollment link is for. The token comes in the body: no path
/// holds it, so no access log does.
pub async fn enrollment(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    Body(body): Body<LookupEnrollment>,
) -> Result<Json<EnrollmentInfo>, ApiError> {
    let user = enrollment::enrollment(&state, &body.token).await?;
    Ok(Json(EnrollmentInfo {
        user_uid: user.uid,
        username: user.username,
    }))
}

/// `POST /api/enrollments/redeem`: a new device enrolls with a link's token.
pub async fn enroll(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<RedeemEnrollment>,
) -> Result<impl IntoResponse, ApiError> {
    let device =
        enrollment::enroll_with_token(&state, &body.token, &body.proof, source.to_string()).await;
    let device = counted(&state, device)?;
    Ok((StatusCode::CREATED, Json(device)))
}

/// `POST /api/devices`: a device of the user enrolls another (sponsored).
pub async fn enroll_by_device(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<SponsoredEnrollment>,
) -> Result<impl IntoResponse, ApiError> {
    let device =
        enrollment::enroll_by_device(&state, &body.sponsor, &body.proof, source.to_string()).await;
    let device = counted(&state, device)?;
    Ok((StatusCode::CREATED, Json(device)))
}

/// `POST /api/devices/revoke`: revoked at once (200) or after the delay (202).
pub async fn revoke(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<AttestedStatement>,
) -> Result<Response, ApiError> {
    let assertion = body.assertion.as_ref();
    let revoked = revocation::revoke(&state, &body.signed, assertion, source.to_string()).await;
    // A revocation that waits out its delay is accepted, not done.
    Ok(match counted(&state, revoked)? {
        answer @ RevokeAnswer::Revoked(_) => Json(answer).into_response(),
        answer @ RevokeAnswer::Pending(_) => (StatusCode::ACCEPTED, Json(answer)).into_response(),
    })
}

/// `POST /api/account?before=..`: the signer's account view, by pages.
pub async fn account(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    page: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    Body(signed): Body<SignedStatement>,
) -> Result<Json<AccountView>, ApiError> {
    let page = self::page(page)?;
    Ok(Json(counted(
        &state,
        account::read(&state, &signed, page.before.as_deref()).await,
    )?))
}

/// The `?before=` of a paged read.
fn page(query: Result<Query<PageQuery>, QueryRejection>) -> Result<PageQuery, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::new(ErrorCode::BadQuery, e.body_text()))
}

/// `POST /api/devices/revocations/cancel`.
pub async fn cancel_revocation(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<AttestedStatement>,
) -> Result<Json<PendingRevocation>, ApiError> {
    let assertion = body.assertion.as_ref();
    let cancelled =
        recovery::cancel_revocation(&state, &body.signed, assertion, source.to_string()).await;
    Ok(Json(counted(&state, cancelled)?))
}

/// `POST /api/enrollments/cancel`.
pub async fn cancel_invite(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(signed): Body<SignedStatement>,
) -> Result<Json<InviteInfo>, ApiError> {
    let cancelled = recovery::cancel_invite(&state, &signed, source.to_string()).await;
    Ok(Json(counted(&state, cancelled)?))
}

/// `POST /api/account/audit?before=..`.
pub async fn audit(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    query: Result<Query<PageQuery>, QueryRejection>,
    Body(signed): Body<SignedStatement>,
) -> Result<Json<AuditPage>, ApiError> {
    let page = page(query)?;
    let read = account::read_audit(&state, &signed, page.before.as_deref()).await;
    Ok(Json(counted(&state, read)?))
}
