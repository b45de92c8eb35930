//! The figures as the table a person reads, or as the JSON object
//! `cargo xtask bench` reads (its keys are agreed: see the test).

use serde_json::{Value, json};

use crate::measure::{Common, Figures};
use crate::options::Options;
use crate::targets::{
    Goal, LOGOUT_REFUSAL_P99_TARGET_MS, RELEASE_P99_TARGET_MS, STATUS_SHARE_TARGET,
    VERIFY_OFFLINE_PER_CORE_TARGET, WAITERS_RSS_TARGET_MB,
};

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let rounded = (value * scale).round() / scale;
    if rounded.is_finite() { rounded } else { 0.0 }
}

fn figures_json(f: &Figures) -> Value {
    json!({
        "create_per_s": round(f.create_per_s, 1),
        "status_per_s": round(f.status_per_s, 1),
        "approve_per_s": round(f.approve_per_s, 1),
        "release_p50_ms": round(f.release_p50_ms, 3),
        "release_p99_ms": round(f.release_p99_ms, 3),
        "waiters_10k_rss_mb": round(f.waiters_10k_rss_mb, 1),
        "verify_service_per_s": round(f.verify_service_per_s, 1),
        "verify_service_once_per_s": round(f.verify_service_once_per_s, 1),
        "logout_to_refusal_p50_ms": round(f.logout_to_refusal_p50_ms, 3),
        "logout_to_refusal_p99_ms": round(f.logout_to_refusal_p99_ms, 3),
    })
}

pub fn report_json(sqlite: &Figures, postgres: Option<&Figures>, common: Common) -> Value {
    json!({
        "sqlite": figures_json(sqlite),
        "postgres": postgres.map_or(Value::Null, figures_json),
        "ceiling_per_s": round(common.ceiling_per_s, 1),
        "verify_offline_per_s": round(common.verify_offline_per_s, 1),
    })
}

/// One row of the table: its name, how to read it, and its decimals.
struct Row {
    name: &'static str,
    get: fn(&Figures) -> f64,
    decimals: usize,
    goal: Goal,
    goal_text: String,
}

impl Row {
    /// A row with no target.
    fn plain(name: &'static str, get: fn(&Figures) -> f64, decimals: usize) -> Self {
        Self {
            name,
            get,
            decimals,
            goal: Goal::None,
            goal_text: "-".into(),
        }
    }

    fn cell(&self, figures: Option<&Figures>) -> String {
        let Some(figures) = figures else {
            return "not run".into();
        };
        marked((self.get)(figures), self.decimals, self.goal)
    }
}

/// `value` with `decimals`, marked `ok` or `MISS` against `goal`.
fn marked(value: f64, decimals: usize, goal: Goal) -> String {
    let text = format!("{value:.decimals$}");
    match goal.met(value) {
        Some(true) => format!("{text} ok"),
        Some(false) => format!("{text} MISS"),
        None => text,
    }
}

/// The table's rows, with the targets that depend on the ceiling.
fn rows(ceiling: f64) -> [Row; 10] {
    let status_target = ceiling * STATUS_SHARE_TARGET;
    [
        Row::plain("session requests /s", |f| f.create_per_s, 0),
        Row {
            goal: Goal::AtLeast(status_target),
            goal_text: format!(">= {status_target:.0} (half the ceiling)"),
            ..Row::plain("status reads /s", |f| f.status_per_s, 0)
        },
        Row::plain("approvals /s", |f| f.approve_per_s, 0),
        Row::plain("release p50 (ms)", |f| f.release_p50_ms, 2),
        Row {
            goal: Goal::Below(RELEASE_P99_TARGET_MS),
            goal_text: format!("< {RELEASE_P99_TARGET_MS:.0}"),
            ..Row::plain("release p99 (ms)", |f| f.release_p99_ms, 2)
        },
        Row {
            goal: Goal::AtMost(WAITERS_RSS_TARGET_MB),
            goal_text: format!("<= {WAITERS_RSS_TARGET_MB:.0}"),
            ..Row::plain("RSS, 10k waiters (MB)", |f| f.waiters_10k_rss_mb, 1)
        },
        Row::plain("service verifies /s", |f| f.verify_service_per_s, 0),
        Row::plain(
            "service verifies once /s",
            |f| f.verify_service_once_per_s,
            0,
        ),
        Row::plain(
            "logout->refusal p50 (ms)",
            |f| f.logout_to_refusal_p50_ms,
            2,
        ),
        Row {
            goal: Goal::Below(LOGOUT_REFUSAL_P99_TARGET_MS),
            goal_text: format!("< {LOGOUT_REFUSAL_P99_TARGET_MS:.0}"),
            ..Row::plain(
                "logout->refusal p99 (ms)",
                |f| f.logout_to_refusal_p99_ms,
                2,
            )
        },
    ]
}

