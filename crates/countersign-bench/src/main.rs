//! `countersign-bench`: starts the real `countersign-server` as a child
//! process, on SQLite and optionally PostgreSQL, drives it over HTTP from
//! 127.0.0.1 and prints its throughput, how fast a waiting requester is
//! released, and its memory with 10,000 requesters waiting, next to a bare
//! axum server's throughput as the ceiling.

mod client;
mod clock;
mod load;
mod server;

use std::fmt::Display;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use countersign_core::{Claim, DeviceName, Keypair, LoginSession, Signer, Statement};
use serde_json::{Value, json};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use uuid::Uuid;

use crate::client::{Conn, Response};
use crate::clock::now;
use crate::load::{Step, Throughput, percentile, timed};
use crate::server::{Database, Running, TempDir};

const USAGE: &str = "\
Usage: countersign-bench --server-bin PATH [--postgres-url URL] [--json]
                         [--duration-s N] [--concurrency N]

Starts PATH (a release build of countersign-server) on a fresh SQLite
database, and on PostgreSQL at URL when given, and measures it from
127.0.0.1. Prints a table, or with --json only one JSON object on stdout;
progress goes to stderr.

  --server-bin PATH    the countersign-server binary to run
  --postgres-url URL   also run against this PostgreSQL database (a user
                       named bench-<random> is added to it)
  --json               print one JSON object instead of the table
  --duration-s N       seconds each throughput loop runs (default 3)
  --concurrency N      connections each throughput loop uses (default 32)
";

/// Approvals prepared for the approval loop.
const APPROVALS: usize = 2_000;
/// Releases timed one at a time.
const RELEASES: usize = 200;
/// Requesters held waiting while the server's memory is read.
const WAITERS: usize = 10_000;
/// The longest any one ordinary request may take.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// The longest a waiting requester may take to be released once approved.
const RELEASE_LIMIT: Duration = Duration::from_secs(10);
/// The longest the release loop runs, whatever it has measured by then.
const RELEASE_LOOP_LIMIT: Duration = Duration::from_secs(60);
/// The longest making a batch of sessions may take.
const CREATE_LIMIT: Duration = Duration::from_secs(180);
/// The longest opening the waiters' connections may take.
const OPEN_LIMIT: Duration = Duration::from_secs(120);
/// How long after the waiters are registered the memory is read, so that
/// what they allocated has settled.
const SETTLE: Duration = Duration::from_secs(2);
/// Connections opened at once for the waiters. The server's listen queue is
/// finite, and a connection it drops costs a one-second SYN retransmit.
const CONNECTING_AT_ONCE: usize = 256;
/// Created sessions kept for the status and approval loops.
const KEEP_SESSIONS: usize = 20_000;

/// The targets printed next to the figures.
const STATUS_SHARE_TARGET: f64 = 0.5;
const RELEASE_P99_TARGET_MS: f64 = 10.0;
const WAITERS_RSS_TARGET_MB: f64 = 200.0;

#[derive(Debug, Clone)]
struct Options {
    server_bin: PathBuf,
    postgres_url: Option<String>,
    json: bool,
    duration: Duration,
    concurrency: usize,
}

#[derive(Debug)]
enum Mode {
    Bench(Options),
    /// Hidden: run the bare axum server on this port (the bench starts itself
    /// this way for the ceiling).
    Bare(u16),
    Help,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Mode, String> {
    let mut server_bin = None;
    let mut postgres_url = None;
    let mut json = false;
    let mut duration_s: u64 = 3;
    let mut concurrency: usize = 32;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Mode::Help),
            "--server-bin" => server_bin = Some(PathBuf::from(value("--server-bin")?)),
            "--postgres-url" => postgres_url = Some(value("--postgres-url")?),
            "--json" => json = true,
            "--duration-s" => {
                duration_s = value("--duration-s")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=600).contains(n))
                    .ok_or("--duration-s must be a whole number of seconds from 1 to 600")?;
            }
            "--concurrency" => {
                concurrency = value("--concurrency")?
                    .parse()
                    .ok()
                    .filter(|n| (1..=1024).contains(n))
                    .ok_or("--concurrency must be from 1 to 1024")?;
            }
            "--bare-server" => {
                let port = value("--bare-server")?
                    .parse()
                    .map_err(|_| "--bare-server needs a port")?;
                return Ok(Mode::Bare(port));
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let server_bin = server_bin.ok_or("--server-bin PATH is required (try --help)")?;
    Ok(Mode::Bench(Options {
        server_bin,
        postgres_url,
        json,
        duration: Duration::from_secs(duration_s),
        concurrency,
    }))
}

