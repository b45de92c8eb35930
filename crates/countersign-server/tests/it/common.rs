//! A service on a fresh SQLite file, driven through its router without
//! sockets, on a manual clock and scripted random bytes; the requester's
//! and approver's moves. Every answer read through these helpers has its
//! error body checked against core's list of codes.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode};
use chrono::{DateTime, Utc};
use countersign_core::api::{ErrorBody, ErrorCode};
use countersign_core::{
    Authorisation, Claim, DeviceName, Keypair, LoginSession, ServiceUrl, Signer, Statement,
    uid_from_random,
};
use countersign_server::clock::{Clock, ManualClock, Random, ScriptedRandom};
use countersign_server::config::Config;
use countersign_server::http;
use countersign_server::ops::enrollment as accounts;
use countersign_server::state::{AppState, Shared, Surroundings};
use countersign_server::store::Store;
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use uuid::Uuid;

pub const PUBLIC_URL: &str = "http://cs.test";

/// The service the test service is, as statements name it.
pub fn service_url() -> ServiceUrl {
    ServiceUrl::parse(PUBLIC_URL).unwrap()
}

pub struct Service {
    pub state: Shared,
    pub router: Router,
    /// The service's clock: it moves only when the test moves it.
    pub clock: ManualClock,
    /// The service's random bytes: pushed ones first, then the system's.
    pub random: ScriptedRandom,
    dir: Option<PathBuf>,
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// Runs each named `async fn(Db)` once per backend, as `sqlite::NAME` and
/// `postgres::NAME`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name($crate::common::Db::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                super::$name($crate::common::Db::Postgres).await
            })*
        }
    };
}
pub(crate) use on_both_backends;

const POSTGRES_URL: &str = "COUNTERSIGN_TEST_POSTGRES_URL";

/// Random bytes for the tests' own keys and names (not the service's).
pub fn random<const N: usize>() -> [u8; N] {
    Random::system().bytes().unwrap()
}

/// The real time, for the tests' own statements and stopwatches. The
/// service's manual clock starts at it and is moved by seconds at most, so
/// statements dated by it stay fresh to the service.
pub fn real_clock() -> Clock {
    Clock::system()
}

fn random_name(prefix: &str) -> String {
    let bytes: [u8; 8] = random();
    format!("{prefix}{:016x}", u64::from_le_bytes(bytes))
}

/// A new, empty database on the backend: a file in a temporary directory,
/// or a fresh database on the PostgreSQL server `cargo xtask test` started.
/// `None` (with a SKIPPED line) when PostgreSQL is not configured outside CI.
pub async fn database(db: Db) -> Option<(String, Option<PathBuf>)> {
    match db {
        Db::Sqlite => {
            let dir = std::env::temp_dir().join(random_name("countersign-test-"));
            std::fs::create_dir_all(&dir).unwrap();
            let url = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite3").display());
            Some((url, Some(dir)))
        }
        Db::Postgres => {
            let Ok(admin) = std::env::var(POSTGRES_URL) else {
                skip_postgres();
                return None;
            };
            use sqlx::Connection as _;
            let name = random_name("t");
            let mut conn = sqlx::PgConnection::connect(&admin).await.unwrap();
            sqlx::query(&format!("CREATE DATABASE {name}"))
                .execute(&mut conn)
                .await
                .unwrap();
            let base = admin.rsplit_once('/').unwrap().0;
            Some((format!("{base}/{name}"), None))
        }
    }
}

/// Without a PostgreSQL server a PostgreSQL test is skipped, and says so
/// where it is seen; in CI, where the suite must run, it fails instead.
fn skip_postgres() {
    // As `cargo xtask test` reads it: set, non-empty and not "false".
    let in_ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false");
    assert!(
        !in_ci,
        "{POSTGRES_URL} is not set: in CI the PostgreSQL suite must run"
    );
    let test = std::thread::current()
        .name()
        .unwrap_or("a PostgreSQL test")
        .to_owned();
    // Straight to stderr: the test harness keeps `eprintln!` output of a
    // passing test to itself, and a skip must not look like a pass.
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {test}: set {POSTGRES_URL} to a PostgreSQL server (cargo xtask test does)"
    );
}

pub async fn service_on(db: Db, configure: impl FnOnce(&mut Config)) -> Option<Service> {
    let (url, dir) = database(db).await?;
    Some(service_at(&url, dir, configure).await)
}

/// A service instance on the database at `url`, listening for changes made
/// by other instances when on PostgreSQL. Its clock stands at the real time
/// when it starts, and moves only when the test moves it.
pub async fn service_at(
    url: &str,
    dir: Option<PathBuf>,
    configure: impl FnOnce(&mut Config),
) -> Service {
    let store = Store::connect(url).await.unwrap();
    let mut config = Config::new(PUBLIC_URL);
    // The clock stands still, so requests never expire: tests that race
    // hundreds of requests for one user lift the per-user cap (flood.rs
    // sets it back to test it).
    config.max_pending_per_user = i64::MAX;
    configure(&mut config);
    let clock = ManualClock::starting_at(real_clock().now());
    let random = ScriptedRandom::new();
    let surroundings = Surroundings {
        clock: clock.clone().into(),
        random: random.clone().into(),
        ..Surroundings::default()
    };
    let state = AppState::with(store, config, surroundings);
    tokio::spawn(countersign_server::ops::notify::listen(state.clone()));
    let router = http::router(state.clone())
        .layer(MockConnectInfo(SocketAddr::from(([203, 0, 113, 5], 40000))));
    Service {
        state,
        router,
        clock,
        random,
        dir,
    }
}

