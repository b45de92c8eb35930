//! The countersign service: an HTTP JSON API over a store, thin around
//! `countersign-core`, which makes and checks every signed byte.
//!
//! In layers, each importing only those below it (ARCHITECTURE.md says
//! what each holds): `serve` and `admin` on top, then `http`, then `ops`
//! (what the service does), then `state`, then `runtime` (cache, waiters,
//! rate limits, metrics), then `error`, then `store`, then `config` and
//! `clock` at the bottom.

pub mod admin;
pub mod clock;
pub mod config;
pub mod error;
pub mod http;
pub mod ops;
pub mod runtime;
pub mod serve;
pub mod state;
pub mod store;
