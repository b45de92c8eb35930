//! The figures as the table a person reads, or as the JSON object
//! `cargo xtask bench` reads (its keys are agreed: see the test).

use serde_json::{Value, json};

use crate::measure::Figures;
use crate::options::Options;
use crate::targets::{Goal, RELEASE_P99_TARGET_MS, STATUS_SHARE_TARGET, WAITERS_RSS_TARGET_MB};

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
    })
}

pub fn report_json(sqlite: &Figures, postgres: Option<&Figures>, ceiling: f64) -> Value {
    json!({
        "sqlite": figures_json(sqlite),
        "postgres": postgres.map_or(Value::Null, figures_json),
        "ceiling_per_s": round(ceiling, 1),
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
        let value = (self.get)(figures);
        let text = format!("{value:.prec$}", prec = self.decimals);
        match self.goal.met(value) {
            Some(true) => format!("{text} ok"),
            Some(false) => format!("{text} MISS"),
            None => text,
        }
    }
}

/// The table's rows, with the targets that depend on the ceiling.
fn rows(ceiling: f64) -> [Row; 6] {
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
    ]
}

pub fn report_table(
    options: &Options,
    sqlite: &Figures,
    postgres: Option<&Figures>,
    ceiling: f64,
) -> String {
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
        };
        let report = report_json(&f, None, 10.0);
        let keys: Vec<&str> = report["sqlite"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 6, "{keys:?}");
        for key in [
            "create_per_s",
            "status_per_s",
            "approve_per_s",
            "release_p50_ms",
            "release_p99_ms",
            "waiters_10k_rss_mb",
        ] {
            assert!(report["sqlite"][key].is_number(), "{key}");
        }
        assert!(report["postgres"].is_null());
        assert_eq!(report["ceiling_per_s"], 10.0);
        assert_eq!(report["sqlite"]["create_per_s"], 1234.6);
        assert_eq!(report["sqlite"]["release_p50_ms"], 0.123);
        let both = report_json(&f, Some(&f), 10.0);
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
            10.0,
        );
        assert!(table.contains("release p99 (ms)"), "{table}");
        assert!(table.contains("not run"), "{table}");
    }
}
