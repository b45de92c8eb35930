//! The API's routes as data: a method and a path each, with the handler
//! behind them. `http::ROUTES` lists them and `http::router` serves exactly
//! that list, so the tests and the OpenAPI document are checked against the
//! routes themselves.

use std::fmt;

use axum::routing::{MethodFilter, MethodRouter};
pub use countersign_core::api::paths::Method;

use crate::state::Shared;

/// The method as axum's router matches it (`GET` routes also answer
/// `HEAD`).
const fn filter(method: Method) -> MethodFilter {
    match method {
        Method::Get => MethodFilter::GET,
        Method::Post => MethodFilter::POST,
    }
}

/// Makes the method router for one handler, on the method it is given.
type Endpoint = fn(MethodFilter) -> MethodRouter<Shared>;

/// One route: a method on a path (axum's syntax, `{name}` for a segment),
/// and the handler that answers it.
#[derive(Clone, Copy)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path, as the router matches it and the OpenAPI document lists it.
    pub path: &'static str,
    endpoint: Endpoint,
}

impl Route {
    /// A route for `method` on `path`, answered by what `endpoint` makes.
    pub(crate) const fn new(method: Method, path: &'static str, endpoint: Endpoint) -> Self {
        Self {
            method,
            path,
            endpoint,
        }
    }

    /// The handler on this route's method, for the router.
    pub(crate) fn method_router(&self) -> MethodRouter<Shared> {
        (self.endpoint)(filter(self.method))
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}
