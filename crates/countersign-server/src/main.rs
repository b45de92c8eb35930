//! `countersign-server`: run the service (`serve_cli`), or administer its
//! users, devices and sessions (`admin_cli`).

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use countersign_server::admin;

mod admin_cli;
mod database_flags;
mod serve_cli;

#[derive(Parser)]
#[command(
    name = "countersign-server",
    version,
    about = "The countersign login approval service"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve(Box<serve_cli::ServeArgs>),
    /// Administer users.
    Admin {
        #[command(subcommand)]
        command: admin_cli::AdminCommand,
    },
}

/// What is logged without `COUNTERSIGN_LOG`. PostgreSQL's notices (the
/// migrations' "already exists, skipping", a dozen on every start and
/// every `admin` command) say nothing an operator needs.
const LOG_DEFAULT: &str = "info,sqlx::postgres::notice=warn";

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COUNTERSIGN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(LOG_DEFAULT)),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Serve(args) => serve_cli::serve(*args).await,
        // A reader that closed the pipe (`admin audit | head -1`) took
        // what it wanted: the command stops there, and nothing failed.
        Command::Admin { command } => match admin_cli::administer(command).await {
            Err(admin::Failure::ReaderGone) => Ok(()),
            Err(admin::Failure::Failed(message)) => Err(message),
            Ok(()) => Ok(()),
        },
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("countersign-server: {message}");
            ExitCode::FAILURE
        }
    }
}
