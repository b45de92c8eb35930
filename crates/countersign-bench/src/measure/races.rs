//! Races on one pending session: an approval, a denial and a
//! "this wasn't me" report signed by the user's device and sent at once,
//! on SQLite to its one instance and on PostgreSQL spread over two
//! instances on one database, with a read of the session on every
//! instance in flight beside them. Counted: sessions decided twice, the
//! database's status against the winner's, and whether every instance
//! answers that status within a second.
//!
//! The transition table allows one second change here: a report after the
//! approval (`approved -> suspicious`). So the winner is the statement that
//! decided the pending session (an accepted report decided it only if its
//! answer shows no approval), and the status to be stored is the last
//! accepted statement's.

use countersign_core::api::paths;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use countersign_core::client::Decision;
use countersign_core::{LoginSession, Status};
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::calls::{self, REQUEST_LIMIT, create_session, read_session};
use crate::client::Conn;
use crate::device::{Device, shown_session};
use crate::options::Options;
use crate::server::{self, Database, Running, TempDir};
use crate::targets::RACE_AGREEMENT_LIMIT;
use crate::{clock, progress};

mod verdict;

use verdict::{accepted_session, judge};

/// The statements of one race, in this order: approve, deny, report.
const STATEMENTS: usize = 3;
/// How often a lagging instance is asked again.
const POLL: Duration = Duration::from_millis(10);
/// How long `admin session list` may take to print every race's session.
const LIST_LIMIT: Duration = Duration::from_secs(120);
/// A progress line every this many races.
const PROGRESS_EVERY: usize = 2_000;

/// The figures of the races on one database.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Races {
    /// Instances the statements were spread over.
    pub instances: usize,
    /// Races run.
    pub races: u64,
    /// Races where more than one statement decided the pending session.
    pub double_decisions: u64,
    /// Races where no statement was accepted.
    pub without_winner: u64,
    /// Races where the report was accepted after the winning approval.
    pub reports_after_approval: u64,
    /// Races whose session the database holds in the status to be stored.
    pub stored_as_winner: u64,
    /// Races whose status every instance answered within the limit.
    pub agreed: u64,
    /// Races on which some instance still answered another status once
    /// every race was over.
    pub still_differing: u64,
    /// The longest wait, in milliseconds, for every instance to agree.
    pub slowest_agreement_ms: f64,
    /// Seconds the races took, sessions' requests included.
    pub seconds: f64,
}

/// The races on SQLite, and on PostgreSQL when `--postgres-url` is given;
/// `None` with `--races 0`.
pub async fn both(options: &Options) -> Result<Option<(Races, Option<Races>)>, String> {
    if options.races == 0 {
        return Ok(None);
    }
    let sqlite = on_backend("sqlite races", options, None).await?;
    let postgres = match &options.postgres_url {
        Some(url) => Some(on_backend("postgres races", options, Some(url)).await?),
        None => None,
    };
    Ok(Some((sqlite, postgres)))
}

