//! How the service behaves: [`Config`], every default in one place, and
//! the classes of routes that rate limits and budgets are counted by
//! ([`Limit`]). The bottom layer: it imports nothing of the service, and
//! everything above reads its defaults here rather than from the feature
//! that uses them.

use std::net::IpAddr;
use std::time::Duration;

use chrono::TimeDelta;
use countersign_core::Freshness;

/// The window of final sessions and their audit rows kept by default, in
/// days (`--retain-days`).
pub const DEFAULT_RETAIN_DAYS: i64 = 90;
/// The longest retention window accepted, in days (a century).
pub const MAX_RETAIN_DAYS: i64 = 36_500;
/// The delay of a device's revocation of an older device by default, in
/// hours (`--revocation-delay-h`).
pub const DEFAULT_REVOCATION_DELAY_H: i64 = 48;
/// Pending requests for one username at most, by default
/// (`--max-pending-per-user`).
pub const DEFAULT_MAX_PENDING_PER_USER: i64 = 20;

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
            retain: TimeDelta::days(DEFAULT_RETAIN_DAYS),
            public_metrics: true,
            allow_key_file_approvers: true,
            revocation_delay: TimeDelta::hours(DEFAULT_REVOCATION_DELAY_H),
            max_pending_per_user: DEFAULT_MAX_PENDING_PER_USER,
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

/// The classes of routes, each with a budget of its own per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// `POST /api/sessions`: a row written per call.
    Request,
    /// Short-id lookups (`GET /api/sessions?short_uid=`,
    /// `GET /api/approvals/{short_uid}`), which guessing would use.
    Lookup,
    /// `POST /api/authorisations/verify`, once per request a relying party
    /// serves.
    Verify,
    /// `GET /api/sessions/{uid}`, usually answered from the cache.
    Read,
    /// `GET /api/sessions/{uid}/wait`, each holding a connection (their
    /// number at once is capped in `waiters`).
    Wait,
    /// `POST /api/sessions/{uid}/statements`: a signature check and a
    /// compare-and-set.
    Statement,
    /// Enrollment links read and used, devices enrolled, invited and
    /// revoked, accounts read: signature checks and several reads or writes.
    Account,
}

impl Limit {
    /// Every class, in the order of the rate limiters' table.
    pub const ALL: [Self; 7] = [
        Self::Request,
        Self::Lookup,
        Self::Verify,
        Self::Read,
        Self::Wait,
        Self::Statement,
        Self::Account,
    ];
}

impl Limit {
    /// The class's name, as `--rate-limit` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "request",
            Self::Lookup => "lookup",
            Self::Verify => "verify",
            Self::Read => "read",
            Self::Wait => "wait",
            Self::Statement => "statement",
            Self::Account => "account",
        }
    }

    /// Reads `CLASS=BURST/PER_S`, such as `statement=60/5`: a class's
    /// burst and its refill per second.
    pub fn parse_budget(text: &str) -> Result<(Self, (u32, f64)), String> {
        let names = || {
            Self::ALL
                .iter()
                .map(|limit| limit.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let (name, budget) = text.split_once('=').ok_or_else(|| {
            format!("expected CLASS=BURST/PER_S, such as statement=60/5: {text:?}")
        })?;
        let limit = Self::ALL
            .into_iter()
            .find(|limit| limit.as_str() == name.trim())
            .ok_or_else(|| format!("no class of routes named {name:?} (one of {})", names()))?;
        let (burst, per_second) = budget
            .split_once('/')
            .ok_or_else(|| format!("expected BURST/PER_S after {name}=: {budget:?}"))?;
        let burst: u32 = burst
            .trim()
            .parse()
            .ok()
            .filter(|burst| *burst >= 1)
            .ok_or_else(|| format!("the burst must be a whole number from 1: {burst:?}"))?;
        let per_second: f64 = per_second
            .trim()
            .parse()
            .ok()
            .filter(|rate: &f64| rate.is_finite() && *rate > 0.0)
            .ok_or_else(|| format!("the rate per second must be above 0: {per_second:?}"))?;
        Ok((limit, (burst, per_second)))
    }
}
