//! The handlers of the account routes that recovery and the audit trail
//! added: cancel a pending revocation or an enrollment link, and read a
//! page of the audit trail. Each counts its refusals as every statement
//! route does.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use countersign_core::SignedStatement;
use countersign_core::api::{AuditPage, ErrorCode, InviteInfo, PageQuery, PendingRevocation};
use countersign_core::passkey::AttestedStatement;

use crate::account_view;
use crate::app::Shared;
use crate::error::ApiError;
use crate::http::{AccountAllowed, Body};
use crate::recovery;

/// Counts a refused statement by its code.
fn counted<T>(state: &Shared, answer: Result<T, ApiError>) -> Result<T, ApiError> {
    answer.inspect_err(|error| state.metrics.statement_refused(error.code()))
}

/// The `?before=` of a paged read.
pub fn page(query: Result<Query<PageQuery>, QueryRejection>) -> Result<PageQuery, ApiError> {
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
    let read = account_view::read_audit(&state, &signed, page.before.as_deref()).await;
    Ok(Json(counted(&state, read)?))
}
