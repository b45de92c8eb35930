//! `countersign-server`: run the service, or administer its users.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use countersign_core::client::ServiceUrl;
use countersign_server::app::{AppState, Config, LONGEST_WAIT_S, Surroundings};
use countersign_server::ratelimit::Limit;
use countersign_server::store::Store;
use countersign_server::{admin, http, serve, sessions};

mod admin_args;

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
    Serve(Box<ServeArgs>),
    /// Administer users.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
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
        command: admin_args::SessionCommand,
    },
    /// Print the audit log, oldest first (NDJSON with --json).
    Audit(admin_args::AuditArgs),
    /// Delete (or with --dry-run count) what is older than the retention.
    Prune(admin_args::PruneArgs),
    /// Copy the SQLite database into a new file, safely while serving.
    Backup(admin_args::BackupArgs),
}

#[derive(Subcommand)]
enum UserCommand {
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
enum DeviceCommand {
    /// List devices, of every user or of one (NDJSON with --json).
    List(DeviceListArgs),
    /// Revoke a device: its live logins are logged out.
    Revoke(RevokeArgs),
}

#[derive(Args)]
struct ListArgs {
    #[command(flatten)]
    database: Database,
    /// Print one JSON object a line.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct NameArgs {
    /// The username.
    name: String,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct DeviceListArgs {
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
struct RevokeArgs {
    /// The device's uid.
    uid: String,
    #[command(flatten)]
    database: Database,
    /// Print one JSON object: `device` and the `logged_out` session uids.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub(crate) struct Database {
    /// Keep the SQLite database in this directory (the default: ./countersign-data).
    #[arg(long, env = "COUNTERSIGN_DATA_DIR", conflicts_with = "database_url")]
    data_dir: Option<PathBuf>,
    /// Use this database instead: sqlite://FILE or postgres://...
    #[arg(long, env = "COUNTERSIGN_DATABASE_URL")]
    database_url: Option<String>,
}

impl Database {
    fn url(&self) -> Result<String, String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let dir = self
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("countersign-data"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            dir.join("countersign.sqlite3").display()
        ))
    }

    pub(crate) async fn open(&self) -> Result<Store, String> {
        let url = self.url()?;
        Store::connect(&url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))
    }
}