/// Fresh instances on one database (one on SQLite, two on PostgreSQL, all
/// with the first one's public URL), a user and a device, then the races.
async fn on_backend(
    stage: &str,
    options: &Options,
    postgres_url: Option<&str>,
) -> Result<Races, String> {
    let dir = TempDir::new()?;
    let (database, instances) = match postgres_url {
        Some(url) => (Database::Postgres(url.to_owned()), 2),
        None => (Database::Sqlite(dir.path().join("data")), 1),
    };
    // PostgreSQL is shared between runs, so each run has its own user.
    let username = format!("bench-races-{}", server::random_hex::<6>()?);
    let user = server::add_user(&options.server_bin, &database, &username).await?;
    let mut running: Vec<Running> = Vec::with_capacity(instances);
    let mut public_url = None;
    for n in 1..=instances {
        let log = dir.path().join(format!("server-{n}.log"));
        let started =
            server::start_instance(&options.server_bin, &database, &log, public_url.as_deref())
                .await?;
        public_url.get_or_insert_with(|| format!("http://{}", started.addr()));
        running.push(started);
    }
    let addrs: Vec<_> = running.iter().map(Running::addr).collect();
    progress(
        stage,
        format_args!("{instances} instance(s) on {addrs:?}, user {username}"),
    );
    if instances > 1 {
        // Each instance opens its LISTEN connection as it starts; give the
        // last one a moment, as the suite's two-instance tests do.
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let service = countersign_core::ServiceUrl::parse(public_url.as_deref().unwrap_or_default())
        .map_err(|e| format!("the bench service's URL: {e}"))?;
    let device = Arc::new(Device::new(user.user_uid, service)?);
    let race = Race {
        stage,
        options,
        database: &database,
        username: &username,
        addrs: &addrs,
    };
    let measured = match race.enroll(&device, &user.token).await {
        Ok(()) => race.run(&device).await,
        Err(e) => Err(e),
    };
    let mut measured = measured.map_err(|e| format!("{stage}: {e}"));
    for (n, one) in running.iter_mut().enumerate() {
        if let Err(e) = &mut measured {
            match one.check_alive(&format!("instance {}", n + 1)) {
                Err(died) => e.push_str(&format!("; {died}")),
                Ok(()) => e.push_str(&one.log_tail()),
            }
        }
    }
    for one in running {
        one.stop().await;
    }
    drop(dir);
    measured
}

/// Where the races run.
struct Race<'a> {
    stage: &'a str,
    options: &'a Options,
    database: &'a Database,
    username: &'a str,
    addrs: &'a [std::net::SocketAddr],
}

/// What the races found so far, shared by the workers.
#[derive(Default)]
struct Tally {
    figures: Races,
    /// Every race's session and the status to be stored.
    expected: Vec<(Uuid, Status)>,
    /// Races some instance had not caught up with within the limit.
    lagging: Vec<(Uuid, Status)>,
    /// The refusals' codes, counted.
    refusals: BTreeMap<String, u64>,
    /// Races won by the approval, the denial and the report.
    won_by: [u64; STATEMENTS],
}

/// One worker's connections: one per statement and instance, so the three
/// statements leave at once, and one per instance for everything else.
struct Lanes {
    statements: [Vec<Conn>; STATEMENTS],
    others: Vec<Conn>,
}

