//! The ceilings: a bare axum server's `GET /` rate under the same load as
//! the status reads and as the 50-connection login loop, and its memory
//! holding 10,000 unanswered requests, to compare the service's figures
//! against (ratios hold on a busy machine where absolute figures do not).

use crate::calls::REQUEST_LIMIT;
use crate::load::{Step, timed};
use crate::options::Options;
use crate::{progress, server};

use super::waiters::{WAITERS, hold_requests};

/// Connections of the login loop that is compared with the bare server
/// under the same load.
pub const LOGIN_CONNECTIONS: usize = 50;

/// What the bare server does, measured in one run with the service.
#[derive(Debug, Clone, Copy)]
pub struct Ceiling {
    /// GET / per second with `--concurrency` connections.
    pub per_s: f64,
    /// GET / per second with [`LOGIN_CONNECTIONS`] connections.
    pub login_load_per_s: f64,
    /// Its resident memory holding `WAITERS` requests, one connection
    /// each, in MiB.
    pub held_rss_mb: f64,
}

/// The bare axum server's figures.
pub async fn ceiling(options: &Options) -> Result<Ceiling, String> {
    progress("ceiling", "starting the bare axum server");
    let mut bare = server::start_bare().await?;
    let measured = measure(options, &mut bare).await;
    bare.stop().await;
    measured
}

async fn measure(options: &Options, bare: &mut server::Running) -> Result<Ceiling, String> {
    let per_s = get_rate(bare, options.concurrency, options).await?;
    let login_load_per_s = get_rate(bare, LOGIN_CONNECTIONS, options).await?;
    let held_rss_mb = held_rss(bare).await?;
    Ok(Ceiling {
        per_s,
        login_load_per_s,
        held_rss_mb,
    })
}

/// The bare server's resident memory holding `WAITERS` requests, in MiB.
async fn held_rss(bare: &server::Running) -> Result<f64, String> {
    let before = server::rss_mib(bare.pid())?;
    let held = hold_requests(bare.addr(), vec!["/hold".to_owned(); WAITERS]).await?;
    tokio::time::sleep(super::waiters::SETTLE).await;
    let held_rss_mb = server::rss_mib(bare.pid())?;
    progress(
        "ceiling",
        format_args!(
            "bare server RSS: {before:.1} MiB idle, {held_rss_mb:.1} MiB holding {} requests",
            held.len()
        ),
    );
    Ok(held_rss_mb)
}

/// A fresh bare server's resident memory holding `WAITERS` requests.
pub async fn bare_held_rss() -> Result<f64, String> {
    progress("ceiling", "starting the bare axum server");
    let bare = server::start_bare().await?;
    let measured = held_rss(&bare).await;
    bare.stop().await;
    measured
}

/// GET / per second on `connections` connections.
async fn get_rate(
    bare: &server::Running,
    connections: usize,
    options: &Options,
) -> Result<f64, String> {
    let measured = timed(
        bare.addr(),
        connections,
        options.duration,
        |mut conn, _, _| async move {
            conn.request("GET", "/", b"", REQUEST_LIMIT)
                .await?
                .expect_status(200, "GET / on the bare server")?;
            Ok(Step::Done(conn))
        },
    )
    .await?;
    let rate = measured.per_second();
    progress(
        "ceiling",
        format_args!("GET / {rate:.0}/s on {connections} connections"),
    );
    Ok(rate)
}
