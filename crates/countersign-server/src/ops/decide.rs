//! Signed statements about a session: approve, deny, report as suspicious,
//! log out. Each is verified against the session as it stands and its
//! signer (a device of the user, or the requester's certificate key), then
//! applied in one compare-and-set (`sessions::change`); a lost race is
//! checked again against what won. An approval whose typed code is wrong
//! denies the request instead.

use std::net::IpAddr;

use countersign_core::api::ErrorCode;
use countersign_core::api::PasskeyAssertion;
use countersign_core::{Action, DenyReason, LoginSession, SignedStatement, Signer, Verified};
use uuid::Uuid;

use crate::error::ApiError;
use crate::ops::sessions::{Changed, change, current, transition_entry};
use crate::ops::{passkeys, signer};
use crate::state::AppState;
use crate::store::{CodeCheck, StoredPasskey, Versioned};

/// How many times a lost compare-and-set is retried against the new state.
const CAS_TRIES: usize = 3;

/// Checks a signed statement about session `uid` and applies it.
pub async fn act(
    state: &AppState,
    uid: Uuid,
    signed: &SignedStatement,
    source: IpAddr,
) -> Result<LoginSession, ApiError> {
    act_attested(state, uid, signed, None, source).await
}

/// [`act`] with the passkey's assertion the statement carries, if any
/// (`passkeys::check_statement` says when one is needed).
pub async fn act_attested(
    state: &AppState,
    uid: Uuid,
    signed: &SignedStatement,
    assertion: Option<&PasskeyAssertion>,
    source: IpAddr,
) -> Result<LoginSession, ApiError> {
    for _ in 0..CAS_TRIES {
        let found = current(state, uid).await?;
        if found.session.is_expired() {
            return Err(ApiError::Expired);
        }
        let now = state.clock.now();
        // A refusal is counted by its code where it is answered (`http`).
        let (proof, user_uid, stored_passkey) = verify(state, &found.session, signed).await?;
        let mut session = found.session.clone();
        let mut code = CodeCheck::Any;
        match proof.action() {
            Action::Approve => {
                let user_uid = user_uid.ok_or(ApiError::Internal)?;
                session.set_approved(user_uid, &proof, now, state.config.login_lifetime)?;
                code = CodeCheck::Typed(proof.code().ok_or(ApiError::Internal)?);
            }
            Action::Deny => session.set_denied(&proof, now)?,
            Action::ReportSuspicious => session.set_suspicious(&proof, now)?,
            Action::Logout => session.set_logged_out(&proof, now)?,
            Action::Expire => return Err(ApiError::Internal),
        }
        let device = match proof.signer() {
            Signer::Device(device) => Some(device),
            Signer::Requester => None,
        };
        // A logout needs no gesture: it only ends what was granted.
        let passkey = match device {
            Some(device) if proof.action() != Action::Logout => {
                passkeys::check_stored(state, stored_passkey, device, &signed.statement, assertion)?
            }
            _ => None,
        };
        let mut entry =
            transition_entry(&found.session, &session, proof.action(), user_uid, device);
        entry.source = Some(source.to_string());
        match change(
            state,
            &found,
            &session,
            &entry,
            device,
            code,
            passkey.as_ref(),
        )
        .await?
        {
            Changed::Won(_) => {
                state.metrics.transition(proof.action());
                // Debug, as a request's line: the audit log records it.
                tracing::debug!(%uid, action = %proof.action(), to = %session.status(), "login session changed");
                return Ok(session);
            }
            // Revoked between the check in `verify` and the write.
            Changed::SignerRevoked => return Err(revoked()),
            Changed::WrongCode => {
                if deny_wrong_code(state, &found, &proof, user_uid, source).await? {
                    return Err(ApiError::new(
                        ErrorCode::WrongCode,
                        "the verification code typed is not the one the requester shows: \
                         the request is now denied, and its program must ask again",
                    ));
                }
            }
            Changed::Lost(_) => {}
        }
        // Another change won the race: check the statement against what is
        // stored now (read again into the cache), which usually refuses it
        // with the right reason.
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        "the session changed while this statement was applied; try again",
    ))
}

/// An approval typed the wrong code: whoever approves has not seen the
/// requester's screen (or misread it), and the request ends rather than
/// stay open to another guess. Denies the session as `found` with reason
/// `wrong_code`, in a compare-and-set that holds only while the code is
/// still not the one typed. `Ok(true)` once denied; `Ok(false)` if another
/// change came first (the caller looks again).
async fn deny_wrong_code(
    state: &AppState,
    found: &Versioned,
    proof: &Verified,
    user_uid: Option<Uuid>,
    source: IpAddr,
) -> Result<bool, ApiError> {
    let typed = proof.code().ok_or(ApiError::Internal)?;
    let Signer::Device(device) = proof.signer() else {
        return Err(ApiError::Internal);
    };
    let mut denied = found.session.clone();
    denied.deny_for_wrong_code(proof, state.clock.now())?;
    let mut entry = transition_entry(
        &found.session,
        &denied,
        Action::Deny,
        user_uid,
        Some(device),
    );
    entry.source = Some(source.to_string());
    entry.deny_reason = Some(DenyReason::WrongCode);
    let check = CodeCheck::Mistyped(typed);
    match change(state, found, &denied, &entry, Some(device), check, None).await? {
        Changed::Won(_) => {
            state.metrics.transition(Action::Deny);
            tracing::info!(uid = %denied.uid(), "login session denied: wrong verification code");
            Ok(true)
        }
        Changed::SignerRevoked => Err(revoked()),
        Changed::Lost(_) => Ok(false),
        // Asked only of an approval.
        Changed::WrongCode => Err(ApiError::Internal),
    }
}

/// Verifies the statement against the session and, for a device, against
/// the device's key, owner and revocation. Returns the proof, the user and
/// the device's passkey (read with the device, in one query).
async fn verify(
    state: &AppState,
    session: &LoginSession,
    signed: &SignedStatement,
) -> Result<(Verified, Option<Uuid>, Option<StoredPasskey>), ApiError> {
    let now = state.clock.now();
    let window = state.config.freshness;
    let service = state.service_url()?;
    match signed.statement.signer {
        Signer::Requester => Ok((
            session.verify_requester(signed, &service, now, window)?,
            None,
            None,
        )),
        Signer::Device(device_uid) => {
            let refused = |message: &str| ApiError::new(ErrorCode::UnknownDevice, message);
            let approver = state
                .store
                .approver(device_uid)
                .await?
                .ok_or_else(|| refused("this device is not registered"))?;
            let device = &approver.device;
            if device.revoked_at.is_some() {
                return Err(revoked());
            }
            if approver.user_disabled {
                return Err(signer::refused());
            }
            let username = approver.username.as_deref().ok_or(ApiError::Internal)?;
            if username != session.username().as_str() {
                return Err(refused("this device belongs to another user"));
            }
            let proof = session.verify_device(signed, &device.public_key, &service, now, window)?;
            Ok((proof, Some(device.user_uid), approver.passkey))
        }
    }
}

pub(crate) fn revoked() -> ApiError {
    ApiError::new(ErrorCode::DeviceRevoked, "this device has been revoked")
}
