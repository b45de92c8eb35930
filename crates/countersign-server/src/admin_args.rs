//! Part of the binary: the command lines of `admin session`, `admin audit`,
//! `admin prune` and `admin backup` (the rest are in `main.rs`), and the
//! calls they make to the library's `admin` module.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use countersign_server::admin;
use countersign_server::retention::{DEFAULT_RETAIN_DAYS, MAX_RETAIN_DAYS};

use crate::Database;

#[derive(Subcommand)]
pub enum SessionCommand {
    /// List the newest sessions, of one user or in one status (NDJSON with
    /// --json, each as the API answers it).
    List(SessionListArgs),
    /// Log out a live session (pending, approved or suspicious).
    Logout(SessionLogoutArgs),
}

#[derive(Args)]
pub struct SessionListArgs {
    /// Only sessions requested for this username.
    #[arg(long)]
    user: Option<String>,
    /// Only sessions in this stored status: pending, approved, denied,
    /// suspicious, expired or logged_out.
    #[arg(long)]
    status: Option<String>,
    /// At most this many, newest first.
    #[arg(long, default_value_t = 100)]
    limit: i64,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object a line.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct SessionLogoutArgs {
    /// The session's uid.
    uid: String,
    #[command(flatten)]
    database: Database,
    /// Print the session as logged out, as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct AuditArgs {
    /// Only rows about this username: its user's actions and the sessions
    /// requested for it.
    #[arg(long)]
    user: Option<String>,
    /// Only rows about this session (its uid).
    #[arg(long)]
    session: Option<String>,
    /// Only rows at or after this time (RFC 3339, such as
    /// 2026-01-31T09:00:00Z).
    #[arg(long)]
    since: Option<String>,
    #[command(flatten)]
    database: Database,
    /// Print NDJSON (one object a line), for a SIEM.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PruneArgs {
    /// Only count what would be deleted.
    #[arg(long)]
    dry_run: bool,
    /// Keep this many days (as `serve --retain-days`).
    #[arg(
        long,
        env = "COUNTERSIGN_RETAIN_DAYS",
        default_value_t = DEFAULT_RETAIN_DAYS,
        value_parser = clap::value_parser!(i64).range(1..=MAX_RETAIN_DAYS)
    )]
    retain_days: i64,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object with the counts.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct BackupArgs {
    /// The new file to copy the SQLite database into (never overwritten).
    file: PathBuf,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object: `file` and `bytes`.
    #[arg(long)]
    json: bool,
}

pub async fn session(command: SessionCommand) -> Result<(), admin::Failure> {
    match command {
        SessionCommand::List(args) => {
            let store = args.database.open().await?;
            let (user, status) = (args.user.as_deref(), args.status.as_deref());
            admin::session_list(&store, user, status, args.limit, args.json).await
        }
        SessionCommand::Logout(args) => {
            admin::session_logout(&args.database.open().await?, &args.uid, args.json).await
        }
    }
}

pub async fn audit(args: AuditArgs) -> Result<(), admin::Failure> {
    let store = args.database.open().await?;
    let (user, session) = (args.user.as_deref(), args.session.as_deref());
    admin::audit(&store, user, session, args.since.as_deref(), args.json).await
}

pub async fn prune(args: PruneArgs) -> Result<(), admin::Failure> {
    let store = args.database.open().await?;
    admin::prune(&store, args.retain_days, args.dry_run, args.json).await
}

pub async fn backup(args: BackupArgs) -> Result<(), admin::Failure> {
    admin::backup(&args.database.open().await?, &args.file, args.json).await
}
