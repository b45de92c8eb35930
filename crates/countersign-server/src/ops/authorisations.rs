//! Authorisations checked for relying parties
//! (`POST /api/authorisations/verify`): the token read, checked by the core
//! against the session it names as that session stands now, and, when it
//! is to be accepted once only, its nonce recorded in the store, where a
//! unique key lets one use win on every instance at once.

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::api::{ErrorCode, VerifiedAuthorisation, VerifyAuthorisation};
use countersign_core::{AUTHORISATION_WINDOW, SignedAuthorisation, check_resource};

use crate::error::ApiError;
use crate::ops::sessions;
use crate::state::AppState;

/// How long a recorded nonce outlives its token's freshness, so that an
/// instance whose clock is behind by up to this much still finds it.
pub const NONCE_GRACE: TimeDelta = TimeDelta::minutes(1);

/// Checks an authorisation for a relying party and says who it speaks for.
/// With `once`, a second use of the same token is refused with
/// `already_used`, however many instances it is sent to.
pub async fn verify(
    state: &AppState,
    request: &VerifyAuthorisation,
) -> Result<VerifiedAuthorisation, ApiError> {
    let checked = verify_inner(state, request).await;
    match &checked {
        Ok(_) => state.metrics.authorisation_accepted(),
        Err(_) => state.metrics.authorisation_refused(),
    }
    checked
}

async fn verify_inner(
    state: &AppState,
    request: &VerifyAuthorisation,
) -> Result<VerifiedAuthorisation, ApiError> {
    let signed = SignedAuthorisation::from_token(&request.token)?;
    check_resource(&request.resource)?;
    let authorisation = &signed.authorisation;
    // Current: a login past its lifetime is expired by this read, so the
    // token is refused for it, and everyone waiting on it hears so.
    let found = sessions::current(state, authorisation.session_uid()).await?;
    let identity = signed.verify_with_body_digest(
        &state.config.public_url,
        &request.resource,
        request.body_sha256,
        &found.session,
        state.clock.now(),
        AUTHORISATION_WINDOW,
    )?;
    if request.once {
        let kept_until = authorisation
            .signed_at()
            .checked_add_signed(AUTHORISATION_WINDOW.max_age + NONCE_GRACE)
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let first = state
            .store
            .record_nonce(
                authorisation.session_uid(),
                authorisation.nonce(),
                kept_until,
            )
            .await?;
        if !first {
            return Err(ApiError::new(
                ErrorCode::AlreadyUsed,
                "this authorisation was already used; sign a new one for each request",
            ));
        }
    }
    Ok(identity)
}
