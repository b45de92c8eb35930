//! The refusal of a user an operator disabled (`admin user disable`):
//! requests for their username, and every statement their devices sign,
//! answer `user_disabled` until an operator enables them again.

use countersign_core::api::ErrorCode;
use uuid::Uuid;

use crate::error::ApiError;
use crate::store::Store;

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
