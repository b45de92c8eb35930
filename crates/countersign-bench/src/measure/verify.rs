//! Verifications by the service: `POST /api/authorisations/verify` for
//! tokens of one approved session, first with `once: false` (the same token
//! again and again on each connection: a signature check and a session
//! read), then with `once: true` (a fresh token each call, whose nonce the
//! service records: a write).

use countersign_core::api::paths;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use countersign_core::api::VerifyAuthorisation;

use super::throughput::{Load, report_rate};
use crate::calls::{self, REQUEST_LIMIT, create_session};
use crate::client::Conn;
use crate::device::Device;
use crate::load::{Step, timed};
use crate::progress;
use crate::requester::{RESOURCE, Requester};

/// The route measured.
const VERIFY: &str = paths::VERIFY_AUTHORISATION;
/// The most tokens made for the `once: true` loop, which uses each once and
/// stops early if it runs out. Signing them is the bench's work, done
/// before the clock starts; a loop that ran out is still timed right.
const ONCE_TOKENS: usize = 20_000;
/// The fewest, so that a slow first loop still gives a figure.
const ONCE_TOKENS_MIN: usize = 1_000;

/// The rates of verifications with `once: false` and with `once: true`.
#[derive(Debug, Clone, Copy)]
pub struct Rates {
    pub reuse_per_s: f64,
    pub once_per_s: f64,
}

/// Asks for a login for `username`, approves it, and measures both loops
/// with tokens signed under it.
pub async fn rates(load: &Load<'_>, device: &Device, username: &str) -> Result<Rates, String> {
    let requester = Requester::new()?;
    let mut conn = Conn::open(load.addr).await?;
    let created = create_session(&mut conn, &requester.request_body(username)).await?;
    calls::approve(&mut conn, device, &created).await?;
    let uid = created.uid;
    // The approved session as a relying party reads it, user uid included.
    let session = calls::read_session(&mut conn, uid).await?;
    let service = format!("http://{}", load.addr);

    let mut reused = Vec::with_capacity(load.concurrency);
    for _ in 0..load.concurrency {
        reused.push(body(
            &requester.authorise(&session, &service)?.to_token(),
            false,
        )?);
    }
    let reused = Arc::new(reused);
    let reuse = timed(
        load.addr,
        load.concurrency,
        load.duration,
        move |mut conn, worker, _| {
            let bodies = Arc::clone(&reused);
            async move {
                let body = bodies.get(worker % bodies.len()).ok_or("no token")?;
                conn.request("POST", VERIFY, body, REQUEST_LIMIT)
                    .await?
                    .expect_status(200, "POST /api/authorisations/verify")?;
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    report_rate(
        load.stage,
        "POST /api/authorisations/verify (once: false)",
        reuse,
    );

    // Recording a nonce is a write, so `once: true` is not faster than
    // `once: false`: enough tokens for the first loop's pace, and a margin.
    #[allow(
        clippy::cast_precision_loss,
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss
    )]
    let wanted = (reuse.per_second() * load.duration.as_secs_f64() * 1.25) as usize;
    let count = wanted.clamp(ONCE_TOKENS_MIN, ONCE_TOKENS);
    progress(
        load.stage,
        format_args!("signing {count} tokens for once: true"),
    );
    let mut fresh = Vec::with_capacity(count);
    for _ in 0..count {
        fresh.push(body(
            &requester.authorise(&session, &service)?.to_token(),
            true,
        )?);
    }
    let first = fresh.first().cloned().ok_or("no token")?;
    let fresh = Arc::new(fresh);
    let next = Arc::new(AtomicUsize::new(0));
    let once = timed(
        load.addr,
        load.concurrency,
        load.duration,
        move |mut conn, _, _| {
            let (bodies, next) = (Arc::clone(&fresh), Arc::clone(&next));
            async move {
                let Some(body) = bodies.get(next.fetch_add(1, Ordering::Relaxed)) else {
                    return Ok(Step::NoMoreWork);
                };
                conn.request("POST", VERIFY, body, REQUEST_LIMIT)
                    .await?
                    .expect_status(200, "POST /api/authorisations/verify with once")?;
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    report_rate(
        load.stage,
        "POST /api/authorisations/verify (once: true)",
        once,
    );
    // The nonces were recorded: a replay is refused, or the figure above
    // measured something else than `once`.
    conn.request("POST", VERIFY, &first, REQUEST_LIMIT)
        .await?
        .expect_status(409, "a replayed POST /api/authorisations/verify with once")?;

    Ok(Rates {
        reuse_per_s: reuse.per_second(),
        once_per_s: once.per_second(),
    })
}

/// The request body for `token`.
fn body(token: &str, once: bool) -> Result<Vec<u8>, String> {
    serde_json::to_vec(&VerifyAuthorisation {
        token: token.to_owned(),
        resource: RESOURCE.to_owned(),
        once,
        body_sha256: None,
    })
    .map_err(|e| format!("cannot write a verification request: {e}"))
}
