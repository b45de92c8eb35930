//! Revoking a device, at once or after a delay. A device revoking itself
//! or a newer device of its user revokes it at once; revoking an older one
//! waits out `serve --revocation-delay-h` (48 h by default), during which
//! the older device can cancel it (`recovery`), and the sweeper applies it
//! when due. Either way the revoked device's live logins are logged out in
//! the revocation's transaction, with no statement about them: the signed
//! revocation is the authority.
//!
//! Why a delay rather than a second device's approval: a user with two
//! devices, one of them stolen, has no second device to approve with, so
//! the thief and the owner would each need the other. With the delay, the
//! owner's older device cancels the thief's revocation and revokes the
//! thief's newer device at once; a thief holding the oldest device can
//! only be stopped by the operator (`admin device revoke`, immediate), who
//! then gives the owner a new enrollment link.

use chrono::TimeDelta;
use countersign_core::api::PasskeyAssertion;
use countersign_core::api::{
    AuditAction, AuditSubject, DeviceInfo, ErrorCode, PendingRevocation, RevokeAnswer,
};
use countersign_core::{Action, Claim, LoginSession, SignedStatement};
use uuid::Uuid;

use crate::error::ApiError;
use crate::ops::signer::signing_device;
use crate::ops::{passkeys, sessions};
use crate::state::AppState;
use crate::store::{AuditEntry, StoreError, StoredRevocation, UsedStatement, audit_event};

/// Revokes a device of the signer's user and, in the same transaction, logs
/// out the logins it approved that are still live (approved or reported
/// suspicious): each is a logout signed by no one, recorded in the audit log
/// as the revocation's, with the revoking device, the request's source and
/// the device revoked (`revoked_device`). Their waiters are woken.
pub async fn revoke(
    state: &AppState,
    signed: &SignedStatement,
    assertion: Option<&PasskeyAssertion>,
    source: String,
) -> Result<RevokeAnswer, ApiError> {
    let Claim::RevokeDevice { user, device } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected a revoke_device statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    let target = state
        .store
        .device(device)
        .await?
        .ok_or(ApiError::NotFound)?;
    if signer.user_uid != user || target.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only revoke devices of its own user",
        ));
    }
    passkeys::check_account_statement(state, signer.uid, &signed.statement, assertion).await?;
    // An older device is revoked only after a delay it can cancel, so a
    // thief holding a newer one cannot lock its owner out.
    if must_wait(state.config.revocation_delay, &signer, &target) {
        let pending = delay_revocation(state, signed, &signer, &target, &source).await?;
        return Ok(RevokeAnswer::Pending(pending));
    }
    let now = state.clock.now();
    let entry = audit_event(
        AuditSubject::Device,
        AuditAction::Revoke,
        now,
        Some(user),
        Some(signer.uid),
        Some(source.clone()),
    );
    let log_out = revocation_logout(device, now, user, Some(signer.uid), &source);
    let ticket = state.cache.ticket();
    let used = [UsedStatement::of(signed, state.config.freshness)];
    let revoked = state
        .store
        .revoke_device(device, &entry, &used, log_out)
        .await;
    let logged_out = match revoked {
        Ok(Some(logged_out)) => logged_out,
        Ok(None) => {
            return Err(ApiError::new(
                ErrorCode::AlreadyRevoked,
                "this device is already revoked",
            ));
        }
        Err(StoreError::Contended) => {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                "the device's logins kept changing while it was revoked; try again",
            ));
        }
        Err(error) => return Err(error.into()),
    };
    for found in &logged_out {
        sessions::changed(state, ticket, found);
        state.metrics.transition(Action::Logout);
        tracing::info!(uid = %found.session.uid(), %device, "login logged out by its device's revocation");
    }
    let revoked = state
        .store
        .device(device)
        .await?
        .ok_or(ApiError::Internal)?;
    Ok(RevokeAnswer::Revoked(Box::new(revoked)))
}

