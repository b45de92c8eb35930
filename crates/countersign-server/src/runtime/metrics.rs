//! Prometheus metrics for `/metrics`: counters kept with atomics as things
//! happen, gauges read when scraped (sessions by status from the store,
//! long polls from the waiters), and the store's latency histograms.
//! `statuses` holds the cached count and `text` writes the exposition
//! format; the histograms' buckets are the store's (`store::histogram`).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

use countersign_core::api::ErrorCode;
use countersign_core::{Action, Status};

use crate::config::Limit;
use crate::runtime::waiters::{Full, Waiters};
use crate::store::{Store, StoreOp};

mod statuses;
mod text;

pub use statuses::{COUNT_TIMEOUT, FRESH_FOR, StatusCounts};
use text::{Exposition, Kind};

/// The service's counters, and its cached count of sessions by status.
#[derive(Debug)]
pub struct Metrics {
    requested: AtomicU64,
    transitions: [AtomicU64; Action::ALL.len()],
    /// By the code's place in [`ErrorCode::ALL`].
    statements_refused: Vec<AtomicU64>,
    rate_limited: [AtomicU64; Limit::ALL.len()],
    /// The same refusals by route (`METHOD /path/{template}`): a route
    /// appears once it refused one. Only refusals take the lock.
    rate_limited_routes: Mutex<BTreeMap<String, u64>>,
    /// Long polls refused by the cap per source, and by the cap in all.
    waiters_refused: [AtomicU64; 2],
    authorisations_accepted: AtomicU64,
    authorisations_refused: AtomicU64,
    statuses: StatusCounts,
}

impl Default for Metrics {
    fn default() -> Self {
        Self {
            requested: AtomicU64::default(),
            transitions: Default::default(),
            statements_refused: ErrorCode::ALL
                .iter()
                .map(|_| AtomicU64::default())
                .collect(),
            rate_limited: Default::default(),
            rate_limited_routes: Mutex::default(),
            waiters_refused: Default::default(),
            authorisations_accepted: AtomicU64::default(),
            authorisations_refused: AtomicU64::default(),
            statuses: StatusCounts::default(),
        }
    }
}

