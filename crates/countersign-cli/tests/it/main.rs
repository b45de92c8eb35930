//! The command line's integration tests, one binary: the real `countersign`
//! binary against a real service on 127.0.0.1 (or a fake one, for what a
//! real service does not do on demand), in a private home directory.
//!
//! The whole binary is test code, and `cfg(test)` says so to clippy: its
//! helpers get the same `allow-*-in-tests` as the tests (`clippy.toml`).
#![cfg(test)]

mod common;

mod cancel;
mod code_prompt;
mod decisions;
mod enroll;
mod flow;
mod logout;
mod network;
mod plain_http;
mod requester_text;
mod service_text;
mod sign;
