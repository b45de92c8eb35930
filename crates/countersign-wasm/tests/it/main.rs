//! The npm package's integration tests, one binary: the bindings as
//! JavaScript sees them, authorisations read and refused offline and, with
//! the `devices` feature, the device-key functions.
//!
//! Where a binary runs is set once for all of it. The device-key functions
//! need IndexedDB, so with `devices` (the default) the binary runs in a
//! browser; `cargo xtask test` also runs it without `devices`, in Node, so
//! the bindings are checked in both.
//!
//! The whole binary is test code, and `cfg(test)` says so to clippy: its
//! helpers get the same `allow-*-in-tests` as the tests (`clippy.toml`).
#![cfg(test)]
// The suite needs a JavaScript engine; natively there is nothing to run.
#![cfg(target_arch = "wasm32")]

#[cfg(feature = "devices")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod authorisation;
mod bindings;
#[cfg(feature = "devices")]
mod devices;
#[cfg(feature = "devices")]
mod recovery;
