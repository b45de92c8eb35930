//! The handler of `POST /api/authorisations/verify`: a relying party asks
//! whether a signed request speaks for an approved login.

use axum::Json;
use axum::extract::State;
use countersign_core::api::{VerifiedAuthorisation, VerifyAuthorisation};

use crate::error::ApiError;
use crate::http::extract::{Body, VerifyAllowed};
use crate::ops::authorisations;
use crate::state::Shared;

/// `POST /api/authorisations/verify`.
pub async fn verify(
    State(state): State<Shared>,
    VerifyAllowed(_): VerifyAllowed,
    Body(request): Body<VerifyAuthorisation>,
) -> Result<Json<VerifiedAuthorisation>, ApiError> {
    Ok(Json(authorisations::verify(&state, &request).await?))
}
