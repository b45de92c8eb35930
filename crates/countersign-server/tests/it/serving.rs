//! The serving layer on a real socket (port 0, the service's own `serve`):
//! thousands of idle connections leave `/healthz` answering at once and are
//! closed after the header timeout, so are slow heads and idle kept-alive
//! connections; connections over the cap wait their turn; and handlers see
//! the peer's address.

use std::net::SocketAddr;
use std::time::Duration;

use countersign_server::http;
use countersign_server::serve::{self, Limits};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

use crate::common::{Requester, Service, real_clock};

/// A service served on 127.0.0.1:0 until the test ends.
struct Served {
    addr: SocketAddr,
    _stop: oneshot::Sender<()>,
    _service: Service,
}

async fn served(limits: Limits) -> Served {
    let service = crate::common::service().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let router = http::router(service.state.clone());
    tokio::spawn(serve::run(listener, router, limits, async move {
        let _ = stopped.await;
    }));
    Served {
        addr,
        _stop: stop,
        _service: service,
    }
}

/// Sends one request on a fresh connection and reads the whole answer.
async fn fetch(addr: SocketAddr, request: &str) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
}

async fn healthz(addr: SocketAddr) -> String {
    fetch(
        addr,
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await
}

/// Reads until the peer closes (an answer such as a 408 may come first);
/// `false` if it is still open at `deadline`.
async fn closed_by(stream: &mut TcpStream, deadline: tokio::time::Instant) -> bool {
    let mut buf = [0_u8; 1024];
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0) | Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Whether the peer has said nothing and closed nothing for `quiet`.
async fn still_open(stream: &mut TcpStream, quiet: Duration) -> bool {
    let mut buf = [0_u8; 1];
    tokio::time::timeout(quiet, stream.read(&mut buf))
        .await
        .is_err()
}

/// How many idle connections to open: 4,000, or what this process's file
/// descriptor limit leaves room for (each connection costs two here, the
/// client's and the server's, and other tests run beside this one).
fn idle_count() -> usize {
    let soft = std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|limits| {
            let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse::<usize>().ok()
        })
        .unwrap_or(usize::MAX);
    let fits = soft.saturating_sub(300) / 2;
    if fits < 4_000 {
        eprintln!(
            "the file descriptor limit ({soft}) leaves room for {fits} idle connections, not 4,000"
        );
    }
    fits.min(4_000)
}

fn too_many_files(e: &std::io::Error) -> bool {
    // EMFILE and ENFILE: the test's own descriptor limit, not the server.
    matches!(e.raw_os_error(), Some(23 | 24))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_leave_healthz_answering_and_are_closed_after_the_header_timeout() {
    let header_timeout = Duration::from_secs(2);
    let server = served(Limits {
        header_timeout,
        max_connections: 10_000,
    })
    .await;
    let clock = real_clock();
    let mut idle = Vec::new();
    let wanted = idle_count();
    for n in 0..wanted {
        match TcpStream::connect(server.addr).await {
            Ok(mut stream) => {
                // Every tenth is a slow client: half a head, then nothing.
                if n % 10 == 0 {
                    stream
                        .write_all(b"GET /healthz HTTP/1.1\r\n")
                        .await
                        .unwrap();
                }
                idle.push(stream);
            }
            Err(e) if too_many_files(&e) => {
                eprintln!(
                    "the file descriptor limit stopped the test at {n} idle connections (wanted {wanted})"
                );
                break;
            }
            Err(e) => panic!("connection {n}: {e}"),
        }
    }
    assert!(idle.len() >= 100, "only {} connections", idle.len());
    let opened = clock.instant();

    let answer = tokio::time::timeout(Duration::from_secs(1), healthz(server.addr))
        .await
        .unwrap_or_else(|_| panic!("/healthz took over a second beside {} idle", idle.len()));
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let last = idle.last_mut().unwrap();
    assert!(
        still_open(last, Duration::from_millis(10)).await,
        "closed before the header timeout"
    );

    let deadline = tokio::time::Instant::from_std(opened + header_timeout + Duration::from_secs(3));
    let mut open = 0;
    for stream in &mut idle {
        if !closed_by(stream, deadline).await {
            open += 1;
        }
    }
    assert_eq!(
        open,
        0,
        "of {} idle connections, {open} were still open 3 s after the header timeout",
        idle.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_alive_connection_is_closed_once_idle_for_the_header_timeout() {
    let header_timeout = Duration::from_secs(1);
    let server = served(Limits {
        header_timeout,
        max_connections: 100,
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0_u8; 4096];
    while !answer.ends_with(b"\r\n\r\nok") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed before the answer");
        answer.extend_from_slice(&buf[..n]);
    }
    assert!(answer.starts_with(b"HTTP/1.1 200"));
    assert!(
        still_open(&mut stream, header_timeout / 2).await,
        "a kept-alive connection was closed at once"
    );
    let deadline = tokio::time::Instant::from_std(
        real_clock().instant() + header_timeout + Duration::from_secs(2),
    );
    assert!(
        closed_by(&mut stream, deadline).await,
        "an idle kept-alive connection is still open"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_cap_wait_until_one_closes() {
    let header_timeout = Duration::from_secs(1);
    let server = served(Limits {
        header_timeout,
        max_connections: 4,
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..4 {
        idle.push(TcpStream::connect(server.addr).await.unwrap());
    }
    // Let the server take up all four before the fifth comes.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let clock = real_clock();
    let start = clock.instant();
    let answer = tokio::time::timeout(Duration::from_secs(5), healthz(server.addr))
        .await
        .expect("the fifth connection was never served");
    let waited = clock.instant() - start;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(
        waited >= Duration::from_millis(600),
        "the fifth connection was served at once ({waited:?}) beside four held ones"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handlers_see_the_peer_address() {
    let server = served(Limits {
        header_timeout: Duration::from_secs(5),
        max_connections: 100,
    })
    .await;
    let body = Requester::new().request("nobody").to_string();
    let answer = fetch(
        server.addr,
        &format!(
            "POST /api/sessions HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    let json: Value = serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let uid = json["uid"].as_str().unwrap();
    let read = fetch(
        server.addr,
        &format!("GET /api/sessions/{uid} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
    .await;
    let session: Value = serde_json::from_str(read.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    assert_eq!(session["ipaddr"], "127.0.0.1", "{read}");
}
