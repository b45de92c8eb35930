//! The core's tests, in one binary. The same tests run natively, in Node
//! and in headless Chromium: in every module `#[test]` is
//! `wasm_bindgen_test` on wasm32. Shared fixtures are in `common`.
//!
//! The whole binary is test code, and `cfg(test)` says so to clippy: its
//! helpers get the same `allow-*-in-tests` as the tests (`clippy.toml`),
//! since a panic in either is a failed test, which is what we want.
#![cfg(test)]

mod common;

mod api_bodies;
mod api_codes;
mod audit_vocabulary;
mod authorisation;
mod client_codes;
mod decision;
mod fields;
mod json;
mod lifetime;
mod links;
mod load;
mod matching;
mod polling;
mod short_uid;
mod statement_format;
mod statements;
mod transitions;
mod wait;
mod watch;
mod wire_forms;
