//! `countersign-server serve`: its flags (each with an environment
//! variable), the checks made before anything is opened, and the start-up:
//! the store, the state, the service's tasks and the listeners.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

use clap::Args;
use countersign_core::client::ServiceUrl;
use countersign_server::config::{
    Config, DEFAULT_MAX_PENDING_PER_USER, DEFAULT_RETAIN_DAYS, DEFAULT_REVOCATION_DELAY_H,
    LONGEST_WAIT_S, Limit, MAX_RETAIN_DAYS,
};
use countersign_server::ops::{notify, sqlite_watch, sweeper};
use countersign_server::runtime::web::WebApp;
use countersign_server::state::{AppState, Surroundings};
use countersign_server::{http, serve};

use crate::database_flags::Database;

#[derive(Args)]
pub struct ServeArgs {
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
        default_value_t = DEFAULT_RETAIN_DAYS,
        value_parser = clap::value_parser!(i64).range(1..=MAX_RETAIN_DAYS)
    )]
    retain_days: i64,
    /// Hours a device's revocation of an older device of its user waits,
    /// during which the older device can cancel it (0: at once). Revoking
    /// a newer device or itself, and `admin device revoke`, are immediate.
    #[arg(
        long,
        env = "COUNTERSIGN_REVOCATION_DELAY_H",
        default_value_t = DEFAULT_REVOCATION_DELAY_H,
        value_parser = clap::value_parser!(i64).range(0..=8760)
    )]
    revocation_delay_h: i64,
    /// Pending requests for one username at most; more are refused with
    /// 429 too_many_pending until some are decided or expire.
    #[arg(
        long,
        env = "COUNTERSIGN_MAX_PENDING_PER_USER",
        default_value_t = DEFAULT_MAX_PENDING_PER_USER,
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

pub async fn serve(args: ServeArgs) -> Result<(), String> {
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
    let web = WebApp::for_serving(args.web_dir.as_deref())?;
    let state = AppState::with(
        store,
        config,
        Surroundings {
            web,
            ..Surroundings::default()
        },
    );
    tokio::spawn(sweeper::sweeper(state.clone()));
    tokio::spawn(notify::listen(state.clone()));
    tokio::spawn(sqlite_watch::watch(state.clone()));
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
