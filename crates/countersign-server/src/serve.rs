//! Serves the router on a TCP listener through hyper's HTTP/1 with a timer,
//! so that idle and slow clients cost little and are closed: a request's
//! head must arrive within the header timeout, connections beyond a cap wait
//! in the listen backlog, each connection's buffers stay small, and a stop
//! signal lets answers in flight finish. One stop signal ([`Stop`]) ends
//! every listener of the process: the API's and `--metrics-addr`'s.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt as _;

/// The most a connection buffers of a request, its head included: hyper's
/// smallest allowed, twice over, which holds a full request body
/// (`http::MAX_BODY_BYTES`) arriving at once. hyper's default is ~400 KiB.
pub const MAX_BUF_BYTES: usize = 16 * 1024;

/// How long answers in flight may take to finish once the service is told
/// to stop; long polls past it are cut, and their clients poll again.
pub const DRAIN: Duration = Duration::from_secs(10);

/// How the service treats connections.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// How long a client has to send a request's whole head, counted from
    /// when it connects or from the end of its previous answer: a silent or
    /// slow client is closed after it, and so is a kept-alive connection
    /// left idle that long (hyper's HTTP/1 waits for the next head under
    /// the same timer, so this is also the idle timeout).
    pub header_timeout: Duration,
    /// Connections served at once. Beyond it the service stops accepting
    /// until one closes, and new ones wait in the kernel's listen backlog.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            max_connections: 10_000,
        }
    }
}

/// Connections the `--metrics-addr` listener serves at once: a scraper
/// or two, and an operator's `curl`.
pub const METRICS_CONNECTIONS: usize = 16;

/// One stop signal shared by several listeners: each waits on a clone.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Fires when `signal` completes (it is polled in a task of its own).
    pub fn on(signal: impl Future<Output = ()> + Send + 'static) -> Self {
        let (fire, fired) = watch::channel(false);
        tokio::spawn(async move {
            signal.await;
            let _ = fire.send(true);
        });
        Self(fired)
    }

    /// Completes once the signal fired (or its task is gone, which only
    /// the runtime shutting down does).
    pub async fn fired(mut self) {
        let _ = self.0.wait_for(|fired| *fired).await;
    }
}

/// Serves `router` on `listener` until `shutdown` completes, then lets
/// answers in flight finish (for [`DRAIN`] at most). Handlers get the
/// peer's address as `ConnectInfo<SocketAddr>`.
pub async fn run(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true)
        .max_buf_size(MAX_BUF_BYTES);
    tokio::pin!(shutdown);
    loop {
        // The permit is taken before accepting: over the cap, connections
        // are left in the backlog rather than accepted and held.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = Arc::clone(&permits).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    pause_after(&e).await;
                    continue;
                }
            },
        };
        // Answers are small and written whole: send them without delay.
        let _ = stream.set_nodelay(true);
        // Each request carries the peer's address as axum's `ConnectInfo`.
        let router = router.clone();
        let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            router.clone().oneshot(request)
        });
        let connection = http.serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(%peer, "connection closed: {e}");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(DRAIN) => {
            tracing::warn!("stopped with answers still in flight after {DRAIN:?}");
        }
    }
}

/// After a failed accept: one client's failure is skipped; anything else
/// (out of file descriptors, most often) pauses accepting briefly rather
/// than spinning, while the open connections go on.
async fn pause_after(error: &io::Error) {
    if matches!(
        error.kind(),
        io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionReset
    ) {
        return;
    }
    tracing::error!("cannot accept a connection: {error}");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