#[tokio::main]
async fn main() -> ExitCode {
    let outcome = match parse_args(std::env::args().skip(1)) {
        Ok(Mode::Help) => {
            print!("{USAGE}");
            Ok(())
        }
        Ok(Mode::Bare(port)) => server::run_bare(port).await,
        Ok(Mode::Bench(options)) => bench(&options).await,
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("countersign-bench: {message}");
            ExitCode::FAILURE
        }
    }
}

fn progress(stage: &str, message: impl Display) {
    eprintln!("[{stage}] {message}");
}

/// The figures for one database.
#[derive(Debug, Clone, Copy)]
struct Figures {
    create_per_s: f64,
    status_per_s: f64,
    approve_per_s: f64,
    release_p50_ms: f64,
    release_p99_ms: f64,
    waiters_10k_rss_mb: f64,
}

async fn bench(options: &Options) -> Result<(), String> {
    if !options.server_bin.is_file() {
        return Err(format!(
            "--server-bin {}: no such file (build it with cargo build --release -p countersign-server)",
            options.server_bin.display()
        ));
    }
    let ceiling = ceiling(options).await?;
    let sqlite = bench_backend("sqlite", options, None).await?;
    let postgres = match &options.postgres_url {
        Some(url) => Some(bench_backend("postgres", options, Some(url)).await?),
        None => None,
    };
    if options.json {
        println!("{}", report_json(&sqlite, postgres.as_ref(), ceiling));
    } else {
        print!(
            "{}",
            report_table(options, &sqlite, postgres.as_ref(), ceiling)
        );
    }
    Ok(())
}

/// The bare axum server's GET / rate, measured like status reads.
async fn ceiling(options: &Options) -> Result<f64, String> {
    progress("ceiling", "starting the bare axum server");
    let bare = server::start_bare().await?;
    let measured = timed(
        bare.addr(),
        options.concurrency,
        options.duration,
        |mut conn, _, _| async move {
            conn.request("GET", "/", b"", REQUEST_LIMIT)
                .await?
                .expect_status(200, "GET / on the bare server")?;
            Ok(Step::Done(conn))
        },
    )
    .await;
    bare.stop().await;
    let rate = measured?.per_second();
    progress("ceiling", format_args!("GET / {rate:.0}/s"));
    Ok(rate)
}

/// Runs every measurement against a fresh server on one database.
async fn bench_backend(
    stage: &str,
    options: &Options,
    postgres_url: Option<&str>,
) -> Result<Figures, String> {
    let dir = TempDir::new()?;
    let database = match postgres_url {
        Some(url) => Database::Postgres(url.to_owned()),
        None => Database::Sqlite(dir.path().join("data")),
    };
    // PostgreSQL is shared between runs, so each run has its own user.
    let username = format!("bench-{}", server::random_hex::<6>()?);
    progress(stage, format_args!("adding user {username}"));
    let user = server::add_user(&options.server_bin, &database, &username).await?;
    let log = dir.path().join("server.log");
    progress(stage, "starting the server");
    let mut running = server::start_server(&options.server_bin, &database, &log).await?;
    progress(
        stage,
        format_args!("server pid {} on {}", running.pid(), running.addr()),
    );
    let measured = measure(stage, options, &mut running, &user).await;
    // A dead server explains a failure best; a live one's log may say why
    // it answered as it did (its log goes away with the temporary directory).
    let measured = measured.map_err(|e| match running.check_alive("the server") {
        Err(died) => format!("{stage}: {e}; {died}"),
        Ok(()) => format!("{stage}: {e}{}", running.log_tail()),
    });
    running.stop().await;
    drop(dir);
    measured
}

