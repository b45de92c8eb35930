//! The service's runtime pieces, each a data structure of its own that
//! knows nothing of requests: the session cache, long-poll waiters, rate
//! limiters, metrics counters, whether the PostgreSQL listener listens, and
//! the web app being served. `state::AppState` holds one of each; the
//! operations above use them through it.

pub mod cache;
pub mod listening;
pub mod metrics;
pub mod ratelimit;
pub mod waiters;
pub mod web;
