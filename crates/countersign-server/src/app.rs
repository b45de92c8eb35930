//! The service's shared state and configuration.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use countersign_core::{Freshness, ServiceUrl};

use crate::cache::SessionCache;
use crate::clock::{Clock, Random};
use crate::error::ApiError;
use crate::health::ListenerHealth;
use crate::metrics::Metrics;
use crate::ratelimit::{Limit, Limits};
use crate::store::Store;
use crate::waiters::Waiters;
use crate::web::WebApp;

/// The longest any long poll may wait, in seconds: the bound of
/// `--max-wait-s`.
pub const LONGEST_WAIT_S: u64 = 3600;

/// The longest any long poll may wait: far inside what an `Instant` can
/// add, and past any proxy's idle timeout.
pub const LONGEST_WAIT: Duration = Duration::from_secs(LONGEST_WAIT_S);

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The URL people open, without a trailing slash; login URLs start with it.
    pub public_url: String,
    /// How long a pending session waits for its approver.
    pub session_ttl: TimeDelta,
    /// How long an approved session lasts before it expires.
    pub login_lifetime: TimeDelta,
    /// How old or far ahead a signed statement may be.
    pub freshness: Freshness,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The longest one long poll waits before answering "no change yet"
    /// (a wait is never longer than [`LONGEST_WAIT`], whatever this says).
    pub max_wait: Duration,
    /// How long an enrollment link stays usable.
    pub enrollment_ttl: TimeDelta,
    /// Session requests per address: burst, then per second.
    pub request_rate: (u32, f64),
    /// Short-id lookups per address: burst, then per second.
    pub lookup_rate: (u32, f64),
    /// Authorisations verified for relying parties per address: burst, then
    /// per second. A relying party verifies one per request it serves, so
    /// this is far above the lookups' budget.
    pub verify_rate: (u32, f64),
    /// Session reads by uid per address: burst, then per second. A read is
    /// usually answered from the cache.
    pub read_rate: (u32, f64),
    /// Long polls started per address: burst, then per second. How many
    /// may wait at once is capped apart ([`Config::max_waiters`]).
    pub wait_rate: (u32, f64),
    /// Signed statements about sessions per address: burst, then per
    /// second. Each costs a signature check and a write.
    pub statement_rate: (u32, f64),
    /// Account calls per address (enrollment links read and used, devices
    /// enrolled, invited and revoked, accounts read): burst, then per
    /// second. Each costs a signature check and several reads or writes.
    pub account_rate: (u32, f64),
    /// On PostgreSQL, how long the LISTEN connection may stay quiet before
    /// it must answer a `SELECT 1`, and how long it has to answer.
    pub listen_heartbeat: Duration,
    /// Long polls waiting at once on this instance, from everyone.
    pub max_waiters: usize,
    /// Long polls waiting at once on this instance from one source (an
    /// IPv4 address or an IPv6 /64).
    pub max_waiters_per_source: usize,
    /// Origins of JavaScript apps allowed to call the API from a browser,
    /// such as `https://app.example`; none by default.
    pub allowed_origins: Vec<String>,
    /// How long final sessions, used or expired enrollments and their
    /// audit rows are kept before the sweeper deletes them.
    pub retain: TimeDelta,
    /// Whether the public router answers `/metrics`: not when `serve
    /// --metrics-addr` serves it on a listener of its own.
    pub public_metrics: bool,
    /// Whether a device without a passkey may sign statements that a
    /// device with one must confirm (`--allow-key-file-approvers`: the
    /// command line's key files); `serve --require-user-verification`
    /// turns it off unless it is named.
    pub allow_key_file_approvers: bool,
    /// How long a device's revocation of an older device of its user waits
    /// (`--revocation-delay-h`), during which the older one can cancel it.
    pub revocation_delay: TimeDelta,
    /// Pending requests for one username at most (`--max-pending-per-user`).
    pub max_pending_per_user: i64,
}

