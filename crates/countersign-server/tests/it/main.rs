//! The service's integration tests, one binary: the behaviour suite through
//! the router (each test once per backend, on a manual clock: expiry, the
//! sweeper, login lifetimes, cancels, the revocation cascade, verifying
//! authorisations, short-id redraws, metrics among them), an upgrade of an
//! older database, the real binary, several instances on one database, and
//! the OpenAPI document.
//!
//! The whole binary is test code, and `cfg(test)` says so to clippy: its
//! helpers get the same `allow-*-in-tests` as the tests (`clippy.toml`).
#![cfg(test)]

mod common;

mod admin;
mod admin_backup;
mod admin_pipe;
mod admin_sessions;
mod admin_users;
mod audit_fields;
mod audit_upgrade;
mod authenticator;
mod binary;
mod bounds;
mod cancel;
mod cascade;
mod cors;
mod crash;
mod enrollment_tokens;
mod expiry;
mod flood;
mod flow;
mod forwarded;
mod health;
mod heartbeat;
mod instances;
mod lifetime;
mod limits;
mod matching;
mod metrics;
mod metrics_gauges;
mod metrics_listener;
mod metrics_refusals;
mod openapi;
mod passkeys;
mod process;
mod recovery;
mod refusals;
mod reported;
mod retention;
mod review;
mod revoked_signer;
mod serving;
mod short_uids;
mod single_use;
mod sqlite_watch;
mod stale;
mod statement_format;
mod tls;
mod upgrade;
mod verify;
mod web_app;
