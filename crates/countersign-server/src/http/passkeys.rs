//! The handlers of the passkey routes: a device asks for the options of a
//! new passkey with a signed statement, then sends the credential made.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use countersign_core::SignedStatement;
use countersign_core::api::{PasskeyOptions, RegisterPasskey};

use crate::error::ApiError;
use crate::http::extract::{AccountAllowed, Body};
use crate::ops::passkeys;
use crate::state::Shared;

/// The handler of `POST /api/passkeys/options`.
pub async fn options(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    Body(signed): Body<SignedStatement>,
) -> Result<Json<PasskeyOptions>, ApiError> {
    let answer = passkeys::options(&state, &signed).await;
    if let Err(error) = &answer {
        state.metrics.statement_refused(error.code());
    }
    Ok(Json(answer?))
}

/// The handler of `POST /api/passkeys`: answers the device, now with its
/// passkey (201).
pub async fn register(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    Body(body): Body<RegisterPasskey>,
) -> Result<impl IntoResponse, ApiError> {
    passkeys::register(&state, body.device, &body.credential).await?;
    let device = state
        .store
        .device(body.device)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((StatusCode::CREATED, Json(device)))
}
