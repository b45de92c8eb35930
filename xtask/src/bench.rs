//! `cargo xtask bench [--json]`: build the service and the benchmark in
//! release, start a throwaway PostgreSQL, and print the figures for SQLite
//! and PostgreSQL side by side with a bare axum ceiling.

use std::process::Command;

use crate::cmd;
use crate::postgres::Postgres;

pub fn run(json: bool) -> Result<(), String> {
    // In JSON mode stdout carries the one object and nothing else.
    let mut build = cmd::cargo();
    build.args([
        "build",
        "--release",
        "-p",
        "countersign-server",
        "-p",
        "countersign-bench",
    ]);
    if json {
        build.stdout(std::process::Stdio::null());
    }
    run_quietly(&mut build, json)?;
    let postgres = Postgres::start_quietly(json)?;
    let target = cmd::root().join("target/release");
    let mut bench = Command::new(target.join("countersign-bench"));
    bench
        .arg("--server-bin")
        .arg(target.join("countersign-server"))
        .args(["--postgres-url", &postgres.url]);
    if json {
        bench.arg("--json");
    }
    let outcome = run_quietly(&mut bench, json);
    drop(postgres);
    outcome
}

fn run_quietly(command: &mut Command, quiet: bool) -> Result<(), String> {
    if quiet {
        let status = command.status().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{command:?} failed ({status})"))
        }
    } else {
        cmd::run(command)
    }
}
