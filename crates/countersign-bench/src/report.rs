//! The figures as the table a person reads, or as the JSON object
//! `cargo xtask bench` reads (its keys are agreed: see the test).

use serde_json::{Value, json};

use crate::measure::{Common, Figures, LOGIN_CONNECTIONS, Races};
use crate::options::Options;
use crate::targets::{
    APPROVALS_PER_S_TARGET, Goal, LOGIN_P99_TARGET_MS, LOGIN_PER_S_TARGET,
    LOGOUT_REFUSAL_P99_TARGET_MS, RACE_AGREEMENT_LIMIT, RACE_DOUBLE_DECISIONS_TARGET,
    RELEASE_P99_TARGET_MS, STATUS_SHARE_TARGET, VERIFY_OFFLINE_PER_CORE_TARGET,
    WAITERS_RSS_TARGET_MB,
};

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    let rounded = (value * scale).round() / scale;
    if rounded.is_finite() { rounded } else { 0.0 }
}

fn figures_json(f: &Figures) -> Value {
    json!({
        "create_per_s": round(f.create_per_s, 1),
        "create_50_per_s": round(f.create_50_per_s, 1),
        "create_50_p99_ms": round(f.create_50_p99_ms, 3),
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
        "ceiling_50_per_s": round(common.ceiling_login_load_per_s, 1),
        "bare_10k_rss_mb": round(common.bare_10k_rss_mb, 1),
        "verify_offline_per_s": round(common.verify_offline_per_s, 1),
    })
}

/// One row of the table: its name, how to read it, its decimals, and its
/// target on SQLite and on PostgreSQL.
struct Row {
    name: &'static str,
    get: Box<dyn Fn(&Figures) -> f64>,
    decimals: usize,
    goals: [Goal; 2],
    goal_text: String,
}

impl Row {
    /// A row with no target.
    fn plain(name: &'static str, get: impl Fn(&Figures) -> f64 + 'static, decimals: usize) -> Self {
        Self {
            name,
            get: Box::new(get),
            decimals,
            goals: [Goal::None; 2],
            goal_text: "-".into(),
        }
    }

    /// The same target on both databases.
    fn both(self, goal: Goal, text: String) -> Self {
        Self {
            goals: [goal; 2],
            goal_text: text,
            ..self
        }
    }

    /// A target on SQLite only.
    fn sqlite(self, goal: Goal, text: String) -> Self {
        Self {
            goals: [goal, Goal::None],
            goal_text: text,
            ..self
        }
    }

