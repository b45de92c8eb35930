//! The npm package built from `crates/countersign-wasm` into `pkg/`, and the
//! `www/` example staged beside the web app.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{cmd, tools};

/// The size target for the package's wasm, gzipped.
pub const WASM_GZ_TARGET: u64 = 120 * 1024;

/// `PATH` with the wasm-bindgen CLI (cargo's bin) and wasm-opt (npm) first.
fn tool_path() -> Result<std::ffi::OsString, String> {
    let npm_bin = tools::ensure_npm_tools()?;
    let runner = tools::ensure_wasm_bindgen()?;
    let cargo_bin = runner.parent().map(PathBuf::from).unwrap_or_default();
    let path = tools::path_with(&npm_bin);
    let mut paths = vec![cargo_bin];
    paths.extend(std::env::split_paths(&path));
    std::env::join_paths(paths).map_err(|e| e.to_string())
}

/// Builds `pkg/` and returns its wasm's size gzipped.
pub fn build(quiet: bool) -> Result<u64, String> {
    let root = cmd::root();
    let mut command = Command::new(root.join("crates/countersign-wasm/build.sh"));
    command.current_dir(&root).env("PATH", tool_path()?);
    if quiet {
        command.stdout(Stdio::null());
    }
    cmd::run(&mut command)?;
    let wasm = root.join("pkg/web/countersign_wasm_bg.wasm");
    let gz = Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    Ok(u64::try_from(gz.stdout.len()).unwrap_or(u64::MAX))
}

/// Type-checks the sample consumer against the package's declarations.
pub fn typecheck() -> Result<(), String> {
    let root = cmd::root();
    cmd::run(
        Command::new("tsc")
            .args(["-p", "tests/js"])
            .current_dir(&root)
            .env("PATH", tool_path()?),
    )
}

/// Puts the app (`dist/`) and the `www/` example with the package into one
/// directory for `--web-dir`, and returns it.
pub fn stage() -> Result<PathBuf, String> {
    let root = cmd::root();
    let dest = root.join("target/www-web");
    cmd::run(
        Command::new(root.join("crates/countersign-wasm/stage-www.sh"))
            .arg(&dest)
            .current_dir(&root),
    )?;
    Ok(dest)
}
