//! `/healthz` looks at what the service needs: it answers `ok` while the
//! store answers (and, on PostgreSQL, the LISTEN connection is up), and 503
//! `unavailable` saying which part is down when one is not, and 200 again
//! once it is back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use countersign_server::runtime::listening::Listening;
use http_body_util::BodyExt as _;
use serde_json::Value;
use tower::ServiceExt as _;
use uuid::Uuid;

on_both_backends!(
    healthz_answers_ok_while_the_store_and_listener_are_up,
    healthz_answers_503_once_the_store_is_closed,
    healthz_answers_503_while_the_listener_is_down,
);

/// The status, content type and body text of `GET /healthz`.
async fn healthz(service: &Service) -> (StatusCode, String, String) {
    let request = Request::get("/healthz").body(Body::empty()).unwrap();
    let response = service.router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        content_type,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

/// Waits until `/healthz` answers 200 (on PostgreSQL the listener connects
/// in the background), and returns its body; fails after 10 s.
async fn healthy(service: &Service) -> String {
    let poll = async {
        loop {
            let (status, _, body) = healthz(service).await;
            if status == StatusCode::OK {
                return body;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(10), poll)
        .await
        .unwrap_or_else(|_| panic!("/healthz does not answer 200 within 10 s"))
}

/// The 503's error body, checked against core's list of codes.
fn unavailable(status: StatusCode, body: &str) -> String {
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    let value: Value = serde_json::from_str(body).unwrap();
    assert_error_body(status, &value);
    assert_eq!(value["error"]["code"], "unavailable", "{value}");
    value["error"]["message"].as_str().unwrap().to_owned()
}

async fn healthz_answers_ok_while_the_store_and_listener_are_up(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    assert_eq!(healthy(&service).await, "ok");
    let listening = service.state.listening.get();
    match db {
        Db::Sqlite => assert_eq!(listening, Listening::Unused),
        Db::Postgres => assert!(matches!(listening, Listening::Up(_)), "{listening:?}"),
    }
}

async fn healthz_answers_503_once_the_store_is_closed(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    healthy(&service).await;
    service.state.store.close().await;
    let (status, content_type, body) = healthz(&service).await;
    assert_eq!(content_type, "application/json");
    let message = unavailable(status, &body);
    assert!(message.contains("database"), "{message}");
}

async fn healthz_answers_503_while_the_listener_is_down(db: Db) {
    let Some(service) = service_on(db, |_| {}).await else {
        return;
    };
    healthy(&service).await;
    // What the listener records when its connection fails. Set by hand: a
    // connection killed on the server is made again within 100 ms, too soon
    // to be seen reliably.
    service
        .state
        .listening
        .set(Listening::Down("connection reset".into()));
    let (status, _, body) = healthz(&service).await;
    let message = unavailable(status, &body);
    assert!(message.contains("LISTEN"), "{message}");
    assert!(
        !message.contains("connection reset"),
        "causes stay in the log: {message}"
    );
}

/// The PostgreSQL server going away and coming back, as an instance sees
/// it: every connection to it cut and new ones refused, then accepted
/// again. `/healthz` turns 503 while it is gone and back to 200 once it
/// returns, and the instance serves requests again without a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_follows_the_postgresql_server_going_away_and_coming_back() {
    let Some((url, _)) = database(Db::Postgres).await else {
        return;
    };
    let (link, proxied) = Link::to(&url).await;
    let service = service_at(&proxied, None, |_| {}).await;
    healthy(&service).await;

    link.cut();
    let poll = async {
        loop {
            let (status, _, body) = healthz(&service).await;
            if status != StatusCode::OK {
                return (status, body);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let (status, body) = tokio::time::timeout(Duration::from_secs(15), poll)
        .await
        .expect("/healthz still answers 200 15 s after the database went away");
    let message = unavailable(status, &body);
    assert!(
        message.contains("database") || message.contains("LISTEN"),
        "{message}"
    );

    link.restore();
    let poll = async {
        loop {
            if healthz(&service).await.0 == StatusCode::OK {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(30), poll)
        .await
        .expect("/healthz does not answer 200 within 30 s of the database's return");
    // Healthy means serving: a login request is stored and read back.
    let answer = ask(&service, &Requester::new(), "ada").await;
    let uid: Uuid = answer["uid"].as_str().unwrap().parse().unwrap();
    assert_eq!(service.session(uid).await.uid(), uid);
}

/// A TCP link between the service and PostgreSQL that the test can cut:
/// cut, it closes every connection it carries and every new one at once,
/// as a stopped server would leave them; restored, it carries them again.
struct Link {
    down: Arc<AtomicBool>,
    cuts: tokio::sync::watch::Sender<u64>,
}

impl Link {
    /// A link to the server of the PostgreSQL `url`, and the URL that
    /// reaches the same database through it.
    async fn to(url: &str) -> (Self, String) {
        let (scheme, rest) = url.split_once("://").unwrap();
        let (authority, path) = rest.split_once('/').unwrap();
        let (user, server) = match authority.rsplit_once('@') {
            Some((user, server)) => (format!("{user}@"), server.to_owned()),
            None => (String::new(), authority.to_owned()),
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxied = format!("{scheme}://{user}{}/{path}", listener.local_addr().unwrap());
        let down = Arc::new(AtomicBool::new(false));
        let (cuts, _) = tokio::sync::watch::channel(0_u64);
        let (accepting, carrying) = (Arc::clone(&down), cuts.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if accepting.load(Ordering::SeqCst) {
                    continue; // dropped: closed at once
                }
                let mut cut = carrying.subscribe();
                let server = server.clone();
                tokio::spawn(async move {
                    let Ok(mut upstream) = tokio::net::TcpStream::connect(&server).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut upstream) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        (Self { down, cuts }, proxied)
    }

    fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|n| *n += 1);
    }

    fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}