#[derive(Args)]
struct ServeArgs {
    /// The address to listen on.
    #[arg(long, env = "COUNTERSIGN_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    database: Database,
    /// The URL people open (login and enrollment links start with it);
    /// defaults to http://ADDR. Plain http:// is refused for a host other
    /// than this machine unless --insecure-http is given.
    #[arg(long, env = "COUNTERSIGN_PUBLIC_URL")]
    public_url: Option<String>,
    /// Accept a plain http:// public URL for a host other than this
    /// machine, where anyone on the network between can read and change
    /// what is sent (behind a TLS proxy, give its https:// URL instead).
    #[arg(
        long,
        env = "COUNTERSIGN_INSECURE_HTTP",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    insecure_http: bool,
    /// How long a login request waits for approval, in seconds.
    #[arg(long, env = "COUNTERSIGN_SESSION_TTL_S", default_value_t = 600)]
    session_ttl_s: i64,
    /// How long an approved login lasts before it expires, in seconds (at
    /// most 30 days).
    #[arg(long, env = "COUNTERSIGN_LOGIN_LIFETIME_S", default_value_t = 43_200)]
    login_lifetime_s: i64,
    /// A proxy whose X-Forwarded-For header is believed (repeatable): read
    /// from the right through trusted proxies, up to an entry that does not
    /// parse, where the last trusted hop is taken as the client.
    #[arg(
        long = "trusted-proxy",
        env = "COUNTERSIGN_TRUSTED_PROXIES",
        value_delimiter = ','
    )]
    trusted_proxies: Vec<IpAddr>,
    /// Session requests allowed per second per address, after a burst.
    #[arg(long, env = "COUNTERSIGN_REQUEST_RATE", default_value_t = 1.0)]
    request_rate: f64,
    /// Session requests allowed at once per address.
    #[arg(long, env = "COUNTERSIGN_REQUEST_BURST", default_value_t = 20)]
    request_burst: u32,
    /// Short-id lookups allowed per second per address, after a burst.
    #[arg(long, env = "COUNTERSIGN_LOOKUP_RATE", default_value_t = 2.0)]
    lookup_rate: f64,
    /// Short-id lookups allowed at once per address.
    #[arg(long, env = "COUNTERSIGN_LOOKUP_BURST", default_value_t = 60)]
    lookup_burst: u32,
    /// Authorisations verified per second per address, after a burst.
    #[arg(long, env = "COUNTERSIGN_VERIFY_RATE", default_value_t = 500.0)]
    verify_rate: f64,
    /// Authorisations verified at once per address.
    #[arg(long, env = "COUNTERSIGN_VERIFY_BURST", default_value_t = 1000)]
    verify_burst: u32,
    /// The origin of a JavaScript app allowed to call the API from a browser,
    /// such as https://app.example (repeatable; none by default).
    #[arg(
        long = "allow-origin",
        env = "COUNTERSIGN_ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// Serve the approval web app built by Trunk into this directory,
    /// instead of the one embedded in the binary at build time.
    #[arg(long, env = "COUNTERSIGN_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// The longest one long poll waits, in seconds (at most an hour).
    #[arg(
        long,
        env = "COUNTERSIGN_MAX_WAIT_S",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=LONGEST_WAIT_S)
    )]
    max_wait_s: u64,
    /// How long a client has to send a request's head, in seconds; a
    /// connection idle that long between requests is closed too.
    #[arg(
        long,
        env = "COUNTERSIGN_HEADER_TIMEOUT_S",
        default_value_t = 10,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    header_timeout_s: u64,
    /// Connections served at once; more wait until one closes.
    #[arg(
        long,
        env = "COUNTERSIGN_MAX_CONNECTIONS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u64).range(1..=1_000_000)
    )]
    max_connections: u64,
    /// Long polls waiting at once on this instance, from everyone.
    #[arg(long, env = "COUNTERSIGN_MAX_WAITERS", default_value_t = 20_000)]
    max_waiters: usize,
    /// Long polls waiting at once from one source (an IPv4 address or an
    /// IPv6 /64).
    #[arg(
        long,
        env = "COUNTERSIGN_MAX_WAITERS_PER_SOURCE",
        default_value_t = 100
    )]
    max_waiters_per_source: usize,
    /// A rate limit per source for a class of routes, as CLASS=BURST/PER_S
    /// (repeatable; after the flags above). Classes: request, lookup,
    /// verify, read, wait, statement, account.
    #[arg(
        long = "rate-limit",
        env = "COUNTERSIGN_RATE_LIMITS",
        value_delimiter = ',',
        value_parser = Limit::parse_budget
    )]
    rate_limits: Vec<(Limit, (u32, f64))>,
    /// Keep final sessions, used or expired enrollments and their audit
    /// rows this many days; the sweeper deletes older ones.
    #[arg(
        long,
        env = "COUNTERSIGN_RETAIN_DAYS",
        default_value_t = countersign_server::retention::DEFAULT_RETAIN_DAYS,
        value_parser = clap::value_parser!(i64).range(1..=countersign_server::retention::MAX_RETAIN_DAYS)
    )]
    retain_days: i64,
    /// Hours a device's revocation of an older device of its user waits,
    /// during which the older device can cancel it (0: at once). Revoking
    /// a newer device or itself, and `admin device revoke`, are immediate.
    #[arg(
        long,
        env = "COUNTERSIGN_REVOCATION_DELAY_H",
        default_value_t = countersign_server::recovery::DEFAULT_REVOCATION_DELAY_H,
        value_parser = clap::value_parser!(i64).range(0..=8760)
    )]
    revocation_delay_h: i64,
    /// Pending requests for one username at most; more are refused with
    /// 429 too_many_pending until some are decided or expire.
    #[arg(
        long,
        env = "COUNTERSIGN_MAX_PENDING_PER_USER",
        default_value_t = countersign_server::account_view::DEFAULT_MAX_PENDING_PER_USER,
        value_parser = clap::value_parser!(i64).range(1..=100_000)
    )]
    max_pending_per_user: i64,
    /// Serve /metrics on this address instead (such as 127.0.0.1:9100),
    /// so that it need not be public: the API's address then answers 404.
    #[arg(long, env = "COUNTERSIGN_METRICS_ADDR")]
    metrics_addr: Option<SocketAddr>,
    /// Refuse approve, deny, suspicious, revoke and invite statements from
    /// devices without a passkey (`user_verification_required`): every
    /// approval is confirmed by the person's fingerprint, face or security
    /// key.
    #[arg(long, env = "COUNTERSIGN_REQUIRE_USER_VERIFICATION")]
    require_user_verification: bool,
    /// Accept those statements from devices without a passkey (the command
    /// line's key files). On by default, off by default under
    /// --require-user-verification.
    #[arg(long, env = "COUNTERSIGN_ALLOW_KEY_FILE_APPROVERS")]
    allow_key_file_approvers: Option<bool>,
}

