//! `cargo xtask test`: every check, in the order that fails fastest.

use std::time::Instant;

use crate::cmd::{self, Counts};
use crate::tools;

/// The crates that build for wasm32; the server does not (and must not be
/// named in a wasm32 command: its dependencies do not build there).
const WASM_CRATES: &[&str] = &[
    "countersign-core",
    "countersign-browser",
    "countersign-web",
    "countersign-wasm",
];
/// The wasm crates whose tests also run in Node (the browser glue needs
/// IndexedDB, which Node lacks). They run there without their default
/// features: the npm package's `devices` needs IndexedDB too, and its test
/// binary runs in a browser when the feature is on.
const NODE_CRATES: &[&str] = &["countersign-core", "countersign-wasm"];

pub struct Options {
    /// Skip the wasm suites, for a quick native loop.
    pub quick: bool,
}

enum Outcome {
    Passed(Counts),
    Checked,
    /// A build, with its wasm size gzipped.
    Size(u64),
    /// The npm package's build, with its wasm size gzipped.
    PackageSize(u64),
    Skipped(&'static str),
}

/// The instant the run starts, to report how long it took.
#[allow(clippy::disallowed_methods, reason = "the xtask's one clock")]
fn stopwatch() -> Instant {
    Instant::now()
}

pub fn run(options: Options) -> Result<(), String> {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if options.quick && in_ci {
        return Err("--quick skips suites, and nothing is skipped in CI".into());
    }
    let started = stopwatch();
    let mut report: Vec<(&str, Outcome)> = Vec::new();

    tools::ensure_rust_parts()?;
    cmd::run(cmd::cargo().args(["fmt", "--all", "--check"]))?;
    report.push(("fmt", Outcome::Checked));
    crate::tidy::run()?;
    report.push(("tidy", Outcome::Checked));

    cmd::run(cmd::cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    report.push(("clippy native", Outcome::Checked));
    let mut wasm_clippy = cmd::cargo();
    wasm_clippy.args(["clippy", "--all-targets", "--target", tools::WASM_TARGET]);
    for krate in WASM_CRATES {
        wasm_clippy.args(["-p", krate]);
    }
    cmd::run(wasm_clippy.args(["--", "-D", "warnings"]))?;
    report.push(("clippy wasm32", Outcome::Checked));

    // The PostgreSQL suite runs against a real server started here.
    let postgres = crate::postgres::Postgres::start()?;
    let native = cmd::run_tests(
        cmd::cargo()
            .args(["test", "--workspace"])
            .env("COUNTERSIGN_TEST_POSTGRES_URL", &postgres.url),
    )?;
    drop(postgres);
    report.push(("native tests", Outcome::Passed(native)));

    if options.quick {
        report.push(("wasm tests in Node", Outcome::Skipped("--quick")));
        report.push((
            "wasm tests in headless Chromium",
            Outcome::Skipped("--quick"),
        ));
        report.push((
            "wasm tests in headless Firefox",
            Outcome::Skipped("--quick"),
        ));
    } else {
        let runner = tools::ensure_wasm_bindgen()?;
        tools::ensure_node()?;
        let driver = tools::ensure_chromedriver()?;
        let firefox = crate::firefox::Firefox::ensure()?;
        let wasm_tests = |crates: &[&str]| {
            let mut command = cmd::cargo();
            // A test binary that needs a browser (IndexedDB) says so itself
            // and uses the driver whatever the run.
            command
                .args(["test", "--target", tools::WASM_TARGET])
                .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", &runner)
                .env("CHROMEDRIVER", &driver);
            crate::firefox::not_firefox(&mut command);
            for krate in crates {
                command.args(["-p", krate]);
            }
            command
        };
        let node = cmd::run_tests(wasm_tests(NODE_CRATES).arg("--no-default-features"))?;
        report.push(("wasm tests in Node", Outcome::Passed(node)));
        let chromium =
            cmd::run_tests(wasm_tests(WASM_CRATES).env("WASM_BINDGEN_USE_BROWSER", "1"))?;
        report.push(("wasm tests in headless Chromium", Outcome::Passed(chromium)));
        // The same suites in the second engine: the test binaries are built
        // already, so this costs only the runs.
        let in_firefox = cmd::run_tests(
            firefox.drive(wasm_tests(WASM_CRATES).env("WASM_BINDGEN_USE_BROWSER", "1")),
        )?;
        report.push((
            "wasm tests in headless Firefox",
            Outcome::Passed(in_firefox),
        ));

        let built = crate::web::build(false)?;
        crate::sizes::WEB_APP.check(built.wasm_gz_bytes)?;
        report.push(("web app build", Outcome::Size(built.wasm_gz_bytes)));
        cmd::run(cmd::cargo().args(["build", "-p", "countersign-server"]))?;
        // Before the end-to-end tests: they run the example relying party,
        // which verifies with the package.
        let package = crate::js::build(false)?;
        crate::sizes::PACKAGE.check(package)?;
        report.push(("npm package build", Outcome::PackageSize(package)));
        let root = cmd::root();
        let e2e = cmd::run_tests(
            std::process::Command::new("node")
                .args([
                    "--test",
                    "--test-reporter=tap",
                    "--test-concurrency=1",
                    "tests/e2e/",
                ])
                .current_dir(&root)
                .env(
                    "COUNTERSIGN_SERVER_BIN",
                    root.join("target/debug/countersign-server"),
                )
                .env("COUNTERSIGN_WEB_DIR", root.join("dist"))
                .env("COUNTERSIGN_SCREENSHOTS", root.join("tests/screenshots"))
                .env("COUNTERSIGN_PKG_DIR", root.join("pkg"))
                .env("CHROMIUM", cmd::which("chromium").unwrap_or_default())
                .env("GECKODRIVER", &firefox.driver)
                .env("FIREFOX", &firefox.binary),
        )?;
        report.push(("end-to-end (Chromium, Firefox)", Outcome::Passed(e2e)));

        crate::js::typecheck()?;
        report.push(("TypeScript declarations (tsc)", Outcome::Checked));
        let js = cmd::run_tests(
            std::process::Command::new("node")
                .args([
                    "--test",
                    "--test-reporter=tap",
                    "--test-concurrency=1",
                    "tests/js/",
                ])
                .current_dir(&root)
                .env(
                    "COUNTERSIGN_SERVER_BIN",
                    root.join("target/debug/countersign-server"),
                )
                .env("COUNTERSIGN_WEB_DIR", root.join("dist"))
                .env("COUNTERSIGN_PKG_DIR", root.join("pkg"))
                .env("CHROMIUM", cmd::which("chromium").unwrap_or_default()),
        )?;
        report.push(("npm package in Node and Chromium", Outcome::Passed(js)));
    }

    println!();
    println!("countersign checks ({:.0?}):", started.elapsed());
    let mut total = Counts::default();
    let mut skipped = 0;
    for (name, outcome) in &report {
        match outcome {
            Outcome::Passed(counts) => {
                total += *counts;
                println!(
                    "  {name:<34} {} passed, {} failed",
                    counts.passed, counts.failed
                );
            }
            Outcome::Checked => println!("  {name:<34} ok"),
            Outcome::PackageSize(gz) => println!(
                "  {name:<34} ok, wasm {gz} bytes gzipped (gate {})",
                crate::sizes::PACKAGE.limit()
            ),
            Outcome::Size(gz) => println!(
                "  {name:<34} ok, wasm {gz} bytes gzipped (gate {})",
                crate::sizes::WEB_APP.limit()
            ),
            Outcome::Skipped(why) => {
                skipped += 1;
                println!("  {name:<34} SKIPPED ({why})");
            }
        }
    }
    if skipped > 0 {
        println!("  {skipped} suite(s) skipped: this is not a full run");
    }
    println!("total: {} passed, {} failed", total.passed, total.failed);
    Ok(())
}
