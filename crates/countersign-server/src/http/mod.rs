//! The HTTP JSON API, the top of the service's library: [`ROUTES`], every
//! method and path with its handler, and the router that serves exactly
//! those. Handlers are grouped by resource (`sessions`, `accounts`,
//! `passkeys`, `authorisations`, and `operator` for the service's own
//! pages); they only translate between HTTP and the operations (`ops`).
//! `extract` holds the extractors every handler starts with, `headers` the
//! answer headers (with `cors`), `route` the route type.

use axum::routing::on;
use axum::{Router, middleware};
use countersign_core::api::paths;

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
use route::Method::{Get, Post};
use route::Route;

/// Every route of the API (core's `api::paths` table, whose paths these
/// name; a test holds the two to each other), and of the service's own
/// pages: `router()` serves exactly these (anything else goes to the web
/// app or is not found).
pub const ROUTES: &[Route] = &[
    Route::new(Get, "/", |m| on(m, operator::home)),
    Route::new(Get, "/healthz", |m| on(m, operator::healthz)),
    Route::new(Get, "/metrics", |m| on(m, operator::metrics)),
    Route::new(Get, "/openapi.json", |m| on(m, operator::openapi)),
    Route::new(Post, paths::SESSIONS, |m| on(m, sessions::request)),
    Route::new(Get, paths::SESSIONS, |m| on(m, sessions::by_short_uid)),
    Route::new(Get, paths::SESSION, |m| on(m, sessions::read)),
    Route::new(Get, paths::SESSION_WAIT, |m| on(m, sessions::wait)),
    Route::new(Post, paths::SESSION_STATEMENTS, |m| on(m, sessions::act)),
    Route::new(Get, paths::APPROVAL, |m| on(m, sessions::approval)),
    Route::new(Post, paths::VERIFY_AUTHORISATION, |m| {
        on(m, authorisations::verify)
    }),
    Route::new(Post, paths::ENROLLMENTS, |m| on(m, accounts::invite)),
    Route::new(Post, paths::ENROLLMENT_LOOKUP, |m| {
        on(m, accounts::enrollment)
    }),
    Route::new(Post, paths::ENROLLMENT_REDEEM, |m| on(m, accounts::enroll)),
    Route::new(Post, paths::DEVICES, |m| on(m, accounts::enroll_by_device)),
    Route::new(Post, paths::DEVICE_REVOKE, |m| on(m, accounts::revoke)),
    Route::new(Post, paths::ACCOUNT, |m| on(m, accounts::account)),
    Route::new(Post, paths::ACCOUNT_AUDIT, |m| on(m, accounts::audit)),
    Route::new(Post, paths::REVOCATION_CANCEL, |m| {
        on(m, accounts::cancel_revocation)
    }),
    Route::new(Post, paths::ENROLLMENT_CANCEL, |m| {
        on(m, accounts::cancel_invite)
    }),
    Route::new(Post, paths::PASSKEY_OPTIONS, |m| on(m, passkeys::options)),
    Route::new(Post, paths::PASSKEYS, |m| on(m, passkeys::register)),
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