#[derive(Args)]
struct LinkArgs {
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
        Command::Serve(args) => serve(*args).await,
        // A reader that closed the pipe (`admin audit | head -1`) took
        // what it wanted: the command stops there, and nothing failed.
        Command::Admin { command } => match administer(command).await {
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

async fn serve(args: ServeArgs) -> Result<(), String> {
    // Checked before anything is opened or bound. The default public URL
    // is the listening address, whose port is known only once bound, but
    // whose host is known now.
    let named = match &args.public_url {
        Some(url) => Some(checked_public_url(url, args.insecure_http)?),
        None if !args.addr.ip().is_loopback() && !args.insecure_http => {
            return Err(plain_http_refused(&format!(
                "http://{} (the default, from --addr)",
                args.addr
            )));
        }
        None => None,
    };
    let store = args.database.open().await?;
    let listener = tokio::net::TcpListener::bind(args.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.addr))?;
    let local = listener.local_addr().map_err(|e| e.to_string())?;
    let metrics_listener = match args.metrics_addr {
        Some(addr) => Some(
            tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr} for --metrics-addr: {e}"))?,
        ),
        None => None,
    };
    let public_url = match named {
        Some(url) => url,
        None => checked_public_url(&format!("http://{local}"), args.insecure_http)?,
    };
    let mut config = Config::new(&public_url);
    config.session_ttl = chrono::TimeDelta::try_seconds(args.session_ttl_s)
        .filter(|ttl| *ttl >= chrono::TimeDelta::seconds(1) && *ttl <= countersign_core::MAX_TTL)
        .ok_or("--session-ttl-s must be between 1 and 86400")?;
    config.login_lifetime = chrono::TimeDelta::try_seconds(args.login_lifetime_s)
        .filter(|lifetime| {
            *lifetime >= chrono::TimeDelta::seconds(1)
                && *lifetime <= countersign_core::MAX_LOGIN_LIFETIME
        })
        .ok_or("--login-lifetime-s must be between 1 and 2592000 (30 days)")?;
    config.trusted_proxies = args.trusted_proxies;
    config.allowed_origins = args
        .allowed_origins
        .iter()
        .map(|o| o.trim_end_matches('/').to_owned())
        .collect();
    if !(args.request_rate > 0.0 && args.lookup_rate > 0.0 && args.verify_rate > 0.0) {
        return Err("--request-rate, --lookup-rate and --verify-rate must be above 0".into());
    }
    config.request_rate = (args.request_burst.max(1), args.request_rate);
    config.lookup_rate = (args.lookup_burst.max(1), args.lookup_rate);
    config.verify_rate = (args.verify_burst.max(1), args.verify_rate);
    for (limit, budget) in args.rate_limits {
        *config.budget_mut(limit) = budget;
    }
    config.max_waiters = args.max_waiters.max(1);
    config.max_waiters_per_source = args.max_waiters_per_source.max(1);
    config.max_wait = std::time::Duration::from_secs(args.max_wait_s);
    config.retain = chrono::TimeDelta::days(args.retain_days);
    config.revocation_delay = chrono::TimeDelta::hours(args.revocation_delay_h);
    config.max_pending_per_user = args.max_pending_per_user;
    config.public_metrics = metrics_listener.is_none();
    config.allow_key_file_approvers = args
        .allow_key_file_approvers
        .unwrap_or(!args.require_user_verification);
    let web = countersign_server::web::WebApp::for_serving(args.web_dir.as_deref())?;
    let state = AppState::with(
        store,
        config,
        Surroundings {
            web,
            ..Surroundings::default()
        },
    );
    tokio::spawn(sessions::sweeper(state.clone()));
    tokio::spawn(countersign_server::notify::listen(state.clone()));
    tokio::spawn(countersign_server::sqlite_watch::watch(state.clone()));
    println!("countersign is running: open {public_url} (listening on {local})");
    let limits = serve::Limits {
        header_timeout: std::time::Duration::from_secs(args.header_timeout_s),
        max_connections: usize::try_from(args.max_connections)
            .map_err(|_| "--max-connections is too large")?,
    };
    let stop = serve::Stop::on(stop_signal());
    let metrics = async {
        let Some(metrics_listener) = metrics_listener else {
            return;
        };
        if let Ok(addr) = metrics_listener.local_addr() {
            // In the log rather than on standard output, whose first line
            // scripts read for the API's address.
            tracing::info!("metrics on http://{addr}/metrics");
        }
        let limits = serve::Limits {
            max_connections: serve::METRICS_CONNECTIONS,
            ..limits
        };
        let router = http::metrics_router(state.clone());
        serve::run(metrics_listener, router, limits, stop.clone().fired()).await;
    };
    let api = serve::run(
        listener,
        http::router(state.clone()),
        limits,
        stop.clone().fired(),
    );
    tokio::join!(api, metrics);
    Ok(())
}

