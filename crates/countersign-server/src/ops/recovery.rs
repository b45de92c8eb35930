//! Recovery a thief cannot block: a pending revocation (`revocation`) is
//! cancelled by the device it is about or the one that asked for it, and an
//! unused enrollment link by any device of its user.

use countersign_core::api::PasskeyAssertion;
use countersign_core::api::{AuditAction, AuditSubject, ErrorCode, InviteInfo, PendingRevocation};
use countersign_core::{Claim, SignedStatement};

use crate::error::ApiError;
use crate::ops::passkeys;
use crate::ops::signer::signing_device;
use crate::state::AppState;
use crate::store::{UsedStatement, audit_event};

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
    passkeys::check_account_statement(state, signer.uid, &signed.statement, assertion).await?;
    let mut entry = audit_event(
        AuditSubject::Device,
        AuditAction::RevocationCancelled,
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
        AuditSubject::Enrollment,
        AuditAction::Cancel,
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
