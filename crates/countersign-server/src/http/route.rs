//! The API's routes as data: a method and a path each, with the handler
//! behind them. `http::ROUTES` lists them and `http::router` serves exactly
//! that list, so the tests and the OpenAPI document are checked against the
//! routes themselves.

use std::fmt;

use axum::routing::{MethodFilter, MethodRouter};

use crate::state::Shared;

/// The HTTP methods the API serves. `GET` routes also answer `HEAD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verb {
    /// `GET`: reads.
    Get,
    /// `POST`: everything that sends a body.
    Post,
}

impl Verb {
    /// The method in lower case, as OpenAPI writes it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Get => "get",
            Self::Post => "post",
        }
    }

    /// The method as axum's router matches it.
    const fn filter(self) -> MethodFilter {
        match self {
            Self::Get => MethodFilter::GET,
            Self::Post => MethodFilter::POST,
        }
    }
}

/// Makes the method router for one handler, on the method it is given.
type Endpoint = fn(MethodFilter) -> MethodRouter<Shared>;

/// One route: a method on a path (axum's syntax, `{name}` for a segment),
/// and the handler that answers it.
#[derive(Clone, Copy)]
pub struct Route {
    /// The method.
    pub verb: Verb,
    /// The path, as the router matches it and the OpenAPI document lists it.
    pub path: &'static str,
    endpoint: Endpoint,
}

impl Route {
    /// A route for `verb` on `path`, answered by what `endpoint` makes.
    pub(crate) const fn new(verb: Verb, path: &'static str, endpoint: Endpoint) -> Self {
        Self {
            verb,
            path,
            endpoint,
        }
    }

    /// The handler on this route's method, for the router.
    pub(crate) fn method_router(&self) -> MethodRouter<Shared> {
        (self.endpoint)(self.verb.filter())
    }
}

impl fmt::Debug for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.verb.as_str().to_uppercase(), self.path)
    }
}