/// The public URL in its normal form. Plain http to a host other than this
/// machine is refused unless `insecure_http`: links, codes and statements
/// would cross the network readable and changeable by anyone on the way.
fn checked_public_url(text: &str, insecure_http: bool) -> Result<String, String> {
    let url = ServiceUrl::parse(text).map_err(|e| format!("--public-url {text}: {e}"))?;
    if !url.is_https() && !url.is_loopback() && !insecure_http {
        return Err(plain_http_refused(url.as_str()));
    }
    Ok(url.as_str().to_owned())
}

fn plain_http_refused(url: &str) -> String {
    format!(
        "refusing the public URL {url}: plain http:// to a host other than this machine \
         lets anyone on the network between read and change the links, codes and \
         statements it carries. Serve it behind TLS and give --public-url https://..., \
         or pass --insecure-http (or set COUNTERSIGN_INSECURE_HTTP=1) to accept that"
    )
}

/// Completes on Ctrl-C or SIGTERM (what service managers send), so that
/// answers in flight finish before the process ends.
async fn stop_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // No handler could be installed: only SIGTERM or SIGKILL stop it.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("stopping: finishing the answers in flight");
}

/// Runs one `admin` command.
async fn administer(command: AdminCommand) -> Result<(), admin::Failure> {
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
        AdminCommand::Session { command } => admin_args::session(command).await,
        AdminCommand::Audit(args) => admin_args::audit(args).await,
        AdminCommand::Prune(args) => admin_args::prune(args).await,
        AdminCommand::Backup(args) => admin_args::backup(args).await,
    }
}
