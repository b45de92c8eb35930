//! Prometheus metrics: counters kept with atomics, written as text.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use countersign_core::Action;

/// The service's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requested: AtomicU64,
    transitions: [AtomicU64; Action::ALL.len()],
    refused: AtomicU64,
    rate_limited: AtomicU64,
    authorisations_accepted: AtomicU64,
    authorisations_refused: AtomicU64,
}

impl Metrics {
    /// A session was requested.
    pub fn requested(&self) {
        self.requested.fetch_add(1, Ordering::Relaxed);
    }

    /// A session moved by `action`.
    pub fn transition(&self, action: Action) {
        if let Some(counter) = Action::ALL
            .iter()
            .position(|a| *a == action)
            .and_then(|i| self.transitions.get(i))
        {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A signed statement was refused.
    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// A request was refused by a rate limit.
    pub fn rate_limited(&self) {
        self.rate_limited.fetch_add(1, Ordering::Relaxed);
    }

    /// An authorisation was verified for a relying party and accepted.
    pub fn authorisation_accepted(&self) {
        self.authorisations_accepted.fetch_add(1, Ordering::Relaxed);
    }

    /// An authorisation was verified for a relying party and refused.
    pub fn authorisation_refused(&self) {
        self.authorisations_refused.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition, with the live waiter count.
    pub fn render(&self, waiting_sessions: usize) -> String {
        let mut out = String::new();
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "# HELP countersign_sessions_requested_total Login sessions requested."
        );
        let _ = writeln!(out, "# TYPE countersign_sessions_requested_total counter");
        let _ = writeln!(
            out,
            "countersign_sessions_requested_total {}",
            load(&self.requested)
        );
        let _ = writeln!(
            out,
            "# HELP countersign_transitions_total Session transitions, by action."
        );
        let _ = writeln!(out, "# TYPE countersign_transitions_total counter");
        for (action, counter) in Action::ALL.iter().zip(&self.transitions) {
            let _ = writeln!(
                out,
                "countersign_transitions_total{{action=\"{action}\"}} {}",
                load(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP countersign_statements_refused_total Signed statements refused."
        );
        let _ = writeln!(out, "# TYPE countersign_statements_refused_total counter");
        let _ = writeln!(
            out,
            "countersign_statements_refused_total {}",
            load(&self.refused)
        );
        let _ = writeln!(
            out,
            "# HELP countersign_rate_limited_total Requests refused by a rate limit."
        );
        let _ = writeln!(out, "# TYPE countersign_rate_limited_total counter");
        let _ = writeln!(
            out,
            "countersign_rate_limited_total {}",
            load(&self.rate_limited)
        );
        let _ = writeln!(
            out,
            "# HELP countersign_authorisations_verified_total Authorisations verified for relying parties, by outcome."
        );
        let _ = writeln!(
            out,
            "# TYPE countersign_authorisations_verified_total counter"
        );
        for (outcome, counter) in [
            ("accepted", &self.authorisations_accepted),
            ("refused", &self.authorisations_refused),
        ] {
            let _ = writeln!(
                out,
                "countersign_authorisations_verified_total{{outcome=\"{outcome}\"}} {}",
                load(counter)
            );
        }
        let _ = writeln!(
            out,
            "# HELP countersign_waiting_sessions Sessions with a requester waiting on this instance."
        );
        let _ = writeln!(out, "# TYPE countersign_waiting_sessions gauge");
        let _ = writeln!(out, "countersign_waiting_sessions {waiting_sessions}");
        out
    }
}
