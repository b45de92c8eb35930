//! The server's memory with 10,000 requesters waiting, one long poll each,
//! and the opening of many held requests it shares with the bare server's.

use countersign_core::api::paths;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::calls::{create_many, until_waiting};
use crate::client::Conn;
use crate::progress;
use crate::server::{self, Running};

/// Requesters held waiting while the server's memory is read.
pub const WAITERS: usize = 10_000;
/// The longest opening the waiters' connections may take.
const OPEN_LIMIT: Duration = Duration::from_secs(120);
/// How long after the waiters are registered the memory is read, so that
/// what they allocated has settled.
pub const SETTLE: Duration = Duration::from_secs(2);
/// Connections opened at once for the waiters. The server's listen queue is
/// finite, and a connection it drops costs a one-second SYN retransmit.
const CONNECTING_AT_ONCE: usize = 256;

/// The server's resident memory with `WAITERS` requesters long-polling, one
/// connection each, all registered.
pub async fn rss(
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
    let made = server::rss_mib(running.pid())?;
    progress(
        stage,
        format_args!(
            "server RSS with the sessions made: {made:.1} MiB; opening {WAITERS} long polls"
        ),
    );
    let paths = sessions
        .iter()
        .map(|session| {
            format!(
                "{}?status=pending&timeout_s=120",
                paths::session_wait(session.uid)
            )
        })
        .collect();
    let polls = hold_requests(addr, paths).await?;
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

/// One connection per path, each sending a GET of it and left waiting for
/// the answer, opened `CONNECTING_AT_ONCE` at a time within `OPEN_LIMIT`.
pub async fn hold_requests(addr: SocketAddr, paths: Vec<String>) -> Result<Vec<Conn>, String> {
    let count = paths.len();
    tokio::time::timeout(OPEN_LIMIT, open_all(addr, paths))
        .await
        .map_err(|_| {
            format!(
                "could not open {count} held requests within {} s",
                OPEN_LIMIT.as_secs()
            )
        })?
}

async fn open_all(addr: SocketAddr, paths: Vec<String>) -> Result<Vec<Conn>, String> {
    let gate = Arc::new(Semaphore::new(CONNECTING_AT_ONCE));
    let mut opened = JoinSet::new();
    let count = paths.len();
    for path in paths {
        let permit = Arc::clone(&gate)
            .acquire_owned()
            .await
            .map_err(|e| format!("the connection gate closed: {e}"))?;
        opened.spawn(async move {
            let _permit = permit;
            let mut held = Conn::open(addr).await?;
            held.send("GET", &path, b"").await?;
            Ok::<Conn, String>(held)
        });
    }
    let mut held = Vec::with_capacity(count);
    while let Some(joined) = opened.join_next().await {
        held.push(joined.map_err(|e| format!("opening a held request failed: {e}"))??);
    }
    Ok(held)
}
