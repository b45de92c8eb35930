//! The service's own pages: `/` (the web app, or a short page without
//! one), `/healthz`, `/metrics`, `/openapi.json`, and the web app's files
//! for every path no route serves.

use axum::Router;
use axum::extract::State;
use axum::http::{Method, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use countersign_core::api::{ErrorCode, paths};

use crate::error::ApiError;
use crate::ops::health;
use crate::state::Shared;

/// `GET /`: the web app, or a page saying what this service is.
pub async fn home(State(state): State<Shared>) -> Response {
    if let Some(app) = state.web.answer("/") {
        return app;
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>countersign</title></head>\
         <body><h1>countersign</h1><p>This service approves logins with device keys. \
         Open the login URL a program shows you, or the enrollment link your admin gave you.</p>\
         <p>API: <code>POST {0}/api/sessions</code>; health: <a href=\"/healthz\">/healthz</a>.</p></body></html>",
        state.config.public_url
    ))
    .into_response()
}

/// The web app's files and pages; anything else is not found.
pub async fn web_app(State(state): State<Shared>, method: Method, uri: Uri) -> Response {
    let path = uri.path();
    if method == Method::GET
        && !path.starts_with(paths::API_PREFIX)
        && let Some(response) = state.web.answer(path)
    {
        return response;
    }
    ApiError::NotFound.into_response()
}

/// `/metrics` on the public listener: not found when `serve
/// --metrics-addr` serves it on a listener of its own.
pub async fn metrics(State(state): State<Shared>) -> Response {
    if !state.config.public_metrics {
        return ApiError::NotFound.into_response();
    }
    metrics_text(State(state)).await.into_response()
}

async fn metrics_text(State(state): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state
            .metrics
            .render(&state.store, &state.waiters, state.clock.instant())
            .await,
    )
}

/// The router of `serve --metrics-addr`'s own listener: `/metrics` and
/// nothing else, so that it need not be public.
pub fn metrics_router(state: Shared) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(metrics_text))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
}

/// The OpenAPI description of this API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// `GET /openapi.json`: the OpenAPI description of this API.
pub async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

/// `GET /healthz`: `ok`, or 503 `unavailable` saying what is down.
pub async fn healthz(State(state): State<Shared>) -> Result<&'static str, ApiError> {
    health::check(&state)
        .await
        .map_err(|reason| ApiError::new(ErrorCode::Unavailable, reason))?;
    Ok("ok")
}