/// The device that approves: its key stays here, the server has the public
/// half from its enrollment.
struct Device {
    user: Uuid,
    uid: Uuid,
    key: Keypair,
}

impl Device {
    fn new(user: Uuid) -> Result<Self, String> {
        Ok(Self {
            user,
            uid: countersign_core::uid_from_random(clock::random()?),
            key: Keypair::from_seed(&clock::random()?),
        })
    }

    fn sign(&self, claim: Claim) -> Result<Vec<u8>, String> {
        let signed = Statement::new(claim, Signer::Device(self.uid), now()).sign(&self.key);
        serde_json::to_vec(&signed).map_err(|e| format!("cannot write a statement: {e}"))
    }

    fn enrollment(&self) -> Result<Vec<u8>, String> {
        self.sign(Claim::EnrollDevice {
            user: self.user,
            device: self.uid,
            device_key: self.key.public_key(),
            device_name: DeviceName::new("countersign-bench").map_err(|e| e.to_string())?,
        })
    }

    /// The approval of the session an approval page shows, as the browser
    /// would sign it: the session's uid, the digest of what was shown, and
    /// the code (which the person would pick among the choices).
    fn approval(&self, page: &Response) -> Result<(Uuid, Vec<u8>), String> {
        let mut page = page.json()?;
        let shown = page
            .get_mut("session")
            .map(Value::take)
            .ok_or("the approval page has no session")?;
        let session = LoginSession::from_json_value(shown)
            .map_err(|e| format!("the approval page's session: {e}"))?;
        let claim = Claim::Approve {
            session: session.uid(),
            details: session
                .details_digest()
                .ok_or("the approval page's session has no keys")?,
            code: session
                .verification_code()
                .ok_or("the approval page's session has no code")?,
        };
        Ok((session.uid(), self.sign(claim)?))
    }
}

/// A session the bench asked for.
#[derive(Debug, Clone)]
struct Created {
    uid: String,
    short_uid: String,
}

impl Created {
    fn from_answer(answer: &Response) -> Result<Self, String> {
        let json = answer.json()?;
        let text = |key: &str| {
            json.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("POST /api/sessions answered without {key}"))
        };
        Ok(Self {
            uid: text("uid")?,
            short_uid: text("short_uid")?,
        })
    }
}

/// One login request body per connection, each with its own requester
/// keys, made before the clock starts so the loops time the server.
fn request_bodies(username: &str, count: usize) -> Result<Arc<Vec<Vec<u8>>>, String> {
    let mut bodies = Vec::with_capacity(count);
    for _ in 0..count.max(1) {
        let key = Keypair::from_seed(&clock::random()?);
        let cert = Keypair::from_seed(&clock::random()?);
        let body = json!({
            "username": username,
            "public_key": key.public_key(),
            "public_certificate": cert.public_key(),
        });
        bodies.push(body.to_string().into_bytes());
    }
    Ok(Arc::new(bodies))
}

async fn create_session(conn: &mut Conn, body: &[u8]) -> Result<Created, String> {
    let answer = conn
        .request("POST", "/api/sessions", body, REQUEST_LIMIT)
        .await?
        .expect_status(201, "POST /api/sessions")?;
    Created::from_answer(&answer)
}

