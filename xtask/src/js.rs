//! The npm package built from `crates/countersign-wasm` into `pkg/`, and the
//! `www/` example staged beside the web app.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use crate::{cmd, tools};

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

/// Type-checks the sample consumer against the package's declarations, and
/// checks that the declarations refuse a misspelt error code.
pub fn typecheck() -> Result<(), String> {
    let root = cmd::root();
    let path = tool_path()?;
    cmd::run(
        Command::new("tsc")
            .args(["-p", "tests/js"])
            .current_dir(&root)
            .env("PATH", &path),
    )?;
    refuses_misspelt_code(
        Command::new("tsc")
            .args(["-p", MISSPELT_CONFIG])
            .current_dir(&root)
            .env("PATH", &path),
    )
}

/// The consumer that compares `error.code` with a misspelt code, and its
/// project.
const MISSPELT_CONFIG: &str = "tests/js/tsconfig.misspelt.json";

/// Runs tsc on the misspelt consumer, which must fail with exactly one
/// error: the comparison with the misspelt code. If `CountersignError.code`
/// were a plain `string`, tsc would accept the file and this would fail.
fn refuses_misspelt_code(command: &mut Command) -> Result<(), String> {
    eprintln!("$ tsc -p {MISSPELT_CONFIG} (must refuse the misspelt code)");
    let output = command
        .output()
        .map_err(|e| format!("could not start tsc: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let errors: Vec<&str> = text.lines().filter(|l| l.contains("error TS")).collect();
    let expected = |line: &&str| {
        line.contains("misspelt.ts") && line.contains("TS2367") && line.contains("\"wrong_cod\"")
    };
    if output.status.success() {
        Err(format!(
            "tsc accepted {MISSPELT_CONFIG}: CountersignError.code is not typed with the ErrorCode union"
        ))
    } else if errors.len() == 1 && errors.iter().all(expected) {
        Ok(())
    } else {
        Err(format!(
            "tsc should refuse {MISSPELT_CONFIG} only for comparing a code with \"wrong_cod\" (TS2367), but said:\n{text}"
        ))
    }
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
