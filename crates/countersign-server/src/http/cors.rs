//! Cross-origin access to the API for the JavaScript apps an operator
//! names (`--allow-origin`), so that an app on its own origin can request
//! logins with the npm package. No origin is allowed unless named: any site
//! could otherwise make a visitor's browser request logins from the
//! visitor's own address. No credentials are ever allowed; the API uses
//! signatures, not cookies.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use countersign_core::api::paths;

use crate::state::AppState;

/// How long a browser may keep a preflight's answer, in seconds.
const PREFLIGHT_MAX_AGE: &str = "600";

/// Answers preflights from allowed origins, and marks the API's answers to
/// them readable by those origins. Called by the router's one middleware
/// (`http::answer_headers`) rather than layered on its own: every layer
/// adds a boxed future to each request in flight, long polls included.
pub async fn cors(state: &AppState, request: Request, next: Next) -> Response {
    let allowed = request
        .headers()
        .get(header::ORIGIN)
        .filter(|_| request.uri().path().starts_with(paths::API_PREFIX))
        .filter(|origin| {
            origin
                .to_str()
                .is_ok_and(|o| state.config.allowed_origins.iter().any(|a| a == o))
        })
        .cloned();
    let Some(origin) = allowed else {
        return next.run(request).await;
    };
    let preflight = request.method() == Method::OPTIONS
        && request
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = (StatusCode::NO_CONTENT, Body::empty()).into_response();
        let headers = response.headers_mut();
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type"),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(PREFLIGHT_MAX_AGE),
        );
        response
    } else {
        next.run(request).await
    };
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    headers.append(header::VARY, HeaderValue::from_static("origin"));
    response
}
