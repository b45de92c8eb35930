//! The headers on every answer: CORS for the origins the operator allows
//! (`cors`), and those that make answers hard to misuse.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::Shared;

/// CORS for the origins the operator allows (`cors`), and headers that
/// make every answer hard to misuse: no framing, no referrer, no sniffing,
/// a CSP that allows this origin's scripts and wasm only, and HSTS when the
/// service is public over https. One middleware for both: each layer costs
/// every request in flight a boxed future, and 10,000 long polls hold
/// 10,000 of each.
pub(super) async fn answer_headers(
    State(state): State<Shared>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = super::cors::cors(&state, request, next).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(state.web.csp()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let set = |headers: &mut HeaderMap, name, value| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Served as https (behind whatever terminates TLS): browsers are to
    // come back only over TLS for a year.
    if state.config.public_url.starts_with("https://") {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000",
        );
    }
    // The app's hashed files say how long they keep; everything else is fresh.
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}
