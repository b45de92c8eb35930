//! The service's shared state and configuration.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use countersign_core::Freshness;

use crate::cache::SessionCache;
use crate::clock::{Clock, Random};
use crate::metrics::Metrics;
use crate::ratelimit::RateLimiter;
use crate::store::Store;
use crate::waiters::Waiters;
use crate::web::WebApp;

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
    /// The longest one long poll waits before answering "no change yet".
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
    /// Origins of JavaScript apps allowed to call the API from a browser,
    /// such as `https://app.example`; none by default.
    pub allowed_origins: Vec<String>,
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
            allowed_origins: Vec::new(),
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
    /// Limits session requests per address.
    pub request_limit: RateLimiter,
    /// Limits short-id lookups per address.
    pub lookup_limit: RateLimiter,
    /// Limits authorisation verifications per address.
    pub verify_limit: RateLimiter,
    /// Counters for `/metrics`.
    pub metrics: Metrics,
    /// Recently seen sessions.
    pub cache: SessionCache,
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
            waiters: Waiters::default(),
            request_limit: RateLimiter::new(config.request_rate.0, config.request_rate.1),
            lookup_limit: RateLimiter::new(config.lookup_rate.0, config.lookup_rate.1),
            verify_limit: RateLimiter::new(config.verify_rate.0, config.verify_rate.1),
            config,
            metrics: Metrics::default(),
            cache: SessionCache::default(),
            web,
            clock,
            random,
        })
    }
}
