//! Every measurement against a fresh server on one database, and the
//! figures they give.

mod ceiling;
mod logout;
mod offline;
mod races;
mod release;
mod throughput;
mod verify;
mod waiters;

use std::sync::Arc;

pub use ceiling::{LOGIN_CONNECTIONS, bare_held_rss, ceiling};
pub use offline::per_core as verify_offline_per_core;
pub use races::{Races, both as races};

use crate::calls::{self, crowd_bodies, request_bodies};
use crate::client::Conn;
use crate::device::Device;
use crate::options::Options;
use crate::progress;
use crate::server::{self, Database, Running, TempDir};
use throughput::Load;

/// The figures that do not depend on the database.
#[derive(Debug, Clone, Copy)]
pub struct Common {
    /// The bare axum server's GET / rate.
    pub ceiling_per_s: f64,
    /// Its GET / rate on [`LOGIN_CONNECTIONS`] connections.
    pub ceiling_login_load_per_s: f64,
    /// Its resident memory holding 10,000 requests, in MiB.
    pub bare_10k_rss_mb: f64,
    /// Offline verifications per second per core, in-process.
    pub verify_offline_per_s: f64,
}

/// The figures for one database.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub create_per_s: f64,
    /// Session requests on [`LOGIN_CONNECTIONS`] connections, and their
    /// latency's 99th percentile.
    pub create_50_per_s: f64,
    pub create_50_p99_ms: f64,
    pub status_per_s: f64,
    pub approve_per_s: f64,
    pub release_p50_ms: f64,
    pub release_p99_ms: f64,
    pub waiters_10k_rss_mb: f64,
    pub verify_service_per_s: f64,
    pub verify_service_once_per_s: f64,
    pub logout_to_refusal_p50_ms: f64,
    pub logout_to_refusal_p99_ms: f64,
}

/// Runs every measurement against a fresh server on one database.
pub async fn on_backend(
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

/// The resident memory of a fresh server on one database with
/// `waiters::WAITERS` requesters waiting, in MiB: `--only waiters`, for
/// comparing serving set-ups without the whole run's other loops.
pub async fn waiters_alone(
    stage: &str,
    options: &Options,
    postgres_url: Option<&str>,
) -> Result<f64, String> {
    let dir = TempDir::new()?;
    let database = match postgres_url {
        Some(url) => Database::Postgres(url.to_owned()),
        None => Database::Sqlite(dir.path().join("data")),
    };
    let username = format!("bench-{}", server::random_hex::<6>()?);
    server::add_user(&options.server_bin, &database, &username).await?;
    let log = dir.path().join("server.log");
    let mut running = server::start_server(&options.server_bin, &database, &log).await?;
    let crowd = crowd_bodies(&username)?;
    let measured = waiters::rss(stage, &mut running, options.concurrency, &crowd).await;
    running.stop().await;
    drop(dir);
    measured
}

/// Enrolls a device for `user`, then measures in turn: session requests
/// (on `--concurrency` and on 50 connections), status reads, approvals,
/// release latency, verifications by the service, logout to refusal by a
/// watching verifier, memory with requesters waiting.
async fn measure(
    stage: &str,
    options: &Options,
    running: &mut Running,
    user: &server::NewUser,
) -> Result<Figures, String> {
    let addr = running.addr();
    let service = countersign_core::ServiceUrl::parse(&format!("http://{addr}"))
        .map_err(|e| format!("the bench service's URL: {e}"))?;
    let device = Arc::new(Device::new(user.user_uid, service)?);
    calls::enroll(&mut Conn::open(addr).await?, &device, &user.token).await?;
    progress(stage, "device enrolled");
    let bodies = request_bodies(&user.username, options.concurrency)?;
    let crowd = crowd_bodies(&user.username)?;

    let load = Load {
        stage,
        addr,
        concurrency: options.concurrency,
        duration: options.duration,
    };
    let (create, sessions) = throughput::create(&load, &crowd).await?;
    let (create_50, create_50_p99_ms) =
        throughput::create_latency(&load, &crowd, LOGIN_CONNECTIONS).await?;
    let status = throughput::status(&load, &sessions).await?;
    let approve = throughput::approve(&load, &device, &bodies).await?;
    let (release_p50_ms, release_p99_ms) =
        release::percentiles(stage, addr, &device, &bodies).await?;
    let verify = verify::rates(&load, &device, &user.username).await?;
    let (logout_to_refusal_p50_ms, logout_to_refusal_p99_ms) =
        logout::percentiles(stage, addr, &device, &user.username).await?;
    let waiters_10k_rss_mb = waiters::rss(stage, running, options.concurrency, &crowd).await?;
    running.check_alive("the server")?;

    Ok(Figures {
        create_per_s: create.per_second(),
        create_50_per_s: create_50.per_second(),
        create_50_p99_ms,
        status_per_s: status.per_second(),
        approve_per_s: approve.per_second(),
        release_p50_ms,
        release_p99_ms,
        waiters_10k_rss_mb,
        verify_service_per_s: verify.reuse_per_s,
        verify_service_once_per_s: verify.once_per_s,
        logout_to_refusal_p50_ms,
        logout_to_refusal_p99_ms,
    })
}
