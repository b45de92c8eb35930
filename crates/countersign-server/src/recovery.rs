//! Recovery a thief cannot block: a device revoking an older device of its
//! user waits out `serve --revocation-delay-h` (48 h by default), during
//! which the older device can cancel it; enrollment links die with the
//! device that made them, and the user can cancel them.
//!
//! Why a delay rather than a second device's approval: a user with two
//! devices, one of them stolen, has no second device to approve with, so
//! the thief and the owner would each need the other. With the delay, the
//! owner's older device cancels the thief's revocation and revokes the
//! thief's newer device at once; a thief holding the oldest device can
//! only be stopped by the operator (`admin device revoke`, immediate), who
//! then gives the owner a new enrollment link.

use chrono::TimeDelta;
use countersign_core::api::{DeviceInfo, ErrorCode, InviteInfo, PendingRevocation};
use countersign_core::passkey::PasskeyAssertion;
use countersign_core::{Action, Claim, SignedStatement};

use crate::accounts::{revocation_logout, signing_device};
use crate::app::AppState;
use crate::error::ApiError;
use crate::sessions;
use crate::store::{StoreError, StoredRevocation, UsedStatement, audit_event};

/// The delay of a revocation of an older device by default, in hours.
pub const DEFAULT_REVOCATION_DELAY_H: i64 = 48;

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
        "device",
        "revoke_requested",
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

/// Cancels a pending revocation: signed by the device it is about, or by
/// the one that asked for it.
pub async fn cancel_revocation(
    state: &AppState,
    signed: &SignedStatement,
    assertion: Option<&PasskeyAssertion>,
    source: String,
) -> Result<PendingRevocation, ApiError> {
    let Claim::CancelRevocation { user, device } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected a cancel_revocation statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    if signer.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only cancel revocations of its own user's devices",
        ));
    }
    let stored = state
        .store
        .pending_revocation(device)
        .await?
        .filter(|stored| stored.user_uid == user)
        .ok_or_else(|| {
            ApiError::new(
                ErrorCode::NotFound,
                "no revocation of this device is pending",
            )
        })?;
    if signer.uid != device && signer.uid != stored.pending.requested_by {
        return Err(ApiError::new(
            ErrorCode::WrongSigner,
            "only the device a revocation is about, or the one that asked for it, may cancel it",
        ));
    }
    // Keeping a device is as much the person's act as revoking one: a
    // thief holding a passkey-protected device, but not its owner, must
    // not keep it against the owner's revocation.
    crate::passkeys::check_account_statement(state, signer.uid, &signed.statement, assertion)
        .await?;
    let mut entry = audit_event(
        "device",
        "revocation_cancelled",
        state.clock.now(),
        Some(user),
        Some(signer.uid),
        Some(source),
    );
    entry.note = Some(format!(
        "revocation of device {device} asked by device {}",
        stored.pending.requested_by
    ));
    let used = [UsedStatement::of(signed, state.config.freshness)];
    if !state.store.cancel_revocation(device, &entry, &used).await? {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no revocation of this device is pending",
        ));
    }
    tracing::info!(%device, by = %signer.uid, "pending revocation cancelled");
    Ok(stored.pending)
}

/// Cancels an enrollment link of the signer's user that has not been used.
pub async fn cancel_invite(
    state: &AppState,
    signed: &SignedStatement,
    source: String,
) -> Result<InviteInfo, ApiError> {
    let Claim::CancelInvite { user, invite } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected a cancel_invite statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    if signer.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only cancel its own user's enrollment links",
        ));
    }
    let now = state.clock.now();
    let found = state
        .store
        .invites_of(user, now)
        .await?
        .into_iter()
        .find(|listed| listed.id == invite)
        .ok_or_else(|| ApiError::new(ErrorCode::NotFound, "no such enrollment link is usable"))?;
    let entry = audit_event(
        "enrollment",
        "cancel",
        now,
        Some(user),
        Some(signer.uid),
        Some(source),
    );
    let used = [UsedStatement::of(signed, state.config.freshness)];
    if !state
        .store
        .cancel_invite(user, &invite.to_text(), now, &entry, &used)
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::NotFound,
            "no such enrollment link is usable",
        ));
    }
    Ok(InviteInfo {
        expires_at: now,
        ..found
    })
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
            "device",
            "revoke",
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
