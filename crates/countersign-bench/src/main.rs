//! `countersign-bench`: starts the real `countersign-server` as a child
//! process, on SQLite and optionally PostgreSQL, drives it over HTTP from
//! 127.0.0.1 and prints its throughput, how fast a waiting requester is
//! released, and its memory with 10,000 requesters waiting, next to a bare
//! axum server's throughput as the ceiling; and how a relying party fares:
//! authorisations verified offline per core, verified by the service, and
//! how soon a watching verifier refuses them after a logout.
//!
//! `options`: the command line; `measure`: each measurement; `report`: the
//! table and the JSON object, against the `targets`; `calls` and `device`:
//! the API as the bench uses it; `load`: timed loops; `client`: a minimal
//! HTTP/1.1 client; `server`: the processes measured; `clock`: time and
//! random bytes; `requester`: a requester's keys and what it signs;
//! `watch`: a relying party's session watch kept current by the long poll;
//! `fixture`: a session approved in-process.

mod calls;
mod client;
mod clock;
mod device;
mod fixture;
mod load;
mod measure;
mod options;
mod report;
mod requester;
mod server;
mod targets;
mod watch;

use std::fmt::Display;
use std::process::ExitCode;

use crate::options::{Mode, Options, USAGE, parse_args};
use crate::report::{races_json, races_table, report_json, report_table};
use serde_json::json;

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = match parse_args(std::env::args().skip(1)) {
        Ok(Mode::Help) => {
            print!("{USAGE}");
            Ok(())
        }
        Ok(Mode::Bare(port)) => server::run_bare(port).await,
        Ok(Mode::Bench(options)) => bench(&options).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("countersign-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Progress on stderr, so that stdout holds only the result.
fn progress(stage: &str, message: impl Display) {
    eprintln!("[{stage}] {message}");
}

async fn bench(options: &Options) -> Result<(), String> {
    if !options.server_bin.is_file() {
        return Err(format!(
            "--server-bin {}: no such file (build it with cargo build --release -p countersign-server)",
            options.server_bin.display()
        ));
    }
    if options.only_races {
        let races = measure::races(options).await?;
        let table = races_table(races.as_ref());
        if options.json {
            println!(
                "{}",
                json!({"races": races_json(races.as_ref()), "table": table})
            );
        } else {
            print!("{table}");
        }
        return Ok(());
    }
    if options.only_waiters {
        let bare = measure::bare_held_rss().await?;
        println!("bare server holding 10,000 requests: {bare:.1} MiB");
        let sqlite = measure::waiters_alone("sqlite", options, None).await?;
        println!("sqlite, 10,000 waiters: {sqlite:.1} MiB");
        if let Some(url) = &options.postgres_url {
            let postgres = measure::waiters_alone("postgres", options, Some(url)).await?;
            println!("postgres, 10,000 waiters: {postgres:.1} MiB");
        }
        return Ok(());
    }
    let verify_offline_per_s = measure::verify_offline_per_core(options.duration).await?;
    let ceiling = measure::ceiling(options).await?;
    let common = measure::Common {
        ceiling_per_s: ceiling.per_s,
        ceiling_login_load_per_s: ceiling.login_load_per_s,
        bare_10k_rss_mb: ceiling.held_rss_mb,
        verify_offline_per_s,
    };
    let sqlite = measure::on_backend("sqlite", options, None).await?;
    let postgres = match &options.postgres_url {
        Some(url) => Some(measure::on_backend("postgres", options, Some(url)).await?),
        None => None,
    };
    let races = measure::races(options).await?;
    let races_rows = races_table(races.as_ref());
    if options.json {
        // With the table, so that `cargo xtask bench` prints the same one.
        let mut json = report_json(&sqlite, postgres.as_ref(), common);
        if let Some(fields) = json.as_object_mut() {
            fields.insert(
                "table".into(),
                (report_table(options, &sqlite, postgres.as_ref(), common) + &races_rows).into(),
            );
            fields.insert("races".into(), races_json(races.as_ref()));
        }
        println!("{json}");
    } else {
        print!(
            "{}",
            report_table(options, &sqlite, postgres.as_ref(), common)
        );
        print!("{races_rows}");
    }
    Ok(())
}
