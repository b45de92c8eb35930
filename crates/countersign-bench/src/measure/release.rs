//! How fast a waiting requester is released once its session is approved.

use countersign_core::api::paths;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::calls::{
    approval_of, create_session, expect_session_status, send_approval, until_waiting,
};
use crate::client::Conn;
use crate::device::Device;
use crate::load::percentile;
use crate::{clock, progress};

/// Releases timed one at a time.
const RELEASES: usize = 200;
/// The longest a waiting requester may take to be released once approved.
const RELEASE_LIMIT: Duration = Duration::from_secs(10);
/// The longest the release loop runs, whatever it has measured by then.
const RELEASE_LOOP_LIMIT: Duration = Duration::from_secs(60);

/// The 50th and 99th percentiles of the release latency, in milliseconds.
pub async fn percentiles(
    stage: &str,
    addr: SocketAddr,
    device: &Device,
    bodies: &Arc<Vec<Vec<u8>>>,
) -> Result<(f64, f64), String> {
    let latencies = latencies(stage, addr, device, bodies).await?;
    let p50 = percentile(&latencies, 50.0).ok_or("no release was measured")?;
    let p99 = percentile(&latencies, 99.0).ok_or("no release was measured")?;
    progress(
        stage,
        format_args!(
            "release after approval: p50 {p50:.2} ms, p99 {p99:.2} ms over {} requesters",
            latencies.len()
        ),
    );
    Ok((p50, p99))
}

/// For `RELEASES` sessions in turn, within `RELEASE_LOOP_LIMIT`, the
/// latency of one release in milliseconds.
async fn latencies(
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
        samples.push(one(&mut conn, &mut metrics, addr, device, body).await?);
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

/// One release: a requester long-polls on its own connection; once the
/// server has registered it, the approval is sent on `conn`. The latency
/// is from starting to send the approval to the requester's answer
/// arriving.
async fn one(
    conn: &mut Conn,
    metrics: &mut Conn,
    addr: SocketAddr,
    device: &Device,
    body: &[u8],
) -> Result<f64, String> {
    let session = create_session(conn, body).await?;
    let (uid, approval) = approval_of(conn, device, &session).await?;

    let mut poll = Conn::open(addr).await?;
    poll.send(
        "GET",
        &format!("{}?status=pending&timeout_s=30", paths::session_wait(uid)),
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
        metrics,
        1,
        Duration::from_secs(10),
        Duration::from_millis(20),
        Duration::from_millis(1),
    )
    .await?;

    let sent = clock::instant();
    send_approval(conn, uid, &approval).await?;
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
    Ok(arrived.saturating_duration_since(sent).as_secs_f64() * 1000.0)
}
