//! `cargo xtask bench [--json]`: build the service, the benchmark and the web
//! app in release, start a throwaway PostgreSQL, and print the service's
//! figures on SQLite and PostgreSQL beside a bare axum ceiling (with the
//! relying party's: offline and service verifications, logout to refusal),
//! with the web app's and the npm package's wasm sizes and how soon its
//! approval page is usable, each marked against its target.

use std::process::{Command, Stdio};

use serde_json::Value;

use crate::cmd;
use crate::postgres::Postgres;

pub fn run(json: bool) -> Result<(), String> {
    let built = crate::web::build(true)?;
    let package_gz = crate::js::build(true)?;
    let mut build = cmd::cargo();
    build
        .args([
            "build",
            "--release",
            "-p",
            "countersign-server",
            "-p",
            "countersign-bench",
        ])
        .stdout(Stdio::null());
    cmd::run(&mut build)?;
    let postgres = Postgres::start_quietly(true)?;
    let target = cmd::root().join("target/release");
    let out = Command::new(target.join("countersign-bench"))
        .arg("--server-bin")
        .arg(target.join("countersign-server"))
        .args(["--postgres-url", &postgres.url, "--json"])
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run countersign-bench: {e}"))?;
    drop(postgres);
    if !out.status.success() {
        return Err(format!("countersign-bench failed ({})", out.status));
    }
    let mut figures: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("countersign-bench printed no JSON: {e}"))?;
    let interactive = approval_page_interactive_ms(&target.join("countersign-server"))?;
    if let Some(object) = figures.as_object_mut() {
        object.insert("web_wasm_gz_bytes".into(), built.wasm_gz_bytes.into());
        object.insert("approval_page_interactive_ms".into(), interactive.into());
        object.insert("js_wasm_gz_bytes".into(), package_gz.into());
    }
    if json {
        println!("{figures}");
    } else {
        print_table(&figures);
    }
    Ok(())
}

/// The median time from opening a login URL to its codes being pickable, in
/// headless Chromium on loopback, measured by the end-to-end harness.
fn approval_page_interactive_ms(server: &std::path::Path) -> Result<f64, String> {
    let root = cmd::root();
    let bin = crate::tools::ensure_npm_tools()?;
    let out = Command::new("node")
        .arg("tests/e2e/interactive.mjs")
        .current_dir(&root)
        .env("PATH", crate::tools::path_with(&bin))
        .env("COUNTERSIGN_SERVER_BIN", server)
        .env("COUNTERSIGN_WEB_DIR", root.join("dist"))
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run node: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "measuring the approval page failed ({})",
            out.status
        ));
    }
    let value: Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("the approval page measure printed no JSON: {e}"))?;
    value
        .get("approval_page_interactive_ms")
        .and_then(Value::as_f64)
        .ok_or_else(|| "no approval_page_interactive_ms".into())
}

/// The goals for the gzipped wasm (the test gates in `web.rs` and `js.rs`
/// are looser: they stop regressions, these are the goal).
const WEB_WASM_GZ_GOAL: f64 = 200_000.0;
const JS_WASM_GZ_GOAL: f64 = 100_000.0;
/// How soon the approval page must be usable, in milliseconds.
const APPROVAL_PAGE_GOAL_MS: f64 = 500.0;

/// The bench's own table (every row of the service's figures and the
/// races, each marked against its target), then the rows measured here.
fn print_table(figures: &Value) {
    match figures.get("table").and_then(Value::as_str) {
        Some(table) => print!("{table}"),
        None => println!("(countersign-bench printed no table)"),
    }
    println!("\nbuilt here");
    let rows = [
        (
            "web app wasm gzipped (B)",
            "/web_wasm_gz_bytes",
            WEB_WASM_GZ_GOAL,
        ),
        ("npm wasm gzipped (B)", "/js_wasm_gz_bytes", JS_WASM_GZ_GOAL),
    ];
    for (label, path, goal) in rows {
        let cell = figures
            .pointer(path)
            .and_then(Value::as_f64)
            .map_or_else(|| "-".to_owned(), |n| marked(n, 0, n <= goal));
        println!("{label:<26}{cell:<32}<= {goal:.0}");
    }
    let page = figures
        .pointer("/approval_page_interactive_ms")
        .and_then(Value::as_f64)
        .map_or_else(
            || "-".to_owned(),
            |ms| marked(ms, 1, ms < APPROVAL_PAGE_GOAL_MS),
        );
    println!(
        "{:<26}{page:<32}< {APPROVAL_PAGE_GOAL_MS:.0}",
        "approval page usable (ms)"
    );
}

/// `value` with `decimals`, marked `ok` or `MISS`.
fn marked(value: f64, decimals: usize, met: bool) -> String {
    format!("{value:.decimals$} {}", if met { "ok" } else { "MISS" })
}
