//! The tools the checks need, installed when missing: the wasm32 target, the
//! wasm-bindgen CLI at exactly the version in `Cargo.lock`, and Chromium with
//! its driver. Each step looks first and installs only what is missing or
//! different, so a machine that already has them skips straight on.

use std::path::PathBuf;
use std::process::Command;

use crate::cmd;

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// Adds the wasm32 target and the fmt and clippy components if missing.
pub fn ensure_rust_parts() -> Result<(), String> {
    let installed = cmd::output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|line| line.trim() == WASM_TARGET) {
        cmd::run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    let components =
        cmd::output("rustup", &["component", "list", "--installed"]).unwrap_or_default();
    for component in ["rustfmt", "clippy"] {
        if !components.lines().any(|line| line.starts_with(component)) {
            cmd::run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

/// The version of a package in `Cargo.lock`.
pub fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(cmd::root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let wanted = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let version = lines
                .next()
                .and_then(|l| l.trim().strip_prefix("version = \""))
                .and_then(|v| v.strip_suffix('"'));
            if let Some(version) = version {
                return Ok(version.to_owned());
            }
        }
    }
    Err(format!("{package} is not in Cargo.lock"))
}

/// A program installed by `cargo install`.
pub fn cargo_bin(program: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from(".cargo"));
    home.join("bin").join(program)
}

/// Installs `wasm-bindgen-cli` at the version of `wasm-bindgen` in
/// `Cargo.lock` unless it is already there; returns the test runner's path.
pub fn ensure_wasm_bindgen() -> Result<PathBuf, String> {
    let version = locked_version("wasm-bindgen")?;
    let cli = cargo_bin("wasm-bindgen");
    let have = cmd::output(&cli.to_string_lossy(), &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(version.as_str()) {
        // Not `--locked`: one of the CLI's locked dependencies is gone from
        // the registry, so a locked install fails.
        cmd::run(cmd::cargo().args(["install", "wasm-bindgen-cli", "--version", &version]))?;
    }
    let runner = cargo_bin("wasm-bindgen-test-runner");
    if runner.is_file() {
        Ok(runner)
    } else {
        Err(format!(
            "{} is missing after installing wasm-bindgen-cli",
            runner.display()
        ))
    }
}

/// Whether this runs as root (and so may install Debian packages).
pub fn is_root() -> bool {
    cmd::output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

/// Finds Chromium's WebDriver, installing Chromium and ChromeDriver from
/// Debian when running as root.
pub fn ensure_chromedriver() -> Result<PathBuf, String> {
    let find = || cmd::which("chromedriver").filter(|_| cmd::which("chromium").is_some());
    if let Some(driver) = find() {
        return Ok(driver);
    }
    if !is_root() {
        return Err(
            "headless Chromium is needed for the browser tests: install the Debian \
                    packages `chromium` and `chromium-driver` (or put `chromium` and \
                    `chromedriver` on PATH), then run again"
                .into(),
        );
    }
    cmd::run(Command::new("apt-get").arg("update"))?;
    cmd::run(
        Command::new("apt-get")
            .args([
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "chromium-driver",
            ])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    find().ok_or_else(|| "chromium-driver was installed but chromedriver is not on PATH".into())
}

/// Checks that Node.js is there for the wasm tests that run in Node.
pub fn ensure_node() -> Result<(), String> {
    match cmd::output("node", &["--version"]) {
        Some(_) => Ok(()),
        None => {
            Err("Node.js is needed for the wasm tests in Node: install it (Debian: nodejs)".into())
        }
    }
}

/// The Trunk release that fits this toolchain (0.22 needs a newer rustc).
const TRUNK_VERSION: &str = "0.21.14";

/// Installs Trunk at the pinned version unless it is already there.
pub fn ensure_trunk() -> Result<PathBuf, String> {
    let trunk = cargo_bin("trunk");
    let have = cmd::output(&trunk.to_string_lossy(), &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) != Some(TRUNK_VERSION) {
        // A full release build of Trunk takes ~11 minutes on two cores; without
        // LTO and with more codegen units it is a few minutes shorter.
        cmd::run(
            cmd::cargo()
                .args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"])
                .env("CARGO_PROFILE_RELEASE_LTO", "off")
                .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        )?;
    }
    Ok(trunk)
}

/// Installs the npm tools of the root `package.json` (wasm-opt for Trunk,
/// the browser test drivers) unless every one is there at its version.
pub fn ensure_npm_tools() -> Result<PathBuf, String> {
    let root = cmd::root();
    let manifest = std::fs::read_to_string(root.join("package.json"))
        .map_err(|e| format!("cannot read package.json: {e}"))?;
    let manifest: serde_json::Value =
        serde_json::from_str(&manifest).map_err(|e| format!("package.json: {e}"))?;
    let wanted: Vec<(String, String)> = manifest
        .get("devDependencies")
        .and_then(serde_json::Value::as_object)
        .into_iter()
        .flatten()
        .filter_map(|(name, version)| Some((name.clone(), version.as_str()?.to_owned())))
        .collect();
    let installed = |name: &str, version: &str| {
        std::fs::read_to_string(root.join("node_modules").join(name).join("package.json"))
            .is_ok_and(|text| text.contains(&format!("\"version\": \"{version}\"")))
    };
    if wanted.is_empty() || !wanted.iter().all(|(n, v)| installed(n, v)) {
        cmd::run(
            std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&root),
        )?;
    }
    Ok(root.join("node_modules").join(".bin"))
}

/// `PATH` with `dir` in front.
pub fn path_with(dir: &std::path::Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).unwrap_or_default()
}
