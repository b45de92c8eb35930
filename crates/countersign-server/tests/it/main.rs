//! The service's integration tests, one binary: the behaviour suite through
//! the router (each test once per backend), the real binary, several
//! instances on one database, and the OpenAPI document.
//!
//! The whole binary is test code, and `cfg(test)` says so to clippy: its
//! helpers get the same `allow-*-in-tests` as the tests (`clippy.toml`).
#![cfg(test)]

mod common;

mod binary;
mod cors;
mod flow;
mod instances;
mod openapi;
mod refusals;
