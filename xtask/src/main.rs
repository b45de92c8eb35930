//! The project's automation, in Rust so that a newcomer, a developer and CI
//! run the same commands: `cargo xtask test` and, with the service,
//! `cargo xtask run`.

mod bench;
mod cmd;
mod firefox;
mod js;
mod postgres;
mod run;
mod sizes;
mod test;
mod tidy;
mod tools;
mod web;

use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  test [--quick]   install what is missing, then run every check: fmt, tidy,
                   clippy (native and wasm32), native tests, wasm tests in Node
                   and in headless Chromium and Firefox, the wasm size gates,
                   end-to-end and npm package tests. --quick skips the wasm
                   suites, says so, and is refused in CI.
  tidy             check that the documents match the code: ARCHITECTURE.md's
                   code map, comments naming issues by number, core's route
                   table against the router, README's table of folders
  run [--addr A]   build and run the service on SQLite under .data/ (default
                   address 127.0.0.1:8080); prints where to open it and, on
                   first start, an enrollment link for the user `demo`
  bench [--json]   build in release and print the service's figures on SQLite
                   and PostgreSQL beside a bare axum ceiling (--json: one
                   JSON object on stdout)
  help             this text
";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let outcome = match args.as_slice() {
        ["test"] => test::run(test::Options { quick: false }),
        ["test", "--quick"] => test::run(test::Options { quick: true }),
        ["tidy"] => tidy::run(),
        ["bench"] => bench::run(false),
        ["bench", "--json"] => bench::run(true),
        ["run"] => run::run("127.0.0.1:8080"),
        ["run", "--addr", addr] => run::run(addr),
        [] | ["help" | "--help" | "-h"] => {
            print!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown command {:?}\n\n{USAGE}", args.join(" "))),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("xtask: {message}");
            ExitCode::FAILURE
        }
    }
}
