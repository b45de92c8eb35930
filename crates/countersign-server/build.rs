//! Embeds the approval web app that Trunk built, when there is one, so that
//! a release binary serves its pages with no `--web-dir`.
//!
//! Which directory is embedded:
//! - `COUNTERSIGN_WEB_DIST`, when set: that directory (relative to the
//!   workspace root), which must hold an `index.html`, else the build
//!   fails; set to the empty string, nothing is embedded;
//! - otherwise, in a release build, the workspace's `dist/` if Trunk has
//!   built it;
//! - otherwise nothing, and `serve` says so when it starts. Debug builds
//!   (tests, development) embed nothing unless asked: `cargo xtask test`
//!   rebuilds `dist/`, and watching it would recompile the service and
//!   every test binary on each run; they serve the app with `--web-dir`.
//!
//! Only existing paths are watched: Cargo reruns a build script on every
//! build while a watched path is missing, so a `dist/` that appears after
//! a release build is picked up by setting `COUNTERSIGN_WEB_DIST` (a
//! changed variable reruns this script), as `deploy/Containerfile` does.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const VARIABLE: &str = "COUNTERSIGN_WEB_DIST";

fn main() -> Result<(), String> {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed={VARIABLE}");
    let manifest = std::env::var("CARGO_MANIFEST_DIR").map_err(|e| e.to_string())?;
    let root = Path::new(&manifest).join("../..");
    let out = PathBuf::from(std::env::var("OUT_DIR").map_err(|e| e.to_string())?);
    let dist = match std::env::var(VARIABLE) {
        Ok(named) if named.is_empty() => None,
        Ok(named) => {
            let dir = root.join(named);
            if !dir.join("index.html").is_file() {
                return Err(format!(
                    "{VARIABLE} names {}, which has no index.html: build the app with \
                     `trunk build --release` first, or set {VARIABLE}= to embed nothing",
                    dir.display()
                ));
            }
            Some(dir)
        }
        Err(_) => {
            let release = std::env::var("PROFILE").is_ok_and(|p| p == "release");
            let dir = root.join("dist");
            (release && dir.join("index.html").is_file()).then_some(dir)
        }
    };
    let code = match dist {
        Some(dir) => {
            println!("cargo::rerun-if-changed={}", dir.display());
            table(&dir)?
        }
        None => table_of(&[], "")?,
    };
    std::fs::write(out.join("web_assets.rs"), code).map_err(|e| e.to_string())
}

/// The table of every file directly in `dir` (Trunk writes a flat
/// directory; subdirectories are not served, as with `--web-dir`).
fn table(dir: &Path) -> Result<String, String> {
    let dir = dir
        .canonicalize()
        .map_err(|e| format!("{}: {e}", dir.display()))?;
    let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        let name = path.file_name().and_then(|n| n.to_str()).map(str::to_owned);
        if let (Some(name), true) = (name, path.is_file()) {
            files.push((name, path));
        }
    }
    // The same binary from the same files, whatever order the directory
    // lists them in.
    files.sort();
    table_of(&files, &dir.display().to_string())
}

fn table_of(files: &[(String, PathBuf)], source: &str) -> Result<String, String> {
    let mut code = String::from(
        "/// Where the embedded files were read from at build time; empty when\n\
         /// none were.\n",
    );
    writeln!(code, "pub const SOURCE: &str = {source:?};").map_err(|e| e.to_string())?;
    code.push_str(
        "/// Each embedded file: its name and its bytes.\n\
         pub static FILES: &[(&str, &[u8])] = &[\n",
    );
    for (name, path) in files {
        let path = path.display().to_string();
        writeln!(code, "    ({name:?}, include_bytes!({path:?})),").map_err(|e| e.to_string())?;
    }
    code.push_str("];\n");
    Ok(code)
}