impl Race<'_> {
    async fn run(&self, device: &Arc<Device>) -> Result<Races, String> {
        let count = self.options.races;
        let workers = self.options.concurrency.min(count).max(1);
        progress(
            self.stage,
            format_args!("{count} races, {workers} at a time"),
        );
        let bodies = calls::request_bodies(self.username, workers)?;
        let tally = Arc::new(Mutex::new(Tally::default()));
        let tickets = Arc::new(AtomicUsize::new(0));
        let start = clock::instant();
        let mut running = JoinSet::new();
        for worker in 0..workers {
            let mut lanes = self.lanes().await?;
            let body = bodies.get(worker).cloned().ok_or("no request body")?;
            let (device, tally, tickets) =
                (Arc::clone(device), Arc::clone(&tally), Arc::clone(&tickets));
            let stage = self.stage.to_owned();
            running.spawn(async move {
                loop {
                    let i = tickets.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return Ok(());
                    }
                    race(&mut lanes, &device, &body, i, &tally).await?;
                    if (i + 1) % PROGRESS_EVERY == 0 {
                        progress(&stage, format_args!("{} races run", i + 1));
                    }
                }
            });
        }
        let mut first_error = None;
        while let Some(joined) = running.join_next().await {
            let failed = match joined {
                Ok(Ok(())) => continue,
                Ok(Err(e)) => e,
                Err(e) => format!("a race worker failed: {e}"),
            };
            // Stop the others: their races no longer count.
            running.abort_all();
            first_error.get_or_insert(failed);
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        let seconds = start.elapsed().as_secs_f64();
        let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(PoisonError::into_inner));
        tally.figures.instances = self.addrs.len();
        tally.figures.seconds = seconds;
        tally.figures.stored_as_winner = self.stored_as_winner(&tally.expected).await?;
        tally.figures.still_differing = self.still_differing(&tally.lagging).await?;
        self.report(&tally);
        Ok(tally.figures)
    }

    /// Enrolls `device` on the first instance.
    async fn enroll(&self, device: &Device, token: &str) -> Result<(), String> {
        let first = self.addrs.first().ok_or("no instance")?;
        calls::enroll(&mut Conn::open(*first).await?, device, token).await
    }

    /// A connection to every instance.
    async fn conns(&self) -> Result<Vec<Conn>, String> {
        let mut conns = Vec::with_capacity(self.addrs.len());
        for addr in self.addrs {
            conns.push(Conn::open(*addr).await?);
        }
        Ok(conns)
    }

    async fn lanes(&self) -> Result<Lanes, String> {
        Ok(Lanes {
            statements: [
                self.conns().await?,
                self.conns().await?,
                self.conns().await?,
            ],
            others: self.conns().await?,
        })
    }

    /// How many races' sessions the database holds in the status to be
    /// stored, read by `admin session list` straight from it (no instance's
    /// cache in between).
    async fn stored_as_winner(&self, expected: &[(Uuid, Status)]) -> Result<u64, String> {
        let limit = (expected.len() + 10).to_string();
        let run = tokio::process::Command::new(&self.options.server_bin)
            .args(["admin", "session", "list", "--json", "--limit", &limit])
            .args(["--user", self.username])
            .args(self.database.args())
            .stdin(std::process::Stdio::null())
            .kill_on_drop(true)
            .output();
        let output = tokio::time::timeout(LIST_LIMIT, run)
            .await
            .map_err(|_| "admin session list took too long".to_owned())?
            .map_err(|e| format!("cannot run admin session list: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "admin session list failed ({}): {}",
                output.status,
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        let mut stored = HashMap::with_capacity(expected.len());
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            let session = LoginSession::from_json(line)
                .map_err(|e| format!("admin session list printed {line:?}: {e}"))?;
            stored.insert(session.uid(), session.status());
        }
        Ok(count(
            expected
                .iter()
                .filter(|(uid, status)| stored.get(uid) == Some(status)),
        ))
    }

    /// How many of the `lagging` races some instance still answers with
    /// another status now that every race is over.
    async fn still_differing(&self, lagging: &[(Uuid, Status)]) -> Result<u64, String> {
        let mut conns = self.conns().await?;
        let mut differing = 0;
        for (uid, expected) in lagging {
            for conn in &mut conns {
                if read_session(conn, *uid).await?.status() != *expected {
                    differing += 1;
                    break;
                }
            }
        }
        Ok(differing)
    }

    fn report(&self, tally: &Tally) {
        let f = &tally.figures;
        let [approve, deny, report] = tally.won_by;
        progress(
            self.stage,
            format_args!("won by the approval {approve}, the denial {deny}, the report {report}"),
        );
        progress(
            self.stage,
            format_args!(
                "{} races in {:.1} s over {} instance(s): {} decided twice, {} without a \
                 winner, {} reported after the approval; stored = winner {}/{}; every instance \
                 agreed within {} ms {}/{} (slowest {:.1} ms), {} still differing at the end; \
                 refusals {:?}",
                f.races,
                f.seconds,
                f.instances,
                f.double_decisions,
                f.without_winner,
                f.reports_after_approval,
                f.stored_as_winner,
                f.races,
                RACE_AGREEMENT_LIMIT.as_millis(),
                f.agreed,
                f.races,
                f.slowest_agreement_ms,
                f.still_differing,
                tally.refusals
            ),
        );
    }
}

/// The instance statement `k` of race `i` goes to: the approval and the
/// denial always to different ones, the report to either in turn.
fn instance_of(i: usize, k: usize, instances: usize) -> usize {
    let turn = match k {
        0 => i,
        1 => i + 1,
        _ => i / 2,
    };
    turn % instances.max(1)
}