    fn cell(&self, figures: Option<&Figures>, goal: Goal) -> String {
        let Some(figures) = figures else {
            return "not run".into();
        };
        marked((self.get)(figures), self.decimals, goal)
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

/// `part` as a percentage of `whole` (0 when there is no whole).
fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 {
        100.0 * part / whole
    } else {
        0.0
    }
}

/// The table's rows: the service's targets, then the relying party's.
fn rows(common: Common) -> Vec<Row> {
    let ceiling = common.ceiling_per_s;
    let bare_50 = common.ceiling_login_load_per_s;
    vec![
        Row::plain("login requests /s", |f| f.create_per_s, 0).sqlite(
            Goal::AtLeast(LOGIN_PER_S_TARGET),
            format!(">= {LOGIN_PER_S_TARGET:.0} on SQLite, kept through kill -9"),
        ),
        Row::plain("login req/s, 50 conns", |f| f.create_50_per_s, 0).sqlite(
            Goal::AtLeast(LOGIN_PER_S_TARGET),
            format!(">= {LOGIN_PER_S_TARGET:.0} on SQLite (bare: {bare_50:.0}/s)"),
        ),
        Row::plain("login p99, 50 conns (ms)", |f| f.create_50_p99_ms, 2).sqlite(
            Goal::Below(LOGIN_P99_TARGET_MS),
            format!("< {LOGIN_P99_TARGET_MS:.0} on SQLite"),
        ),
        Row::plain("approvals /s", |f| f.approve_per_s, 0).both(
            Goal::AtLeast(APPROVALS_PER_S_TARGET),
            format!(">= {APPROVALS_PER_S_TARGET:.0}"),
        ),
        Row::plain("status reads /s", |f| f.status_per_s, 0),
        Row::plain(
            "status / ceiling (%)",
            move |f| share(f.status_per_s, ceiling),
            1,
        )
        .both(
            Goal::AtLeast(100.0 * STATUS_SHARE_TARGET),
            format!(">= {:.0}", 100.0 * STATUS_SHARE_TARGET),
        ),
        Row::plain("release p50 (ms)", |f| f.release_p50_ms, 2),
        Row::plain("release p99 (ms)", |f| f.release_p99_ms, 2).both(
            Goal::Below(RELEASE_P99_TARGET_MS),
            format!("< {RELEASE_P99_TARGET_MS:.0}"),
        ),
        Row::plain("RSS, 10k waiters (MB)", |f| f.waiters_10k_rss_mb, 1).both(
            Goal::AtMost(WAITERS_RSS_TARGET_MB),
            format!(
                "<= {WAITERS_RSS_TARGET_MB:.0} (bare server: {:.1})",
                common.bare_10k_rss_mb
            ),
        ),
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
        Row::plain(
            "logout->refusal p99 (ms)",
            |f| f.logout_to_refusal_p99_ms,
            2,
        )
        .both(
            Goal::Below(LOGOUT_REFUSAL_P99_TARGET_MS),
            format!("< {LOGOUT_REFUSAL_P99_TARGET_MS:.0}"),
        ),
    ]
}

pub fn report_table(
    options: &Options,
    sqlite: &Figures,
    postgres: Option<&Figures>,
    common: Common,
) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let mut out = format!(
        "countersign-bench: {} connections ({LOGIN_CONNECTIONS} where said), {} s per \
         throughput loop, {cpus} CPUs (MB here is MiB, from VmRSS)\n\n{:<26}{:<16}{:<16}{}\n",
        options.concurrency,
        options.duration.as_secs(),
        "figure",
        "sqlite",
        "postgres",
        "target"
    );
    for row in &rows(common) {
        let [on_sqlite, on_postgres] = row.goals;
        out.push_str(&format!(
            "{:<26}{:<16}{:<16}{}\n",
            row.name,
            row.cell(Some(sqlite), on_sqlite),
            row.cell(postgres, on_postgres),
            row.goal_text
        ));
    }
    let common_rows = [
        (
            "bare axum ceiling /s",
            format!("{:.0}", common.ceiling_per_s),
            format!(
                "(GET / on a bare axum app, {} connections)",
                options.concurrency
            ),
        ),
        (
            "bare ceiling, 50 conns /s",
            format!("{:.0}", common.ceiling_login_load_per_s),
            format!("(the same, {LOGIN_CONNECTIONS} connections)"),
        ),
        (
            "bare, 10k requests (MB)",
            format!("{:.1}", common.bare_10k_rss_mb),
            "(the bare app holding 10,000 requests)".to_owned(),
        ),
        (
            "offline verifies /s/core",
            marked(
                common.verify_offline_per_s,
                0,
                Goal::AtLeast(VERIFY_OFFLINE_PER_CORE_TARGET),
            ),
            format!(">= {VERIFY_OFFLINE_PER_CORE_TARGET:.0} (70 % of 20,000)"),
        ),
    ];
    for (name, value, note) in common_rows {
        out.push_str(&format!("{name:<26}{value:<32}{note}\n"));
    }
    out
}

/// The races on SQLite and, if run, on PostgreSQL.
pub type RaceFigures = (Races, Option<Races>);

fn race_json(r: &Races) -> Value {
    json!({
        "instances": r.instances,
        "races": r.races,
        "double_decisions": r.double_decisions,
        "without_winner": r.without_winner,
        "reports_after_approval": r.reports_after_approval,
        "stored_as_winner": r.stored_as_winner,
        "agreed_within_limit": r.agreed,
        "still_differing": r.still_differing,
        "slowest_agreement_ms": round(r.slowest_agreement_ms, 3),
        "seconds": round(r.seconds, 1),
    })
}

/// The races as JSON: `null` when none ran.
pub fn races_json(races: Option<&RaceFigures>) -> Value {
    races.map_or(Value::Null, |(sqlite, postgres)| {
        json!({
            "sqlite": race_json(sqlite),
            "postgres": postgres.as_ref().map_or(Value::Null, race_json),
        })
    })
}

/// `count` of `all` races, `ok` only when it is every one.
fn of_all(count: u64, all: u64) -> String {
    format!("{count}/{all} {}", if count == all { "ok" } else { "MISS" })
}

