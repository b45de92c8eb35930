//! Offline verifications per second per core: what a relying party does for
//! each request once it watches the session (read the `Authorization`
//! header, check the token against the watched session), with no service
//! involved. The session is approved in-process from fixed seeds
//! ([`crate::fixture`]); one thread per core verifies pre-made tokens for
//! the loop's duration.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use countersign_core::{Expectation, SessionWatch, SignedAuthorisation, WatchPolicy};

use crate::fixture::{self, SERVICE};
use crate::requester::RESOURCE;
use crate::watch::Watched;
use crate::{clock, progress};

/// Distinct tokens the threads take turns on, so that nothing can be cached
/// between two verifications.
const TOKENS: usize = 256;
/// Verifications between two looks at the clock.
const BATCH: u64 = 64;

/// How one thread did.
struct Counted {
    verified: u64,
    cpu: Option<Duration>,
}

/// Verifications per second per core, over `duration`.
pub async fn per_core(duration: Duration) -> Result<f64, String> {
    tokio::task::spawn_blocking(move || measure(duration))
        .await
        .map_err(|e| format!("the offline verification loop failed: {e}"))?
}

fn measure(duration: Duration) -> Result<f64, String> {
    let now = clock::now();
    let session = fixture::approved_session(now)?;
    let requester = fixture::requester();
    let mut headers = Vec::with_capacity(TOKENS);
    for i in 0..TOKENS {
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&u64::try_from(i).unwrap_or(0).to_be_bytes());
        let token = requester.authorise_at(&session, SERVICE, now, nonce)?;
        headers.push(token.header_value());
    }
    let watched = Watched::fixed(SessionWatch::new(session, now, WatchPolicy::default()));
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);

    let failed = AtomicBool::new(false);
    let start = clock::instant();
    let deadline = start + duration;
    let counted: Vec<Result<Counted, String>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|worker| {
                let (watched, headers, failed) = (&watched, &headers, &failed);
                scope.spawn(move || verify_until(deadline, worker, watched, headers, failed))
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|_| Err("a verification thread failed".into()))
            })
            .collect()
    });
    let wall = start.elapsed();
    let counted = counted.into_iter().collect::<Result<Vec<_>, _>>()?;

    let verified: u64 = counted.iter().map(|c| c.verified).sum();
    let cpu: Option<Duration> = counted.iter().map(|c| c.cpu).sum();
    // Counts stay far below 2^52, so the conversions are exact.
    #[allow(clippy::cast_precision_loss)]
    let (verified_f, threads_f) = (verified as f64, threads as f64);
    let by_wall = verified_f / (wall.as_secs_f64() * threads_f);
    let rate = match cpu {
        Some(cpu) if cpu > Duration::ZERO => verified_f / cpu.as_secs_f64(),
        _ => by_wall,
    };
    progress(
        "offline",
        format_args!(
            "{verified} tokens verified on {threads} threads in {:.2} s: \
             {rate:.0}/s per CPU-second used, {by_wall:.0}/s per core by the wall clock",
            wall.as_secs_f64()
        ),
    );
    Ok(rate)
}

/// One thread's loop: read a header, verify its token, until `deadline`.
/// The first refusal stops every thread: a refused token is never counted
/// as a fast one.
fn verify_until(
    deadline: std::time::Instant,
    worker: usize,
    watched: &Watched,
    headers: &[String],
    failed: &AtomicBool,
) -> Result<Counted, String> {
    let expected = Expectation {
        service: SERVICE,
        resource: RESOURCE,
        body: None,
    };
    let cpu_before = clock::thread_cpu_time();
    let mut verified = 0u64;
    let mut next = worker;
    while clock::instant() < deadline && !failed.load(Ordering::Relaxed) {
        for _ in 0..BATCH {
            let header = headers.get(next % headers.len()).ok_or("no token")?;
            next = next.wrapping_add(1);
            let checked = SignedAuthorisation::parse_header(header)
                .map_err(|e| e.to_string())
                .and_then(|token| watched.verify(&token, &expected).map_err(|e| e.to_string()));
            if let Err(e) = checked {
                failed.store(true, Ordering::Relaxed);
                return Err(format!("an offline verification was refused: {e}"));
            }
            verified += 1;
        }
    }
    let cpu = match (cpu_before, clock::thread_cpu_time()) {
        (Some(before), Some(after)) => after.checked_sub(before),
        _ => None,
    };
    Ok(Counted { verified, cpu })
}
