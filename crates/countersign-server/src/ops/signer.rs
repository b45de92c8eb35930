//! Who signed an account statement: a registered, unrevoked device of an
//! enabled user, whose key verifies the statement for this service now.
//! Also the refusal of a user an operator disabled (`admin user disable`):
//! requests for their username, and every statement their devices sign,
//! answer `user_disabled` until an operator enables them again.

use countersign_core::api::{DeviceInfo, ErrorCode};
use countersign_core::{SignedStatement, Signer};
use uuid::Uuid;

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::Store;

/// A registered, unrevoked device that verified `signed`.
pub async fn signing_device(
    state: &AppState,
    signed: &SignedStatement,
) -> Result<DeviceInfo, ApiError> {
    let Signer::Device(uid) = signed.statement.signer else {
        return Err(ApiError::new(
            ErrorCode::WrongSigner,
            "a device of the user must sign this",
        ));
    };
    let device =
        state.store.device(uid).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::UnknownDevice, "this device is not registered")
        })?;
    if device.revoked_at.is_some() {
        return Err(ApiError::new(
            ErrorCode::DeviceRevoked,
            "this device has been revoked",
        ));
    }
    refuse_user(&state.store, device.user_uid).await?;
    signed.verify(
        &device.public_key,
        &state.service_url()?,
        state.clock.now(),
        state.config.freshness,
    )?;
    Ok(device)
}

/// The refusal of a disabled user.
pub(crate) fn refused() -> ApiError {
    ApiError::new(
        ErrorCode::UserDisabled,
        "this user is disabled by an operator",
    )
}

/// Refuses when the user with this uid is disabled.
pub async fn refuse_user(store: &Store, uid: Uuid) -> Result<(), ApiError> {
    if store.is_user_disabled(uid).await? {
        return Err(refused());
    }
    Ok(())
}

/// Refuses when a user has this name and is disabled (a name no user has
/// may be asked for, as before: asking reveals nothing of it).
pub async fn refuse_username(store: &Store, username: &str) -> Result<(), ApiError> {
    if store.is_username_disabled(username).await? {
        return Err(refused());
    }
    Ok(())
}
