//! The countersign service: an HTTP JSON API over a store, thin around
//! `countersign-core`, which makes and checks every signed byte.

pub mod account_routes;
pub mod account_view;
pub mod accounts;
pub mod admin;
pub mod app;
pub mod authorisations;
pub mod cache;
pub mod clock;
pub mod cors;
pub mod disabled;
pub mod error;
pub mod health;
pub mod http;
pub mod metrics;
pub mod notify;
pub mod passkeys;
pub mod ratelimit;
pub mod recovery;
pub mod retention;
pub mod routes;
pub mod serve;
pub mod sessions;
pub mod sqlite_watch;
pub mod store;
pub mod waiters;
pub mod web;
