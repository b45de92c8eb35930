//! The throughput loops: session requests, status reads, and approvals
//! (approval page, then signed approval), each for the loop's duration.

use countersign_core::api::paths;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use crate::calls::{self, Created, REQUEST_LIMIT, body_for, create_many, create_session};
use crate::device::Device;
use crate::load::{Step, Throughput, percentile, timed};
use crate::progress;

/// Approvals prepared for the approval loop.
const APPROVALS: usize = 2_000;
/// Created sessions kept for the status loop.
const KEEP_SESSIONS: usize = 20_000;

/// How hard each loop drives the server, and where it reports.
pub struct Load<'a> {
    pub stage: &'a str,
    pub addr: SocketAddr,
    pub concurrency: usize,
    pub duration: Duration,
}

/// Session requests; returns their rate and up to `KEEP_SESSIONS` of the
/// sessions made, for the loops after.
pub async fn create(
    load: &Load<'_>,
    bodies: &Arc<Vec<Vec<u8>>>,
) -> Result<(Throughput, Vec<Created>), String> {
    let made = Arc::new(Mutex::new(Vec::new()));
    let workers = load.concurrency;
    let (bodies, sink) = (Arc::clone(bodies), Arc::clone(&made));
    let create = timed(
        load.addr,
        load.concurrency,
        load.duration,
        move |mut conn, worker, i| {
            let (bodies, made) = (Arc::clone(&bodies), Arc::clone(&sink));
            async move {
                let body = body_for(&bodies, worker, i, workers)?;
                let created = create_session(&mut conn, body).await?;
                let mut made = made.lock().unwrap_or_else(PoisonError::into_inner);
                if made.len() < KEEP_SESSIONS {
                    made.push(created);
                }
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    report_rate(load.stage, "POST /api/sessions", create);
    let sessions = std::mem::take(&mut *made.lock().unwrap_or_else(PoisonError::into_inner));
    Ok((create, sessions))
}

/// Session requests on `connections` connections, as the bare server's
/// ceiling is measured under the same load: their rate and the 99th
/// percentile of their latency, in milliseconds.
pub async fn create_latency(
    load: &Load<'_>,
    bodies: &Arc<Vec<Vec<u8>>>,
    connections: usize,
) -> Result<(Throughput, f64), String> {
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let (bodies, sink) = (Arc::clone(bodies), Arc::clone(&latencies));
    let create = timed(
        load.addr,
        connections,
        load.duration,
        move |mut conn, worker, i| {
            let (bodies, latencies) = (Arc::clone(&bodies), Arc::clone(&sink));
            async move {
                let body = body_for(&bodies, worker, i, connections)?;
                let sent = crate::clock::instant();
                create_session(&mut conn, body).await?;
                let took = sent.elapsed().as_secs_f64() * 1000.0;
                latencies
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(took);
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    let p99 = percentile(
        &latencies.lock().unwrap_or_else(PoisonError::into_inner),
        99.0,
    )
    .ok_or("no session request was timed")?;
    report_rate(
        load.stage,
        &format!("POST /api/sessions on {connections} connections (p99 {p99:.2} ms)"),
        create,
    );
    Ok((create, p99))
}

/// Status reads, spread over `sessions`.
pub async fn status(load: &Load<'_>, sessions: &[Created]) -> Result<Throughput, String> {
    let paths: Arc<Vec<String>> =
        Arc::new(sessions.iter().map(|s| paths::session(s.uid)).collect());
    if paths.is_empty() {
        return Err("no session was made".into());
    }
    let concurrency = load.concurrency;
    let status = timed(
        load.addr,
        concurrency,
        load.duration,
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
    report_rate(load.stage, "GET /api/sessions/{uid}", status);
    Ok(status)
}

/// Approvals of `APPROVALS` pending sessions of `device`'s user, asked for
/// with `bodies` (the request loops ask for other usernames) before the
/// clock starts.
pub async fn approve(
    load: &Load<'_>,
    device: &Arc<Device>,
    bodies: &Arc<Vec<Vec<u8>>>,
) -> Result<Throughput, String> {
    progress(
        load.stage,
        format_args!("making {APPROVALS} sessions to approve"),
    );
    let sessions = create_many(load.addr, load.concurrency, bodies, APPROVALS).await?;
    let queue = Arc::new(sessions);
    let next = Arc::new(AtomicUsize::new(0));
    let device = Arc::clone(device);
    let approve = timed(
        load.addr,
        load.concurrency,
        load.duration,
        move |mut conn, _, _| {
            let (queue, next, device) =
                (Arc::clone(&queue), Arc::clone(&next), Arc::clone(&device));
            async move {
                let Some(session) = queue.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return Ok(Step::NoMoreWork);
                };
                calls::approve(&mut conn, &device, session).await?;
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    report_rate(load.stage, "approval page + signed approval", approve);
    Ok(approve)
}

pub(super) fn report_rate(stage: &str, what: &str, measured: Throughput) {
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
