//! The HTTP JSON API, the top of the service's library: [`ROUTES`], every
//! method and path with its handler, and the router that serves exactly
//! those. Handlers are grouped by resource (`sessions`, `accounts`,
//! `passkeys`, `authorisations`, and `operator` for the service's own
//! pages); they only translate between HTTP and the operations (`ops`).
//! `extract` holds the extractors every handler starts with, `headers` the
//! answer headers (with `cors`), `route` the route type.

use axum::routing::on;
use axum::{Router, middleware};

use crate::state::Shared;

pub mod accounts;
pub mod authorisations;
mod cors;
pub mod extract;
mod headers;
pub mod operator;
pub mod passkeys;
pub mod route;
pub mod sessions;

pub use extract::MAX_BODY_BYTES;
pub use operator::{OPENAPI, metrics_router};
use route::{Route, Verb};

/// Every route of the API, and of the service's own pages: `router()`
/// serves exactly these (anything else goes to the web app or is not found).
pub const ROUTES: &[Route] = &[
    Route::new(Verb::Get, "/", |m| on(m, operator::home)),
    Route::new(Verb::Get, "/healthz", |m| on(m, operator::healthz)),
    Route::new(Verb::Get, "/metrics", |m| on(m, operator::metrics)),
    Route::new(Verb::Get, "/openapi.json", |m| on(m, operator::openapi)),
    Route::new(Verb::Post, "/api/sessions", |m| on(m, sessions::request)),
    Route::new(Verb::Get, "/api/sessions", |m| {
        on(m, sessions::by_short_uid)
    }),
    Route::new(Verb::Get, "/api/sessions/{uid}", |m| on(m, sessions::read)),
    Route::new(Verb::Get, "/api/sessions/{uid}/wait", |m| {
        on(m, sessions::wait)
    }),
    Route::new(Verb::Post, "/api/sessions/{uid}/statements", |m| {
        on(m, sessions::act)
    }),
    Route::new(Verb::Get, "/api/approvals/{short_uid}", |m| {
        on(m, sessions::approval)
    }),
    Route::new(Verb::Post, "/api/authorisations/verify", |m| {
        on(m, authorisations::verify)
    }),
    Route::new(Verb::Post, "/api/enrollments", |m| on(m, accounts::invite)),
    Route::new(Verb::Post, "/api/enrollments/lookup", |m| {
        on(m, accounts::enrollment)
    }),
    Route::new(Verb::Post, "/api/enrollments/redeem", |m| {
        on(m, accounts::enroll)
    }),
    Route::new(Verb::Post, "/api/devices", |m| {
        on(m, accounts::enroll_by_device)
    }),
    Route::new(Verb::Post, "/api/devices/revoke", |m| {
        on(m, accounts::revoke)
    }),
    Route::new(Verb::Post, "/api/account", |m| on(m, accounts::account)),
    Route::new(Verb::Post, "/api/account/audit", |m| on(m, accounts::audit)),
    Route::new(Verb::Post, "/api/devices/revocations/cancel", |m| {
        on(m, accounts::cancel_revocation)
    }),
    Route::new(Verb::Post, "/api/enrollments/cancel", |m| {
        on(m, accounts::cancel_invite)
    }),
    Route::new(Verb::Post, "/api/passkeys/options", |m| {
        on(m, passkeys::options)
    }),
    Route::new(Verb::Post, "/api/passkeys", |m| on(m, passkeys::register)),
];

/// The service's router: [`ROUTES`], the web app for everything else, and
/// the layers every answer goes through.
pub fn router(state: Shared) -> Router {
    ROUTES
        .iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.method_router())
        })
        .fallback(operator::web_app)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::answer_headers,
        ))
        .with_state(state)
}
