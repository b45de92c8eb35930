//! The watch driver against a stand-in service on a socket: a logout the
//! service answers reaches every holder and refuses tokens, a failed or
//! rate-limited long poll is retried, a refusal for good ends the watch,
//! and a session the service does not know is not watched.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use countersign_core::api::{ErrorCode, paths};

use countersign_core::{AuthorisationError, Status, WatchError};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::*;
use crate::fixture::{self, SERVICE};
use crate::requester::RESOURCE;

fn expected() -> Expectation<'static> {
    Expectation {
        service: SERVICE,
        resource: RESOURCE,
        body: None,
    }
}

/// What the stand-in answers a long poll with instead of the session: a
/// status and a body.
type Failed = (u16, String);

/// A proxy's failure: a 500 without the service's error body.
fn bare_500() -> Failed {
    (500, "{}".to_owned())
}

/// The service's refusal with `code`, its error body as the service
/// writes it.
fn refusal(code: ErrorCode) -> Failed {
    let body = countersign_core::api::ErrorBody::new(code, "refused");
    (code.http_status(), serde_json::to_string(&body).unwrap())
}

/// A stand-in for the service: it answers `GET /api/sessions/{uid}` with
/// the session it holds now, and `/wait?status=S` when that session's status
/// is no longer `S`; it answers the first long polls with `failures`, one
/// each.
struct Service {
    addr: SocketAddr,
    session: watch::Sender<LoginSession>,
}

impl Service {
    async fn start(session: LoginSession, failures: Vec<Failed>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (sender, current) = watch::channel(session);
        let failures = Arc::new(Mutex::new(VecDeque::from(failures)));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, current.clone(), Arc::clone(&failures)));
            }
        });
        Self {
            addr,
            session: sender,
        }
    }
}

async fn serve(
    mut stream: TcpStream,
    mut current: watch::Receiver<LoginSession>,
    failures: Arc<Mutex<VecDeque<Failed>>>,
) {
    let mut read = Vec::new();
    loop {
        let Some(end) = read.windows(4).position(|w| w == b"\r\n\r\n") else {
            let mut chunk = [0u8; 1024];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&read[..end]).into_owned();
        read.drain(..end + 4);
        let path = head.split(' ').nth(1).unwrap_or_default().to_owned();
        let uid = current.borrow().uid();
        let (status, body) = if path == paths::session(uid) {
            (200, current.borrow().to_json())
        } else if let Some(query) = path.strip_prefix(&format!("{}?", paths::session_wait(uid))) {
            let failed = failures.lock().unwrap().pop_front();
            if let Some(failed) = failed {
                failed
            } else {
                let seen = query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("status="))
                    .unwrap()
                    .to_owned();
                while current.borrow_and_update().status().to_string() == seen {
                    current.changed().await.unwrap();
                }
                (200, current.borrow().to_json())
            }
        } else {
            (404, "{}".to_owned())
        };
        let answer = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if stream.write_all(answer.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn refused_as_logged_out(outcome: Result<Identity, WatchError>) -> bool {
    matches!(
        outcome,
        Err(WatchError::Refused(AuthorisationError::LoggedOut))
    )
}

async fn a_logout_refuses_tokens_after(failed_polls: Vec<Failed>) {
    let now = clock::now();
    let approved = fixture::approved_session(now).unwrap();
    let service = Service::start(approved.clone(), failed_polls).await;
    let watcher = Watcher::start(service.addr, approved.uid(), WatchPolicy::default())
        .await
        .unwrap();
    let mut watched = watcher.watched().clone();
    let token = fixture::requester()
        .authorise_at(&approved, SERVICE, now, [9; 16])
        .unwrap();
    assert_eq!(
        watched.verify(&token, &expected()).unwrap().session_uid,
        approved.uid()
    );

    service
        .session
        .send(fixture::logged_out(&approved, now).unwrap())
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(10), watched.changed())
        .await
        .expect("the logout reached the watch")
        .unwrap();
    assert_eq!(status, Status::LoggedOut);
    assert!(refused_as_logged_out(watched.verify(&token, &expected())));
    // Every holder sees it, whether or not it waited for the change.
    let other = watcher.watched().clone();
    assert!(refused_as_logged_out(other.verify(&token, &expected())));
    assert_eq!(other.session().status(), Status::LoggedOut);
}

#[tokio::test]
async fn a_logout_reaches_the_watch_and_refuses_tokens() {
    a_logout_refuses_tokens_after(Vec::new()).await;
}

#[tokio::test]
async fn a_failed_long_poll_is_retried() {
    a_logout_refuses_tokens_after(vec![bare_500(), bare_500()]).await;
}

#[tokio::test]
async fn a_rate_limited_or_failing_service_is_asked_again() {
    let failures = vec![
        refusal(ErrorCode::RateLimited),
        refusal(ErrorCode::Unavailable),
        refusal(ErrorCode::Internal),
    ];
    a_logout_refuses_tokens_after(failures).await;
}

#[tokio::test]
async fn a_refusal_for_good_ends_the_watch() {
    let approved = fixture::approved_session(clock::now()).unwrap();
    let service = Service::start(approved.clone(), vec![refusal(ErrorCode::NotFound)]).await;
    let watcher = Watcher::start(service.addr, approved.uid(), WatchPolicy::default())
        .await
        .unwrap();
    let mut watched = watcher.watched().clone();
    // The long-poll task stops at the refusal, so nothing keeps the watch
    // current any more; it fails closed once its silence is too long.
    let ended = tokio::time::timeout(Duration::from_secs(10), watched.changed())
        .await
        .expect("the watch ended");
    assert_eq!(ended, Err("the session is no longer watched".to_owned()));
    assert_eq!(watched.session().status(), Status::Approved);
}

#[tokio::test]
async fn a_session_the_service_does_not_know_is_not_watched() {
    let approved = fixture::approved_session(clock::now()).unwrap();
    let service = Service::start(approved, Vec::new()).await;
    let unknown = countersign_core::uid_from_random([0x77; 16]);
    let refused = Watcher::start(service.addr, unknown, WatchPolicy::default())
        .await
        .unwrap_err();
    assert!(refused.contains("404"), "{refused}");
}

#[tokio::test]
async fn a_fixed_view_fails_closed_after_its_silence() {
    let now = clock::now();
    let approved = fixture::approved_session(now).unwrap();
    let policy = WatchPolicy::default();
    let fixed = Watched::fixed(SessionWatch::new(approved.clone(), now, policy));
    let token = fixture::requester()
        .authorise_at(&approved, SERVICE, now, [9; 16])
        .unwrap();
    assert!(fixed.verify_at(&token, &expected(), now).is_ok());
    let later = now + policy.max_silence + chrono::TimeDelta::seconds(1);
    assert!(matches!(
        fixed.verify_at(&token, &expected(), later),
        Err(WatchError::OutOfTouch { .. })
    ));
}
