//! `countersign-server admin ...`: the operator's command line, every
//! group's flags and what each command calls in the library's `admin`.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use countersign_server::admin;
use countersign_server::config::{DEFAULT_RETAIN_DAYS, MAX_RETAIN_DAYS};

use crate::database_flags::Database;

#[derive(Subcommand)]
pub(crate) enum AdminCommand {
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Devices.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Sessions.
    Session {
        #[command(subcommand)]
        command: SessionCommand,
    },
    /// Print the audit log, oldest first (NDJSON with --json).
    Audit(AuditArgs),
    /// Delete (or with --dry-run count) what is older than the retention.
    Prune(PruneArgs),
    /// Copy the SQLite database into a new file, safely while serving.
    Backup(BackupArgs),
}

#[derive(Subcommand)]
pub(crate) enum UserCommand {
    /// Add a user and print a one-time link that enrolls their first device.
    Add(LinkArgs),
    /// List every user (NDJSON with --json).
    List(ListArgs),
    /// Show a user and their devices.
    Show(NameArgs),
    /// Print a new one-time link that enrolls a device for an existing user.
    EnrollLink(LinkArgs),
    /// Disable a user: their live sessions are logged out, and requests
    /// and their devices' statements refused until enabled.
    Disable(NameArgs),
    /// Enable a disabled user again.
    Enable(NameArgs),
}

#[derive(Subcommand)]
pub(crate) enum DeviceCommand {
    /// List devices, of every user or of one (NDJSON with --json).
    List(DeviceListArgs),
    /// Revoke a device: its live logins are logged out.
    Revoke(RevokeArgs),
}

#[derive(Args)]
pub(crate) struct ListArgs {
    #[command(flatten)]
    database: Database,
    /// Print one JSON object a line.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct NameArgs {
    /// The username.
    name: String,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct DeviceListArgs {
    /// Only this user's devices.
    #[arg(long)]
    user: Option<String>,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object a line.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct RevokeArgs {
    /// The device's uid.
    uid: String,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object: `device` and the `logged_out` session uids.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct LinkArgs {
    /// The username.
    name: String,
    #[command(flatten)]
    database: Database,
    /// The URL of the service, which the link starts with.
    #[arg(
        long,
        env = "COUNTERSIGN_PUBLIC_URL",
        default_value = "http://127.0.0.1:8080"
    )]
    public_url: String,
    /// Print one JSON object: `username`, `user_uid` and `enrollment_url`.
    #[arg(long)]
    json: bool,
}

#[derive(Subcommand)]
pub(crate) enum SessionCommand {
    /// List the newest sessions, of one user or in one status (NDJSON with
    /// --json, each as the API answers it).
    List(SessionListArgs),
    /// Log out a live session (pending, approved or suspicious).
    Logout(SessionLogoutArgs),
}

#[derive(Args)]
pub(crate) struct SessionListArgs {
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
pub(crate) struct SessionLogoutArgs {
    /// The session's uid.
    uid: String,
    #[command(flatten)]
    database: Database,
    /// Print the session as logged out, as one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct AuditArgs {
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
pub(crate) struct PruneArgs {
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
pub(crate) struct BackupArgs {
    /// The new file to copy the SQLite database into (never overwritten).
    file: PathBuf,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object: `file` and `bytes`.
    #[arg(long)]
    json: bool,
}

/// Runs one `admin` command.
pub(crate) async fn administer(command: AdminCommand) -> Result<(), admin::Failure> {
    match command {
        AdminCommand::User { command } => match command {
            UserCommand::Add(args) => {
                let store = args.database.open().await?;
                admin::user_add(&store, &args.public_url, &args.name, args.json).await
            }
            UserCommand::List(args) => {
                admin::user_list(&args.database.open().await?, args.json).await
            }
            UserCommand::Show(args) => {
                admin::user_show(&args.database.open().await?, &args.name, args.json).await
            }
            UserCommand::EnrollLink(args) => {
                let store = args.database.open().await?;
                admin::user_enroll_link(&store, &args.public_url, &args.name, args.json).await
            }
            UserCommand::Disable(args) => {
                admin::user_disable(&args.database.open().await?, &args.name, args.json).await
            }
            UserCommand::Enable(args) => {
                admin::user_enable(&args.database.open().await?, &args.name, args.json).await
            }
        },
        AdminCommand::Device { command } => match command {
            DeviceCommand::List(args) => {
                let store = args.database.open().await?;
                admin::device_list(&store, args.user.as_deref(), args.json).await
            }
            DeviceCommand::Revoke(args) => {
                admin::device_revoke(&args.database.open().await?, &args.uid, args.json).await
            }
        },
        AdminCommand::Session { command } => session(command).await,
        AdminCommand::Audit(args) => audit(args).await,
        AdminCommand::Prune(args) => prune(args).await,
        AdminCommand::Backup(args) => backup(args).await,
    }
}

async fn session(command: SessionCommand) -> Result<(), admin::Failure> {
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

async fn audit(args: AuditArgs) -> Result<(), admin::Failure> {
    let store = args.database.open().await?;
    let (user, session) = (args.user.as_deref(), args.session.as_deref());
    admin::audit(&store, user, session, args.since.as_deref(), args.json).await
}

async fn prune(args: PruneArgs) -> Result<(), admin::Failure> {
    let store = args.database.open().await?;
    admin::prune(&store, args.retain_days, args.dry_run, args.json).await
}

async fn backup(args: BackupArgs) -> Result<(), admin::Failure> {
    admin::backup(&args.database.open().await?, &args.file, args.json).await
}
