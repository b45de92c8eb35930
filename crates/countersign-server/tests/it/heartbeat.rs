//! A LISTEN connection that dies without a word is noticed: an instance
//! whose connection to PostgreSQL goes through a proxy that silently stops
//! forwarding the LISTEN connection's bytes (as a firewall dropping an idle
//! flow does) finds out by its heartbeat, listens again, and forgets what
//! it cached, so it answers a change made meanwhile on another instance.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::StatusCode;
use countersign_core::Status;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use uuid::Uuid;

use crate::common::*;

/// A TCP proxy to PostgreSQL that can stop forwarding, without closing,
/// the connections that have sent a LISTEN.
#[derive(Clone, Default)]
struct Proxy {
    listeners: Arc<Mutex<HashSet<usize>>>,
    frozen: Arc<Mutex<HashSet<usize>>>,
}

impl Proxy {
    /// Starts forwarding to `target`; answers the address to connect to.
    async fn start(&self, target: SocketAddr) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let proxy = self.clone();
        let ids = Arc::new(AtomicUsize::new(0));
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = TcpStream::connect(target).await.unwrap();
                let id = ids.fetch_add(1, Ordering::Relaxed);
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                tokio::spawn(proxy.clone().pump(id, client_read, server_write, true));
                tokio::spawn(proxy.clone().pump(id, server_read, client_write, false));
            }
        });
        addr
    }

    async fn pump(
        self,
        id: usize,
        mut from: tokio::net::tcp::OwnedReadHalf,
        mut to: tokio::net::tcp::OwnedWriteHalf,
        from_client: bool,
    ) {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let Ok(read) = from.read(&mut buffer).await else {
                return;
            };
            if read == 0 {
                return;
            }
            let chunk = &buffer[..read];
            if from_client && chunk.windows(7).any(|w| w == b"LISTEN ") {
                self.listeners.lock().unwrap().insert(id);
            }
            if self.frozen.lock().unwrap().contains(&id) {
                // Silent: hold both ends open and forward nothing more.
                std::future::pending::<()>().await;
            }
            if to.write_all(chunk).await.is_err() {
                return;
            }
        }
    }

    /// From now on, the connections that listen now forward nothing.
    fn freeze_listeners(&self) -> usize {
        let listeners = self.listeners.lock().unwrap().clone();
        let count = listeners.len();
        self.frozen.lock().unwrap().extend(listeners);
        count
    }
}

/// `url` with its host and port replaced by `addr`.
fn through(url: &str, addr: SocketAddr) -> String {
    let (scheme_user, rest) = url.split_once('@').unwrap();
    let (_, path) = rest.split_once('/').unwrap();
    format!("{scheme_user}@{addr}/{path}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_listen_connection_is_noticed_and_the_cache_forgotten() {
    let Some((url, _)) = database(Db::Postgres).await else {
        return;
    };
    let host = url.split_once('@').unwrap().1.split_once('/').unwrap().0;
    let target = tokio::net::lookup_host(host).await.unwrap().next().unwrap();
    let proxy = Proxy::default();
    let proxied = through(&url, proxy.start(target).await);
    let heartbeat = Duration::from_millis(300);
    let one = service_at(&proxied, None, |c| c.listen_heartbeat = heartbeat).await;
    let two = service_at(&url, None, |_| {}).await;
    let approver = two.user_with_device("ada").await;
    let answer = ask(&two, &Requester::new(), "ada").await;
    let uid: Uuid = answer["uid"].as_str().unwrap().parse().unwrap();
    let page = shown(&two, answer["short_uid"].as_str().unwrap()).await;

    // `one` listens (through the proxy) and has the pending session cached.
    tokio::time::timeout(Duration::from_secs(5), async {
        while proxy.listeners.lock().unwrap().is_empty() {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the instance listens within 5 s");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(one.session(uid).await.status(), Status::Pending);
    assert!(one.state.cache.get(uid).is_some());

    assert_eq!(proxy.freeze_listeners(), 1);
    let code = drawn_code(&answer);
    let (status, body) = two
        .post(
            &format!("/api/sessions/{uid}/statements"),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // Within two heartbeats and a reconnection, `one` has found out.
    let started = real_clock().instant();
    let mut answered = one.session(uid).await.status();
    while answered != Status::Approved && started.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(50)).await;
        answered = one.session(uid).await.status();
    }
    assert_eq!(answered, Status::Approved, "after {:?}", started.elapsed());
    assert!(
        started.elapsed() < heartbeat * 2 + Duration::from_secs(1),
        "noticed only after {:?}",
        started.elapsed()
    );
    tokio::time::timeout(Duration::from_secs(5), async {
        while proxy.listeners.lock().unwrap().len() < 2 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("it listens again on a new connection");
}