/// The races' rows, each a count of races against its target;
/// empty when none ran.
pub fn races_table(races: Option<&RaceFigures>) -> String {
    let Some((sqlite, postgres)) = races else {
        return String::new();
    };
    let within = RACE_AGREEMENT_LIMIT.as_secs_f64();
    let mut out = format!(
        "\nraces: approve, deny and report at once on one pending session; SQLite on one \
         instance, PostgreSQL on two on one database\n{:<36}{:<16}{:<16}target\n",
        "figure", "sqlite", "postgres"
    );
    type Cell = fn(&Races) -> String;
    let rows: [(String, Cell, String); 4] = [
        (
            "races, double decisions".into(),
            |r| {
                let ok = r.double_decisions == RACE_DOUBLE_DECISIONS_TARGET;
                format!("{} {}", r.double_decisions, if ok { "ok" } else { "MISS" })
            },
            RACE_DOUBLE_DECISIONS_TARGET.to_string(),
        ),
        (
            "races, stored = winner".into(),
            |r| of_all(r.stored_as_winner, r.races),
            "all".into(),
        ),
        (
            format!("races, instances agree within {within} s"),
            |r| of_all(r.agreed, r.races),
            "all".into(),
        ),
        (
            "races, time (s)".into(),
            |r| format!("{:.1}", r.seconds),
            "-".into(),
        ),
    ];
    for (name, cell, target) in rows {
        let on_postgres = postgres.as_ref().map_or_else(|| "not run".into(), cell);
        out.push_str(&format!(
            "{name:<36}{:<16}{on_postgres:<16}{target}\n",
            cell(sqlite)
        ));
    }
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
            create_50_per_s: 7000.0,
            create_50_p99_ms: 25.0,
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
            ceiling_login_load_per_s: 12.0,
            bare_10k_rss_mb: 40.0,
            verify_offline_per_s: 15_000.04,
        };
        let report = report_json(&f, None, common);
        let keys: Vec<&str> = report["sqlite"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys.len(), 12, "{keys:?}");
        for key in [
            "create_per_s",
            "create_50_per_s",
            "create_50_p99_ms",
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
        assert_eq!(report["ceiling_50_per_s"], 12.0);
        assert_eq!(report["bare_10k_rss_mb"], 40.0);
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
                races: 0,
                only_races: false,
                only_waiters: false,
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
        // Every row of the service's table, marked where it has a target.
        assert!(line("login requests /s").contains("1235 MISS"), "{table}");
        assert!(line("login req/s, 50 conns").contains("7000 ok"), "{table}");
        assert!(
            line("login req/s, 50 conns").contains("bare: 12/s"),
            "{table}"
        );
        assert!(
            line("login p99, 50 conns").contains("25.00 MISS"),
            "{table}"
        );
        assert!(line("approvals /s").contains("3 MISS"), "{table}");
        assert!(
            line("status / ceiling (%)").contains("20.0 MISS"),
            "{table}"
        );
        assert!(line("release p99 (ms)").contains("1.00 ok"), "{table}");
        assert!(line("RSS, 10k waiters (MB)").contains("55.5 ok"), "{table}");
        assert!(
            line("RSS, 10k waiters (MB)").contains("bare server: 40.0"),
            "{table}"
        );
        assert!(line("bare ceiling, 50 conns").contains("12"), "{table}");
        assert!(line("bare, 10k requests (MB)").contains("40.0"), "{table}");
    }

    #[test]
    fn races_rows_count_against_every_race() {
        let clean = Races {
            instances: 2,
            races: 10,
            stored_as_winner: 10,
            agreed: 10,
            seconds: 2.04,
            ..Races::default()
        };
        let lagging = Races {
            double_decisions: 1,
            agreed: 9,
            ..clean
        };
        let table = races_table(Some(&(lagging, Some(clean))));
        let line = |name: &str| {
            table
                .lines()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no {name} in {table}"))
                .to_owned()
        };
        assert!(
            line("races, double decisions").contains("1 MISS"),
            "{table}"
        );
        assert!(line("races, double decisions").contains("0 ok"), "{table}");
        assert!(
            line("races, stored = winner").contains("10/10 ok"),
            "{table}"
        );
        let agree = line("races, instances agree within 1 s");
        assert!(
            agree.contains("9/10 MISS") && agree.contains("10/10 ok"),
            "{table}"
        );
        assert!(line("races, time (s)").contains("2.0"), "{table}");
        assert!(races_table(Some(&(clean, None))).contains("not run"));
        assert!(races_table(None).is_empty());
        let json = races_json(Some(&(lagging, None)));
        assert_eq!(json["sqlite"]["double_decisions"], 1);
        assert_eq!(json["sqlite"]["agreed_within_limit"], 9);
        assert!(json["postgres"].is_null());
        assert!(races_json(None).is_null());
    }
}