fn add_one(counter: Option<&AtomicU64>) {
    if let Some(counter) = counter {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

fn load(counter: &AtomicU64) -> u64 {
    counter.load(Ordering::Relaxed)
}

/// Whether a signed statement answered with `code` was refused, rather
/// than failed inside the service (5xx, which `/healthz` and the log
/// tell) or turned away before it was read (rate limits, counted apart).
fn is_refusal(code: ErrorCode) -> bool {
    (400..500).contains(&code.http_status()) && code != ErrorCode::RateLimited
}

impl Metrics {
    /// A session was requested.
    pub fn requested(&self) {
        self.requested.fetch_add(1, Ordering::Relaxed);
    }

    /// A session moved by `action`.
    pub fn transition(&self, action: Action) {
        let at = Action::ALL.iter().position(|a| *a == action);
        add_one(at.and_then(|i| self.transitions.get(i)));
    }

    /// A signed statement (about a session or an account) was answered
    /// with the error `code`: counted if that is a refusal.
    pub fn statement_refused(&self, code: ErrorCode) {
        if is_refusal(code) {
            let at = ErrorCode::ALL.iter().position(|c| *c == code);
            add_one(at.and_then(|i| self.statements_refused.get(i)));
        }
    }

    /// A request to `route` was refused by the rate limit of its class.
    pub fn rate_limited(&self, limit: Limit, route: &str) {
        let at = Limit::ALL.iter().position(|l| *l == limit);
        add_one(at.and_then(|i| self.rate_limited.get(i)));
        let mut routes = self
            .rate_limited_routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match routes.get_mut(route) {
            Some(count) => *count += 1,
            None => {
                routes.insert(route.to_owned(), 1);
            }
        }
    }

    /// A long poll was refused because a cap on waiters was reached.
    pub fn waiters_refused(&self, full: Full) {
        let [source, all] = &self.waiters_refused;
        add_one(Some(match full {
            Full::Source => source,
            Full::All => all,
        }));
    }

    /// An authorisation was verified for a relying party and accepted.
    pub fn authorisation_accepted(&self) {
        self.authorisations_accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// An authorisation was verified for a relying party and refused.
    pub fn authorisation_refused(&self) {
        self.authorisations_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition of everything known at `now`: these
    /// counters, the `store`'s counts and latencies and the `waiters`.
    /// Sessions by status are left out when the store cannot count them.
    pub async fn render(&self, store: &Store, waiters: &Waiters, now: Instant) -> String {
        let statuses = self.statuses.get(store, now).await;
        let mut out = Exposition::default();
        self.render_counters(&mut out);
        if let Some(counts) = statuses {
            out.family(
                "countersign_sessions",
                Kind::Gauge,
                "Stored sessions by status, on every instance of the database (counted at most 10 s ago).",
            );
            for (status, count) in Status::ALL.iter().zip(counts) {
                out.sample(
                    "countersign_sessions",
                    &[("status", status.as_str())],
                    count,
                );
            }
        }
        out.family(
            "countersign_waiters",
            Kind::Gauge,
            "Long polls waiting on this instance now.",
        );
        out.sample("countersign_waiters", &[], waiters.admitted());
        out.family(
            "countersign_waiting_sessions",
            Kind::Gauge,
            "Sessions with a requester waiting on this instance.",
        );
        out.sample("countersign_waiting_sessions", &[], waiters.len());
        out.family(
            "countersign_store_duration_seconds",
            Kind::Histogram,
            "How long this instance's store operations took, by kind.",
        );
        for op in StoreOp::ALL {
            if let Some(histogram) = store.latency().of(op) {
                let labels = [("op", op.as_str())];
                out.histogram(
                    "countersign_store_duration_seconds",
                    &labels,
                    &histogram.snapshot(),
                );
            }
        }
        out.finish()
    }

    fn render_counters(&self, out: &mut Exposition) {
        let name = "countersign_sessions_requested_total";
        out.family(name, Kind::Counter, "Login sessions requested.");
        out.sample(name, &[], load(&self.requested));

        let name = "countersign_transitions_total";
        out.family(name, Kind::Counter, "Session transitions, by action.");
        for (action, counter) in Action::ALL.iter().zip(&self.transitions) {
            out.sample(name, &[("action", action.as_str())], load(counter));
        }

        let name = "countersign_statements_refused_total";
        out.family(
            name,
            Kind::Counter,
            "Signed statements (about sessions or accounts) refused, by error code.",
        );
        for (code, counter) in ErrorCode::ALL.iter().zip(&self.statements_refused) {
            if is_refusal(*code) {
                out.sample(name, &[("code", code.as_str())], load(counter));
            }
        }

        let name = "countersign_rate_limited_total";
        out.family(
            name,
            Kind::Counter,
            "Requests refused by the rate limit of their class of route.",
        );
        for (limit, counter) in Limit::ALL.iter().zip(&self.rate_limited) {
            out.sample(name, &[("class", limit.as_str())], load(counter));
        }

        let name = "countersign_rate_limited_route_total";
        out.family(
            name,
            Kind::Counter,
            "Requests refused by a rate limit, by route (listed once one is refused).",
        );
        let routes = self
            .rate_limited_routes
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        for (route, count) in &routes {
            out.sample(name, &[("route", route)], count);
        }

        let name = "countersign_waiters_refused_total";
        out.family(
            name,
            Kind::Counter,
            "Long polls refused because as many already waited, by the cap reached.",
        );
        let [source, all] = &self.waiters_refused;
        out.sample(name, &[("cap", "source")], load(source));
        out.sample(name, &[("cap", "all")], load(all));

        let name = "countersign_authorisations_verified_total";
        out.family(
            name,
            Kind::Counter,
            "Authorisations verified for relying parties, by outcome.",
        );
        out.sample(
            name,
            &[("outcome", "accepted")],
            load(&self.authorisations_accepted),
        );
        out.sample(
            name,
            &[("outcome", "refused")],
            load(&self.authorisations_refused),
        );
    }
}