pub fn report_table(
    options: &Options,
    sqlite: &Figures,
    postgres: Option<&Figures>,
    common: Common,
) -> String {
    let ceiling = common.ceiling_per_s;
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mut out = format!(
        "countersign-bench: {} connections, {} s per throughput loop, {cpus} CPUs \
         (MB here is MiB, from VmRSS)\n\n{:<26}{:<16}{:<16}{}\n",
        options.concurrency,
        options.duration.as_secs(),
        "figure",
        "sqlite",
        "postgres",
        "target"
    );
    for row in &rows(ceiling) {
        out.push_str(&format!(
            "{:<26}{:<16}{:<16}{}\n",
            row.name,
            row.cell(Some(sqlite)),
            row.cell(postgres),
            row.goal_text
        ));
    }
    out.push_str(&format!(
        "{:<26}{:<32}{}\n",
        "bare axum ceiling /s",
        format!("{ceiling:.0}"),
        "(GET / on a bare axum app, same load)"
    ));
    out.push_str(&format!(
        "{:<26}{:<32}>= {VERIFY_OFFLINE_PER_CORE_TARGET:.0} (70 % of 20,000)\n",
        "offline verifies /s/core",
        marked(
            common.verify_offline_per_s,
            0,
            Goal::AtLeast(VERIFY_OFFLINE_PER_CORE_TARGET)
        ),
    ));
    out
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::time::Duration;

    use super::*;

    #[test]
    fn json_report_has_the_agreed_keys() {
        let f = Figures {
            create_per_s: 1234.56,
            status_per_s: 2.0,
            approve_per_s: 3.0,
            release_p50_ms: 0.12345,
            release_p99_ms: 1.0,
            waiters_10k_rss_mb: 55.55,
            verify_service_per_s: 4.0,
            verify_service_once_per_s: 5.0,
            logout_to_refusal_p50_ms: 6.0,
            logout_to_refusal_p99_ms: 1500.0,
        };
        let common = Common {
            ceiling_per_s: 10.0,
            verify_offline_per_s: 15_000.04,
        };
        let report = report_json(&f, None, common);
        let keys: Vec<&str> = report["sqlite"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 10, "{keys:?}");
        for key in [
            "create_per_s",
            "status_per_s",
            "approve_per_s",
            "release_p50_ms",
            "release_p99_ms",
            "waiters_10k_rss_mb",
            "verify_service_per_s",
            "verify_service_once_per_s",
            "logout_to_refusal_p50_ms",
            "logout_to_refusal_p99_ms",
        ] {
            assert!(report["sqlite"][key].is_number(), "{key}");
        }
        assert!(report["postgres"].is_null());
        assert_eq!(report["ceiling_per_s"], 10.0);
        assert_eq!(report["verify_offline_per_s"], 15_000.0);
        assert_eq!(report["sqlite"]["create_per_s"], 1234.6);
        assert_eq!(report["sqlite"]["release_p50_ms"], 0.123);
        let both = report_json(&f, Some(&f), common);
        assert_eq!(both["postgres"], both["sqlite"]);
        let table = report_table(
            &Options {
                server_bin: PathBuf::new(),
                postgres_url: None,
                json: false,
                duration: Duration::from_secs(3),
                concurrency: 32,
            },
            &f,
            None,
            common,
        );
        assert!(table.contains("release p99 (ms)"), "{table}");
        assert!(table.contains("not run"), "{table}");
        let line = |name: &str| {
            table
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no {name} in {table}"))
                .to_owned()
        };
        assert!(
            line("logout->refusal p99").contains("1500.00 MISS"),
            "{table}"
        );
        assert!(
            line("offline verifies /s/core").contains("15000 ok"),
            "{table}"
        );
    }
}