impl Config {
    /// The defaults, for a service reached at `public_url`.
    pub fn new(public_url: &str) -> Self {
        Self {
            public_url: public_url.trim_end_matches('/').to_owned(),
            session_ttl: countersign_core::DEFAULT_TTL,
            login_lifetime: countersign_core::DEFAULT_LOGIN_LIFETIME,
            freshness: Freshness::default(),
            trusted_proxies: Vec::new(),
            max_wait: Duration::from_secs(30),
            enrollment_ttl: TimeDelta::days(1),
            request_rate: (20, 1.0),
            lookup_rate: (60, 2.0),
            verify_rate: (1000, 500.0),
            read_rate: (600, 100.0),
            wait_rate: (120, 10.0),
            statement_rate: (60, 5.0),
            account_rate: (60, 2.0),
            listen_heartbeat: Duration::from_secs(5),
            max_waiters: 20_000,
            max_waiters_per_source: 100,
            allowed_origins: Vec::new(),
            retain: TimeDelta::days(crate::retention::DEFAULT_RETAIN_DAYS),
            public_metrics: true,
            allow_key_file_approvers: true,
            revocation_delay: TimeDelta::hours(crate::recovery::DEFAULT_REVOCATION_DELAY_H),
            max_pending_per_user: crate::account_view::DEFAULT_MAX_PENDING_PER_USER,
        }
    }
}

impl Config {
    /// The budget of a class of routes per source: burst, then per second.
    pub fn budget(&self, limit: Limit) -> (u32, f64) {
        match limit {
            Limit::Request => self.request_rate,
            Limit::Lookup => self.lookup_rate,
            Limit::Verify => self.verify_rate,
            Limit::Read => self.read_rate,
            Limit::Wait => self.wait_rate,
            Limit::Statement => self.statement_rate,
            Limit::Account => self.account_rate,
        }
    }

    /// The budget of a class of routes, to change it.
    pub fn budget_mut(&mut self, limit: Limit) -> &mut (u32, f64) {
        match limit {
            Limit::Request => &mut self.request_rate,
            Limit::Lookup => &mut self.lookup_rate,
            Limit::Verify => &mut self.verify_rate,
            Limit::Read => &mut self.read_rate,
            Limit::Wait => &mut self.wait_rate,
            Limit::Statement => &mut self.statement_rate,
            Limit::Account => &mut self.account_rate,
        }
    }
}

/// What the service takes from around it: the clock, the random source and
/// the web app it serves. The default is the system's clock and random
/// source and no web app; tests put in a manual clock and scripted bytes.
#[derive(Debug, Default)]
pub struct Surroundings {
    /// Where time comes from.
    pub clock: Clock,
    /// Where random bytes come from.
    pub random: Random,
    /// The approval web app, when one was built.
    pub web: WebApp,
}

/// What every request handler shares.
#[derive(Debug)]
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Requesters waiting for a change.
    pub waiters: Waiters,
    /// The configuration.
    pub config: Config,
    /// The rate limits, one per class of route, per source.
    pub limits: Limits,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Recently seen sessions.
    pub cache: SessionCache,
    /// On PostgreSQL, whether this instance hears other instances' changes
    /// (for `/healthz`).
    pub listening: ListenerHealth,
    /// The approval web app, when one was built.
    pub web: WebApp,
    /// Where time comes from: everything that reads it asks this.
    pub clock: Clock,
    /// Where random bytes come from: everything that draws them asks this.
    pub random: Random,
}

/// The state as handlers hold it.
pub type Shared = Arc<AppState>;

impl AppState {
    /// This service as signed statements must name it: the public URL in
    /// its normal form (`serve` gives it so already). A URL that does not
    /// read as one (a test's or an embedder's mistake) refuses every
    /// statement as an internal error rather than accept any.
    pub fn service_url(&self) -> Result<ServiceUrl, ApiError> {
        ServiceUrl::parse(&self.config.public_url).map_err(|error| {
            tracing::error!(%error, url = %self.config.public_url, "the public URL is not a service URL");
            ApiError::Internal
        })
    }
}

impl AppState {
    /// The state for `store` and `config`, on the system's clock and random
    /// source, serving no web app.
    pub fn new(store: Store, config: Config) -> Shared {
        Self::with(store, config, Surroundings::default())
    }

    /// The state for `store` and `config` in these surroundings.
    pub fn with(store: Store, config: Config, surroundings: Surroundings) -> Shared {
        let Surroundings { clock, random, web } = surroundings;
        Arc::new(Self {
            store,
            waiters: Waiters::new(config.max_waiters, config.max_waiters_per_source),
            limits: Limits::new(|limit| config.budget(limit)),
            config,
            metrics: Metrics::default(),
            cache: SessionCache::default(),
            listening: ListenerHealth::default(),
            web,
            clock,
            random,
        })
    }
}
