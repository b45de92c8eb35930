//! The browser glue's integration tests, one binary, in headless Chromium
//! and Firefox (device keys need WebCrypto and IndexedDB, which Node lacks).
//!
//! The whole binary is test code, and `cfg(test)` says so to clippy: its
//! helpers get the same `allow-*-in-tests` as the tests (`clippy.toml`).
#![cfg(test)]
// The suite needs a JavaScript engine; natively there is nothing to run.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod engines;
mod keys;
mod passkey;