/// What the revocation of `device` does to each of its live sessions: logs
/// it out, with an audit entry naming the device revoked (`revoked_device`)
/// and who revoked it (`by`, none for an operator) from `source`; `None`
/// for a login past its lifetime, which the sweeper expires. Every
/// revocation's cascade is this one: a device's, the sweeper's applying a
/// delayed one, and the operator's.
pub fn revocation_logout(
    device: Uuid,
    now: chrono::DateTime<chrono::Utc>,
    user: Uuid,
    by: Option<Uuid>,
    source: &str,
) -> impl Fn(&LoginSession) -> Option<(LoginSession, AuditEntry)> {
    move |found: &LoginSession| {
        let mut session = found.clone();
        session.log_out_for_revocation(device, now).ok()?;
        let entry = AuditEntry {
            source: Some(source.to_owned()),
            revoked_device: Some(device),
            ..sessions::transition_entry(found, &session, Action::Logout, Some(user), by)
        };
        Some((session, entry))
    }
}

/// Whether `signer` revoking `target` must wait: only an older device
/// (enrolled before the signer), and only when the service has a delay.
/// Revoking itself or a newer device is immediate.
pub fn must_wait(delay: TimeDelta, signer: &DeviceInfo, target: &DeviceInfo) -> bool {
    delay > TimeDelta::zero() && target.uid != signer.uid && target.created_at < signer.created_at
}

/// Records a revocation of `target` asked by `signer` that waits out the
/// delay, with the statement (single-use) and an audit row.
pub async fn delay_revocation(
    state: &AppState,
    signed: &SignedStatement,
    signer: &DeviceInfo,
    target: &DeviceInfo,
    source: &str,
) -> Result<PendingRevocation, ApiError> {
    if target.revoked_at.is_some() {
        return Err(ApiError::new(
            ErrorCode::AlreadyRevoked,
            "this device is already revoked",
        ));
    }
    let now = state.clock.now();
    let pending = PendingRevocation {
        device: target.uid,
        requested_by: signer.uid,
        requested_at: now,
        due_at: now + state.config.revocation_delay,
    };
    let mut entry = audit_event(
        AuditSubject::Device,
        AuditAction::RevokeRequested,
        now,
        Some(signer.user_uid),
        Some(signer.uid),
        Some(source.to_owned()),
    );
    entry.note = Some(format!(
        "revocation of device {} due at {}; that device can cancel it",
        target.uid, pending.due_at
    ));
    let stored = StoredRevocation {
        pending: pending.clone(),
        user_uid: signer.user_uid,
        source: Some(source.to_owned()),
    };
    let used = [UsedStatement::of(signed, state.config.freshness)];
    if !state
        .store
        .add_pending_revocation(&stored, &entry, &used)
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "a revocation of this device is already pending",
        ));
    }
    tracing::info!(device = %target.uid, by = %signer.uid, due = %pending.due_at, "revocation pending");
    Ok(pending)
}

/// Applies the pending revocations that are due, each with its cascade of
/// logouts and their waiters woken (the sweeper's share of recovery).
pub async fn apply_due(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    let mut applied = 0;
    for stored in state.store.due_revocations(now).await? {
        let device = stored.pending.device;
        let by = stored.pending.requested_by;
        let source = stored.source.clone().unwrap_or_default();
        let mut entry = audit_event(
            AuditSubject::Device,
            AuditAction::Revoke,
            now,
            Some(stored.user_uid),
            Some(by),
            stored.source.clone(),
        );
        entry.note = Some(format!(
            "asked at {}, applied after the delay",
            stored.pending.requested_at
        ));
        let log_out = revocation_logout(device, now, stored.user_uid, Some(by), &source);
        let ticket = state.cache.ticket();
        let logged_out = match state
            .store
            .apply_revocation(device, now, &entry, log_out)
            .await
        {
            Ok(Some(logged_out)) => logged_out,
            Ok(None) => continue,
            // Tried again at the next sweep.
            Err(StoreError::Contended) => continue,
            Err(error) => return Err(error.into()),
        };
        applied += 1;
        tracing::info!(%device, %by, "pending revocation applied");
        for found in &logged_out {
            sessions::changed(state, ticket, found);
            state.metrics.transition(Action::Logout);
        }
    }
    Ok(applied)
}
