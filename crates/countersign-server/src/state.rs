//! What every request handler and task shares: [`AppState`], the store,
//! the configuration and the runtime pieces, each made once at start-up.
//! It sits above the runtime pieces it holds and below the operations
//! that use it.

use std::sync::Arc;

use countersign_core::ServiceUrl;

use crate::clock::{Clock, Random};
use crate::config::Config;
use crate::error::ApiError;
use crate::runtime::cache::SessionCache;
use crate::runtime::listening::ListenerHealth;
use crate::runtime::metrics::Metrics;
use crate::runtime::ratelimit::Limits;
use crate::runtime::waiters::Waiters;
use crate::runtime::web::WebApp;
use crate::store::Store;

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
