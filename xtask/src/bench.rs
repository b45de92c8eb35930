//! `cargo xtask bench [--json]`: build the service, the benchmark and the web
//! app in release, start a throwaway PostgreSQL, and print the service's
//! figures on SQLite and PostgreSQL beside a bare axum ceiling (with the
//! relying party's: offline and service verifications, logout to refusal),
//! with the web app's wasm size and how soon its approval page is usable.

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

fn print_table(figures: &Value) {
    let at = |path: &str| figures.pointer(path).and_then(Value::as_f64);
    let number = |path: &str| at(path).map_or_else(|| "-".to_owned(), |n| format!("{n:.1}"));
    let ceiling = at("/ceiling_per_s").unwrap_or(0.0);
    println!(
        "{:<28} {:>12} {:>12}   target",
        "figure", "sqlite", "postgres"
    );
    let rows: [(&str, &str, String); 10] = [
        ("session requests /s", "create_per_s", String::new()),
        (
            "status reads /s",
            "status_per_s",
            format!(">= {:.0} (half the ceiling)", ceiling / 2.0),
        ),
        ("approvals /s", "approve_per_s", String::new()),
        ("release p50 (ms)", "release_p50_ms", String::new()),
        ("release p99 (ms)", "release_p99_ms", "< 10".into()),
        (
            "10k waiters RSS (MB)",
            "waiters_10k_rss_mb",
            "<= 200".into(),
        ),
        ("service verifies /s", "verify_service_per_s", String::new()),
        (
            "service verifies once /s",
            "verify_service_once_per_s",
            String::new(),
        ),
        (
            "logout->refusal p50 (ms)",
            "logout_to_refusal_p50_ms",
            String::new(),
        ),
        (
            "logout->refusal p99 (ms)",
            "logout_to_refusal_p99_ms",
            "< 1000".into(),
        ),
    ];
    for (label, key, target) in rows {
        println!(
            "{label:<28} {:>12} {:>12}   {target}",
            number(&format!("/sqlite/{key}")),
            number(&format!("/postgres/{key}"))
        );
    }
    println!(
        "{:<28} {:>12}",
        "bare axum ceiling /s",
        number("/ceiling_per_s")
    );
    println!(
        "{:<28} {:>12}   >= 14000 (70 % of 20,000)",
        "offline verifies /s/core",
        number("/verify_offline_per_s")
    );
    println!(
        "{:<28} {:>12}   < {}",
        "web app wasm gzipped (bytes)",
        number("/web_wasm_gz_bytes"),
        crate::web::WASM_GZ_TARGET
    );
    println!(
        "{:<28} {:>12}   < {}",
        "npm package wasm gzipped",
        number("/js_wasm_gz_bytes"),
        crate::js::WASM_GZ_TARGET
    );
    println!(
        "{:<28} {:>12}   < 500",
        "approval page usable (ms)",
        number("/approval_page_interactive_ms")
    );
}