/// Race `i`: a fresh session, its approval page, the three statements at
/// once beside a read on every instance, then reads until every instance
/// answers the status to be stored or the limit passes.
async fn race(
    lanes: &mut Lanes,
    device: &Device,
    body: &[u8],
    i: usize,
    tally: &Mutex<Tally>,
) -> Result<(), String> {
    let instances = lanes.others.len();
    let home = lanes.others.get_mut(i % instances).ok_or("no connection")?;
    let created = create_session(home, body).await?;
    let page = home
        .request(
            "GET",
            &paths::approval(created.short_uid),
            b"",
            REQUEST_LIMIT,
        )
        .await?
        .expect_status(200, "GET /api/approvals/{short_uid}")?;
    let shown = shown_session(&page)?;
    let uid = shown.uid();
    let decisions = [
        Decision::Approve(created.code),
        Decision::Deny,
        Decision::Suspicious,
    ];
    let [approval, denial, report_body] = decisions.map(|d| device.decide(&shown, d));
    let signed = [approval?, denial?, report_body?];

    let path = paths::session_statements(uid);
    let Lanes {
        statements: [approve, deny, report],
        others,
    } = lanes;
    let (a, d, r) = (
        pick(approve, instance_of(i, 0, instances))?,
        pick(deny, instance_of(i, 1, instances))?,
        pick(report, instance_of(i, 2, instances))?,
    );
    let [approval, denial, report_body] = &signed;
    let (approved, denied, reported, read) = tokio::join!(
        a.request("POST", &path, approval, REQUEST_LIMIT),
        d.request("POST", &path, denial, REQUEST_LIMIT),
        r.request("POST", &path, report_body, REQUEST_LIMIT),
        read_everywhere(others, uid),
    );
    read?;
    let mut accepted = [None, None, None];
    let mut refused = Vec::new();
    for (slot, answer) in accepted.iter_mut().zip([approved?, denied?, reported?]) {
        match accepted_session(&answer, uid)? {
            Ok(session) => *slot = Some(session),
            Err(code) => refused.push(code),
        }
    }
    let verdict = judge(&accepted);
    let agreed = match verdict.expected {
        Some(status) => agreement(others, uid, status).await?,
        None => None,
    };

    let mut tally = tally.lock().unwrap_or_else(PoisonError::into_inner);
    let f = &mut tally.figures;
    f.races += 1;
    f.double_decisions += u64::from(verdict.decisions > 1);
    f.without_winner += u64::from(verdict.decisions == 0);
    f.reports_after_approval += u64::from(verdict.report_after_approval);
    if let Some(waited) = agreed {
        f.agreed += 1;
        f.slowest_agreement_ms = f.slowest_agreement_ms.max(waited.as_secs_f64() * 1000.0);
    }
    if let Some(status) = verdict.expected {
        tally.expected.push((uid, status));
        if agreed.is_none() {
            tally.lagging.push((uid, status));
        }
    }
    if let Some(slot) = verdict.winner.and_then(|k| tally.won_by.get_mut(k)) {
        *slot += 1;
    }
    for code in refused {
        *tally.refusals.entry(code).or_default() += 1;
    }
    Ok(())
}

/// The connection to instance `n` in `lane`.
fn pick(lane: &mut [Conn], n: usize) -> Result<&mut Conn, String> {
    lane.get_mut(n)
        .ok_or_else(|| format!("no connection to instance {}", n + 1))
}

/// Reads session `uid` on every instance (one after the other, while the
/// statements race): any status, but an answer.
async fn read_everywhere(conns: &mut [Conn], uid: Uuid) -> Result<(), String> {
    for conn in conns {
        read_session(conn, uid).await?;
    }
    Ok(())
}

/// Reads session `uid` on every instance until all answer `expected`;
/// answers how long that took, or `None` if the limit passed first.
async fn agreement(
    conns: &mut [Conn],
    uid: Uuid,
    expected: Status,
) -> Result<Option<Duration>, String> {
    let start = clock::instant();
    loop {
        let mut all = true;
        for conn in conns.iter_mut() {
            all &= read_session(conn, uid).await?.status() == expected;
        }
        let waited = start.elapsed();
        if all {
            return Ok(Some(waited));
        }
        if waited >= RACE_AGREEMENT_LIMIT {
            return Ok(None);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// How many items `items` holds.
fn count<T>(items: impl Iterator<Item = T>) -> u64 {
    u64::try_from(items.count()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn approvals_and_denials_go_to_different_instances() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..8 {
            let [a, d, r] = [0, 1, 2].map(|k| instance_of(i, k, 2));
            assert_ne!(a, d);
            seen.insert((a, d, r));
            assert_eq!([0, 1, 2].map(|k| instance_of(i, k, 1)), [0, 0, 0]);
        }
        assert_eq!(seen.len(), 4, "every spread occurs: {seen:?}");
    }
}