/// Sends a request through `router` and reads the answer as JSON (`Null`
/// when it is not JSON), checking its error body.
pub async fn send_to(router: Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = router.oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert_error_body(status, &value);
    (status, value)
}

/// Every error answer is core's `ErrorBody`, with a code of `ErrorCode::ALL`
/// (never one this build does not know) and that code's status. Called on
/// every answer the suite reads, so every code the service answered in the
/// suite is known to be in `ALL`.
pub fn assert_error_body(status: StatusCode, body: &Value) {
    if !(status.is_client_error() || status.is_server_error()) {
        return;
    }
    let read: ErrorBody = serde_json::from_value(body.clone())
        .unwrap_or_else(|e| panic!("{status} without an error body ({e}): {body}"));
    let code = read.error.code;
    assert!(
        ErrorCode::ALL.contains(&code),
        "{status} with a code not in ErrorCode::ALL: {body}"
    );
    assert_eq!(
        status.as_u16(),
        code.http_status(),
        "{code} answered with another status than its own: {body}"
    );
}

pub async fn service() -> Service {
    service_on(Db::Sqlite, |_| {}).await.unwrap()
}

impl Service {
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let request = Request::builder().method(method).uri(path);
        let request = match body {
            Some(body) => request
                .header("content-type", "application/json")
                .body(Body::from(body.to_string())),
            None => request.body(Body::empty()),
        }
        .unwrap();
        self.send(request).await
    }

    pub async fn send(&self, request: Request<Body>) -> (StatusCode, Value) {
        send_to(self.router.clone(), request).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    /// A `GET` in a task of its own, such as a long poll to answer later.
    pub fn spawn_get(&self, path: &str) -> tokio::task::JoinHandle<(StatusCode, Value)> {
        let request = Request::get(path).body(Body::empty()).unwrap();
        tokio::spawn(send_to(self.router.clone(), request))
    }

    /// Returns once requesters wait on `sessions` sessions on this
    /// instance: a long poll is in place before the test goes on.
    pub async fn waiting_on(&self, sessions: usize) {
        let waiters = &self.state.waiters;
        tokio::time::timeout(Duration::from_secs(5), async {
            while waiters.len() < sessions {
                tokio::task::yield_now().await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no long poll waits on {sessions} sessions"));
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Adds a user and returns its enrollment token.
    pub async fn add_user(&self, name: &str) -> (Uuid, String) {
        let added = accounts::add_user(
            &self.state.store,
            &self.state.clock,
            &self.state.random,
            PUBLIC_URL,
            name,
            chrono::TimeDelta::days(1),
        )
        .await
        .unwrap();
        let token = added
            .enrollment_url
            .split("#token=")
            .nth(1)
            .unwrap()
            .to_owned();
        (added.user_uid, token)
    }

    /// The service's clock now, to date tokens by.
    pub fn now(&self) -> DateTime<Utc> {
        self.state.clock.now()
    }

    /// Asks the service to verify `token` for `resource`, once only or not.
    pub async fn verify(&self, token: &str, resource: &str, once: bool) -> (StatusCode, Value) {
        let body = json!({"token": token, "resource": resource, "once": once});
        self.post("/api/authorisations/verify", body).await
    }

    /// The session as the service answers it now.
    pub async fn session(&self, uid: Uuid) -> LoginSession {
        let (status, body) = self.get(&format!("/api/sessions/{uid}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        LoginSession::from_json_value(body).unwrap()
    }

    /// Enrolls another device for `first`'s user, sponsored by `first`.
    pub async fn second_device(&self, first: &Approver) -> Approver {
        let second = Approver::new(first.user);
        let claim = Claim::EnrollDevice {
            user: first.user,
            device: second.device,
            device_key: second.key.public_key(),
            device_name: DeviceName::new("Second browser").unwrap(),
        };
        let body = json!({"sponsor": first.sign(claim.clone()), "proof": second.sign(claim)});
        let (status, device) = self.post("/api/devices", body).await;
        assert_eq!(status, StatusCode::CREATED, "{device}");
        second
    }

    /// Uses an enrollment link's token with `proof`, the new device's
    /// signed enrollment.
    pub async fn redeem(&self, token: &str, proof: Value) -> (StatusCode, Value) {
        let body = json!({"token": token, "proof": proof});
        self.post("/api/enrollments/redeem", body).await
    }

    /// Adds a user and enrolls one device for them.
    pub async fn user_with_device(&self, name: &str) -> Approver {
        let (user, token) = self.add_user(name).await;
        let approver = Approver::new(user);
        let (status, body) = self.redeem(&token, approver.enrollment()).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        approver
    }
}

/// A device that approves: its key stays here, the service gets the public half.
pub struct Approver {
    pub user: Uuid,
    pub device: Uuid,
    pub key: Keypair,
}

impl Approver {
    pub fn new(user: Uuid) -> Self {
        Self {
            user,
            device: uid_from_random(random()),
            key: Keypair::from_seed(&random()),
        }
    }

    pub fn sign(&self, claim: Claim) -> Value {
        let signed = Statement::new(
            claim,
            service_url(),
            Signer::Device(self.device),
            real_clock().now(),
        )
        .sign(&self.key);
        serde_json::to_value(signed).unwrap()
    }

    pub fn enrollment(&self) -> Value {
        self.sign(Claim::EnrollDevice {
            user: self.user,
            device: self.device,
            device_key: self.key.public_key(),
            device_name: DeviceName::new("Test browser").unwrap(),
        })
    }

    /// Signs `action` on the session as the approval page shows it.
    pub fn decide(&self, shown: &LoginSession, action: &str, code: Option<u8>) -> Value {
        let session = shown.uid();
        let details = shown.details_digest().unwrap();
        let claim = match action {
            "approve" => Claim::Approve {
                session,
                details,
                code: countersign_core::VerificationCode::new(code.unwrap()).unwrap(),
            },
            "deny" => Claim::Deny { session, details },
            "suspicious" => Claim::ReportSuspicious { session, details },
            "logout" => Claim::Logout { session, details },
            other => panic!("no action {other}"),
        };
        self.sign(claim)
    }
}

/// A program asking for a login: it keeps its two keys.
pub struct Requester {
    pub key: Keypair,
    pub cert: Keypair,
}

impl Requester {
    pub fn new() -> Self {
        Self {
            key: Keypair::from_seed(&random()),
            cert: Keypair::from_seed(&random()),
        }
    }

    pub fn request(&self, username: &str) -> Value {
        json!({
            "username": username,
            "public_key": self.key.public_key(),
            "public_certificate": self.cert.public_key(),
            "hostname": "build-01",
            "login_message": "deploy to staging",
            "scope": ["deploy"],
            "permissions": ["read"],
        })
    }

    /// A token for `resource` under `session`, binding `body`, signed at
    /// `at` with a fresh nonce.
    pub fn authorise(
        &self,
        session: &LoginSession,
        resource: &str,
        body: Option<&[u8]>,
        at: DateTime<Utc>,
    ) -> String {
        Authorisation::for_session(session, PUBLIC_URL, resource, body, at, random())
            .unwrap()
            .sign(&self.cert)
            .to_token()
    }

    pub fn logout(&self, session: &LoginSession) -> Value {
        let claim = Claim::Logout {
            session: session.uid(),
            details: session.details_digest().unwrap(),
        };
        serde_json::to_value(
            Statement::new(claim, service_url(), Signer::Requester, real_clock().now())
                .sign(&self.cert),
        )
        .unwrap()
    }
}

/// Asks for a login and returns the service's answer.
pub async fn ask(service: &Service, requester: &Requester, username: &str) -> Value {
    let (status, answer) = service
        .post("/api/sessions", requester.request(username))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    answer
}

/// What the approval page is shown for a short uid: the session (and no
/// verification code: the approver must read it off the requester).
pub async fn shown(service: &Service, short_uid: &str) -> LoginSession {
    let (status, page) = service.get(&format!("/api/approvals/{short_uid}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    LoginSession::from_json_value(page["session"].clone()).unwrap()
}

/// The verification code in the answer to a request: what the requester
/// shows, and the approver types.
pub fn drawn_code(answer: &Value) -> u8 {
    u8::try_from(answer["verification_code"].as_u64().unwrap()).unwrap()
}

/// Asks for a login for `username` as `requester`, and approves it with
/// `approver`: the session as approved.
pub async fn approved(
    service: &Service,
    approver: &Approver,
    requester: &Requester,
    username: &str,
) -> LoginSession {
    let answer = ask(service, requester, username).await;
    let page = shown(service, answer["short_uid"].as_str().unwrap()).await;
    let code = drawn_code(&answer);
    let (status, body) = service
        .post(
            &format!("/api/sessions/{}/statements", page.uid()),
            approver.decide(&page, "approve", Some(code)),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    LoginSession::from_json_value(body).unwrap()
}

/// The actions in a session's audit log, oldest first, as stored.
pub async fn audit_actions(service: &Service, uid: Uuid) -> Vec<String> {
    let audit = service.state.store.audit_of(uid).await.unwrap();
    audit
        .into_iter()
        .map(|entry| entry.action.to_string())
        .collect()
}

/// The status of the session as stored, read past the service (whose reads
/// expire a run-out session themselves).
pub async fn stored_status(service: &Service, uid: Uuid) -> countersign_core::Status {
    let found = service.state.store.session(uid).await.unwrap().unwrap();
    found.session.status()
}