/// Makes `count` sessions over `concurrency` connections, within
/// `CREATE_LIMIT`.
async fn create_many(
    addr: SocketAddr,
    concurrency: usize,
    bodies: &Arc<Vec<Vec<u8>>>,
    count: usize,
) -> Result<Vec<Created>, String> {
    let made = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let tickets = Arc::new(AtomicUsize::new(0));
    let (bodies, sink) = (Arc::clone(bodies), Arc::clone(&made));
    timed(
        addr,
        concurrency.min(count.max(1)),
        CREATE_LIMIT,
        move |mut conn, worker, _| {
            let (bodies, made, tickets) =
                (Arc::clone(&bodies), Arc::clone(&sink), Arc::clone(&tickets));
            async move {
                if tickets.fetch_add(1, Ordering::Relaxed) >= count {
                    return Ok(Step::NoMoreWork);
                }
                let body = bodies.get(worker % bodies.len()).ok_or("no request body")?;
                let created = create_session(&mut conn, body).await?;
                made.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(created);
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    let made = std::mem::take(&mut *made.lock().unwrap_or_else(PoisonError::into_inner));
    if made.len() < count {
        return Err(format!(
            "made only {} of {count} sessions within {} s",
            made.len(),
            CREATE_LIMIT.as_secs()
        ));
    }
    Ok(made)
}

/// The server's count of sessions with a requester waiting, from /metrics;
/// `None` if it does not publish one.
async fn waiting_sessions(conn: &mut Conn) -> Result<Option<u64>, String> {
    let answer = conn
        .request("GET", "/metrics", b"", REQUEST_LIMIT)
        .await?
        .expect_status(200, "GET /metrics")?;
    let text = String::from_utf8_lossy(&answer.body);
    Ok(text
        .lines()
        .find_map(|line| line.strip_prefix("countersign_waiting_sessions "))
        .and_then(|n| n.trim().parse().ok()))
}

/// Waits until the server counts at least `count` waiting sessions, within
/// `limit`. Without the metric, waits `fallback` instead.
async fn until_waiting(
    conn: &mut Conn,
    count: u64,
    limit: Duration,
    fallback: Duration,
    pause: Duration,
) -> Result<(), String> {
    let start = clock::instant();
    loop {
        match waiting_sessions(conn).await? {
            None => {
                tokio::time::sleep(fallback).await;
                return Ok(());
            }
            Some(n) if n >= count => return Ok(()),
            Some(n) if start.elapsed() >= limit => {
                return Err(format!(
                    "only {n} of {count} requesters were waiting after {} s",
                    limit.as_secs()
                ));
            }
            Some(_) => tokio::time::sleep(pause).await,
        }
    }
}

async fn measure(
    stage: &str,
    options: &Options,
    running: &mut Running,
    user: &server::NewUser,
) -> Result<Figures, String> {
    let addr = running.addr();
    let concurrency = options.concurrency;

    let device = Arc::new(Device::new(user.user_uid)?);
    let mut conn = Conn::open(addr).await?;
    conn.request(
        "POST",
        &format!("/api/enrollments/{}", user.token),
        &device.enrollment()?,
        REQUEST_LIMIT,
    )
    .await?
    .expect_status(201, "POST /api/enrollments/{token}")?;
    progress(stage, "device enrolled");
    let bodies = request_bodies(&user.username, concurrency)?;

    // Session requests.
    let made = Arc::new(Mutex::new(Vec::new()));
    let create = {
        let (bodies, made) = (Arc::clone(&bodies), Arc::clone(&made));
        timed(
            addr,
            concurrency,
            options.duration,
            move |mut conn, worker, _| {
                let (bodies, made) = (Arc::clone(&bodies), Arc::clone(&made));
                async move {
                    let body = bodies.get(worker % bodies.len()).ok_or("no request body")?;
                    let created = create_session(&mut conn, body).await?;
                    let mut made = made.lock().unwrap_or_else(PoisonError::into_inner);
                    if made.len() < KEEP_SESSIONS {
                        made.push(created);
                    }
                    Ok(Step::Done(conn))
                }
            },
        )
        .await?
    };
    report_rate(stage, "POST /api/sessions", create);
    let mut sessions = std::mem::take(&mut *made.lock().unwrap_or_else(PoisonError::into_inner));

    // Status reads, spread over the sessions just made.
    let paths: Arc<Vec<String>> = Arc::new(
        sessions
            .iter()
            .map(|s| format!("/api/sessions/{}", s.uid))
            .collect(),
    );
    if paths.is_empty() {
        return Err("no session was made".into());
    }
    let status = timed(
        addr,
        concurrency,
        options.duration,
        move |mut conn, worker, i| {
            let paths = Arc::clone(&paths);
            async move {
                let n = paths.len().max(1);
                let index =
                    (worker + usize::try_from(i).unwrap_or(0).wrapping_mul(concurrency)) % n;
                let path = paths.get(index).ok_or("no session to read")?;
                conn.request("GET", path, b"", REQUEST_LIMIT)
                    .await?
                    .expect_status(200, "GET /api/sessions/{uid}")?;
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    report_rate(stage, "GET /api/sessions/{uid}", status);

    // Approvals: page, then signed approval, per pending session.
    if sessions.len() < APPROVALS {
        progress(
            stage,
            format_args!(
                "making {} more sessions to approve",
                APPROVALS - sessions.len()
            ),
        );
        sessions.extend(create_many(addr, concurrency, &bodies, APPROVALS - sessions.len()).await?);
    }
    sessions.truncate(APPROVALS);
    let queue = Arc::new(sessions);
    let next = Arc::new(AtomicUsize::new(0));
    let approve = {
        let device = Arc::clone(&device);
        timed(
            addr,
            concurrency,
            options.duration,
            move |mut conn, _, _| {
                let (queue, next, device) =
                    (Arc::clone(&queue), Arc::clone(&next), Arc::clone(&device));
                async move {
                    let Some(session) = queue.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        return Ok(Step::NoMoreWork);
                    };
                    approve(&mut conn, &device, session).await?;
                    Ok(Step::Done(conn))
                }
            },
        )
        .await?
    };
    report_rate(stage, "approval page + signed approval", approve);

    // Release latency, one waiting requester at a time.
    let latencies = release_latencies(stage, addr, &device, &bodies).await?;
    let release_p50_ms = percentile(&latencies, 50.0).ok_or("no release was measured")?;
    let release_p99_ms = percentile(&latencies, 99.0).ok_or("no release was measured")?;
    progress(
        stage,
        format_args!(
            "release after approval: p50 {release_p50_ms:.2} ms, p99 {release_p99_ms:.2} ms over {} requesters",
            latencies.len()
        ),
    );

    // Memory with 10,000 requesters waiting.
    let waiters_10k_rss_mb = waiters_rss(stage, running, concurrency, &bodies).await?;
    running.check_alive("the server")?;

    Ok(Figures {
        create_per_s: create.per_second(),
        status_per_s: status.per_second(),
        approve_per_s: approve.per_second(),
        release_p50_ms,
        release_p99_ms,
        waiters_10k_rss_mb,
    })
}

fn report_rate(stage: &str, what: &str, measured: Throughput) {
    progress(
        stage,
        format_args!(
            "{what}: {:.0}/s ({} in {:.2} s)",
            measured.per_second(),
            measured.count,
            measured.elapsed.as_secs_f64()
        ),
    );
}

/// Reads the approval page of `session` and sends its signed approval.
async fn approve(conn: &mut Conn, device: &Device, session: &Created) -> Result<(), String> {
    let page = conn
        .request(
            "GET",
            &format!("/api/approvals/{}", session.short_uid),
            b"",
            REQUEST_LIMIT,
        )
        .await?
        .expect_status(200, "GET /api/approvals/{short_uid}")?;
    let (uid, approval) = device.approval(&page)?;
    let answer = conn
        .request(
            "POST",
            &format!("/api/sessions/{uid}/statements"),
            &approval,
            REQUEST_LIMIT,
        )
        .await?
        .expect_status(200, "POST /api/sessions/{uid}/statements")?;
    expect_session_status(&answer, "approved", "the approval's answer")
}

fn expect_session_status(answer: &Response, expected: &str, what: &str) -> Result<(), String> {
    let json = answer.json()?;
    match json.get("status").and_then(Value::as_str) {
        Some(status) if status == expected => Ok(()),
        other => Err(format!(
            "{what} has status {other:?}, expected {expected:?}: {}",
            answer.snippet()
        )),
    }
}

/// For `RELEASES` sessions in turn: a requester long-polls on its own
/// connection; once the server has registered it, the approval is sent on
/// another; the latency is from starting to send the approval to the
/// requester's answer arriving.
async fn release_latencies(
    stage: &str,
    addr: SocketAddr,
    device: &Device,
    bodies: &Arc<Vec<Vec<u8>>>,
) -> Result<Vec<f64>, String> {
    let body = bodies.first().ok_or("no request body")?;
    let mut conn = Conn::open(addr).await?;
    let mut metrics = Conn::open(addr).await?;
    let mut samples = Vec::with_capacity(RELEASES);
    let start = clock::instant();
    while samples.len() < RELEASES && start.elapsed() < RELEASE_LOOP_LIMIT {
        let session = create_session(&mut conn, body).await?;
        let page = conn
            .request(
                "GET",
                &format!("/api/approvals/{}", session.short_uid),
                b"",
                REQUEST_LIMIT,
            )
            .await?
            .expect_status(200, "GET /api/approvals/{short_uid}")?;
        let (uid, approval) = device.approval(&page)?;

        let mut poll = Conn::open(addr).await?;
        poll.send(
            "GET",
            &format!("/api/sessions/{uid}/wait?status=pending&timeout_s=30"),
            b"",
        )
        .await?;
        // The requester notes the moment its answer is in, whatever the
        // approving side is doing then.
        let requester = tokio::spawn(async move {
            let answer = tokio::time::timeout(RELEASE_LIMIT, poll.receive()).await;
            (clock::instant(), answer)
        });
        until_waiting(
            &mut metrics,
            1,
            Duration::from_secs(10),
            Duration::from_millis(20),
            Duration::from_millis(1),
        )
        .await?;

        let sent = clock::instant();
        let answer = conn
            .request(
                "POST",
                &format!("/api/sessions/{uid}/statements"),
                &approval,
                REQUEST_LIMIT,
            )
            .await?
            .expect_status(200, "POST /api/sessions/{uid}/statements")?;
        expect_session_status(&answer, "approved", "the approval's answer")?;
        let (arrived, released) = requester
            .await
            .map_err(|e| format!("the waiting requester failed: {e}"))?;
        let released = released
            .map_err(|_| {
                format!(
                    "the waiting requester was not released within {} s of the approval",
                    RELEASE_LIMIT.as_secs()
                )
            })??
            .expect_status(200, "GET /api/sessions/{uid}/wait")?;
        expect_session_status(&released, "approved", "the waiting requester's answer")?;
        samples.push(arrived.saturating_duration_since(sent).as_secs_f64() * 1000.0);
    }
    if samples.len() < RELEASES {
        progress(
            stage,
            format_args!(
                "measured {} of {RELEASES} releases within {} s",
                samples.len(),
                RELEASE_LOOP_LIMIT.as_secs()
            ),
        );
    }
    Ok(samples)
}

/// The server's resident memory with `WAITERS` requesters long-polling, one
/// connection each, all registered.
async fn waiters_rss(
    stage: &str,
    running: &mut Running,
    concurrency: usize,
    bodies: &Arc<Vec<Vec<u8>>>,
) -> Result<f64, String> {
    let addr = running.addr();
    let before = server::rss_mib(running.pid())?;
    progress(
        stage,
        format_args!("server RSS before the waiters: {before:.1} MiB; making {WAITERS} sessions"),
    );
    let sessions = create_many(addr, concurrency, bodies, WAITERS).await?;
    progress(stage, format_args!("opening {WAITERS} long polls"));
    let gate = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let opening = async {
        let mut opened = JoinSet::new();
        for session in sessions {
            let permit = Arc::clone(&gate)
                .acquire_owned()
                .await
                .map_err(|e| format!("the connection gate closed: {e}"))?;
            opened.spawn(async move {
                let _permit = permit;
                let mut poll = Conn::open(addr).await?;
                poll.send(
                    "GET",
                    &format!(
                        "/api/sessions/{}/wait?status=pending&timeout_s=120",
                        session.uid
                    ),
                    b"",
                )
                .await?;
                Ok::<Conn, String>(poll)
            });
        }
        let mut polls = Vec::with_capacity(WAITERS);
        while let Some(joined) = opened.join_next().await {
            polls.push(joined.map_err(|e| format!("opening a long poll failed: {e}"))??);
        }
        Ok::<Vec<Conn>, String>(polls)
    };
    let polls = tokio::time::timeout(OPEN_LIMIT, opening)
        .await
        .map_err(|_| {
            format!(
                "could not open {WAITERS} long polls within {} s",
                OPEN_LIMIT.as_secs()
            )
        })??;
    let mut metrics = Conn::open(addr).await?;
    let count = u64::try_from(WAITERS).unwrap_or(u64::MAX);
    until_waiting(
        &mut metrics,
        count,
        Duration::from_secs(60),
        Duration::ZERO,
        Duration::from_millis(100),
    )
    .await?;
    tokio::time::sleep(SETTLE).await;
    running.check_alive("the server")?;
    let rss = server::rss_mib(running.pid())?;
    progress(
        stage,
        format_args!(
            "server RSS with {} requesters waiting: {rss:.1} MiB",
            polls.len()
        ),
    );
    drop(polls);
    Ok(rss)
}

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

fn report_json(sqlite: &Figures, postgres: Option<&Figures>, ceiling: f64) -> Value {
    json!({
        "sqlite": figures_json(sqlite),
        "postgres": postgres.map_or(Value::Null, figures_json),
        "ceiling_per_s": round(ceiling, 1),
    })
}

/// A target a figure is printed next to (not asserted).
#[derive(Debug, Clone, Copy)]
enum Goal {
    None,
    AtLeast(f64),
    Below(f64),
    AtMost(f64),
}

impl Goal {
    fn met(self, value: f64) -> Option<bool> {
        match self {
            Self::None => None,
            Self::AtLeast(t) => Some(value >= t),
            Self::Below(t) => Some(value < t),
            Self::AtMost(t) => Some(value <= t),
        }
    }
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

fn report_table(
    options: &Options,
    sqlite: &Figures,
    postgres: Option<&Figures>,
    ceiling: f64,
) -> String {
    let status_target = ceiling * STATUS_SHARE_TARGET;
    let rows = [
        Row {
            name: "session requests /s",
            get: |f| f.create_per_s,
            decimals: 0,
            goal: Goal::None,
            goal_text: "-".into(),
        },
        Row {
            name: "status reads /s",
            get: |f| f.status_per_s,
            decimals: 0,
            goal: Goal::AtLeast(status_target),
            goal_text: format!(">= {status_target:.0} (half the ceiling)"),
        },
        Row {
            name: "approvals /s",
            get: |f| f.approve_per_s,
            decimals: 0,
            goal: Goal::None,
            goal_text: "-".into(),
        },
        Row {
            name: "release p50 (ms)",
            get: |f| f.release_p50_ms,
            decimals: 2,
            goal: Goal::None,
            goal_text: "-".into(),
        },
        Row {
            name: "release p99 (ms)",
            get: |f| f.release_p99_ms,
            decimals: 2,
            goal: Goal::Below(RELEASE_P99_TARGET_MS),
            goal_text: format!("< {RELEASE_P99_TARGET_MS:.0}"),
        },
        Row {
            name: "RSS, 10k waiters (MB)",
            get: |f| f.waiters_10k_rss_mb,
            decimals: 1,
            goal: Goal::AtMost(WAITERS_RSS_TARGET_MB),
            goal_text: format!("<= {WAITERS_RSS_TARGET_MB:.0}"),
        },
    ];
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
    for row in &rows {
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
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_arguments() {
        let Mode::Bench(o) =
            parse_args(args(&["--server-bin", "x", "--json", "--duration-s=2"])).unwrap()
        else {
            panic!("not a bench");
        };
        assert_eq!(o.server_bin, PathBuf::from("x"));
        assert!(o.json);
        assert_eq!(o.duration, Duration::from_secs(2));
        assert_eq!(o.concurrency, 32);
        assert!(o.postgres_url.is_none());
        assert!(matches!(
            parse_args(args(&["--bare-server", "8080"])),
            Ok(Mode::Bare(8080))
        ));
        assert!(
            parse_args(args(&["--json"])).is_err(),
            "--server-bin is required"
        );
        assert!(parse_args(args(&["--server-bin"])).is_err());
        assert!(parse_args(args(&["--server-bin", "x", "--duration-s", "0"])).is_err());
        assert!(parse_args(args(&["--server-bin", "x", "--what"])).is_err());
    }

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
