//! Builds the approval web app with Trunk into `dist/` and reports its size.

use std::io::Write as _;

use crate::{cmd, tools};

/// What the build made.
pub struct Built {
    /// The wasm module's size gzipped (level 9), as served compressed.
    pub wasm_gz_bytes: u64,
}

/// Installs Trunk and wasm-opt if missing, then builds `dist/` in release.
pub fn build(quiet: bool) -> Result<Built, String> {
    let trunk = tools::ensure_trunk()?;
    let bin = tools::ensure_npm_tools()?;
    let mut command = std::process::Command::new(trunk);
    command
        .args(["build", "--release"])
        .current_dir(cmd::root())
        .env("PATH", tools::path_with(&bin));
    if quiet {
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
    }
    cmd::run(&mut command)?;
    let dist = cmd::root().join("dist");
    let wasm = std::fs::read_dir(&dist)
        .map_err(|e| format!("cannot read {}: {e}", dist.display()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "wasm"))
        .ok_or("the build wrote no .wasm")?;
    let wasm_bytes = std::fs::metadata(&wasm).map_err(|e| e.to_string())?.len();
    let gz = std::process::Command::new("gzip")
        .args(["-9", "-c"])
        .arg(&wasm)
        .output()
        .map_err(|e| format!("cannot run gzip: {e}"))?;
    let wasm_gz_bytes = u64::try_from(gz.stdout.len()).unwrap_or(u64::MAX);
    let line = format!(
        "web app wasm: {wasm_bytes} bytes, {wasm_gz_bytes} bytes gzipped (gate {})",
        crate::sizes::WEB_APP.limit()
    );
    if quiet {
        eprintln!("{line}");
    } else {
        let _ = writeln!(std::io::stdout(), "{line}");
    }
    Ok(Built { wasm_gz_bytes })
}
