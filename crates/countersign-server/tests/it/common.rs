//! A service on a fresh SQLite file, driven through its router without
//! sockets, and the requester's and approver's moves.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Router;
use axum::body::Body;
use axum::extract::connect_info::MockConnectInfo;
use axum::http::{Method, Request, StatusCode};
use countersign_core::{
    Claim, DeviceName, Keypair, LoginSession, Signer, Statement, uid_from_random,
};
use countersign_server::app::{AppState, Config, Shared};
use countersign_server::store::Store;
use countersign_server::{accounts, clock, http};
use http_body_util::BodyExt as _;
use serde_json::{Value, json};
use tower::ServiceExt as _;
use uuid::Uuid;

pub const PUBLIC_URL: &str = "http://cs.test";

pub struct Service {
    pub state: Shared,
    pub router: Router,
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

fn random_name(prefix: &str) -> String {
    let bytes: [u8; 8] = clock::random().unwrap();
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
/// by other instances when on PostgreSQL.
pub async fn service_at(
    url: &str,
    dir: Option<PathBuf>,
    configure: impl FnOnce(&mut Config),
) -> Service {
    let store = Store::connect(url).await.unwrap();
    let mut config = Config::new(PUBLIC_URL);
    configure(&mut config);
    let state = AppState::new(store, config);
    tokio::spawn(countersign_server::notify::listen(state.clone()));
    let router = http::router(state.clone())
        .layer(MockConnectInfo(SocketAddr::from(([203, 0, 113, 5], 40000))));
    Service { state, router, dir }
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
        let response = self.router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    /// Adds a user and returns its enrollment token.
    pub async fn add_user(&self, name: &str) -> (Uuid, String) {
        let added = accounts::add_user(
            &self.state.store,
            PUBLIC_URL,
            name,
            chrono::TimeDelta::days(1),
        )
        .await
        .unwrap();
        let token = added
            .enrollment_url
            .split("token=")
            .nth(1)
            .unwrap()
            .to_owned();
        (added.user.uid, token)
    }

    /// Adds a user and enrolls one device for them.
    pub async fn user_with_device(&self, name: &str) -> Approver {
        let (user, token) = self.add_user(name).await;
        let approver = Approver::new(user);
        let (status, body) = self
            .post(&format!("/api/enrollments/{token}"), approver.enrollment())
            .await;
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
            device: uid_from_random(clock::random().unwrap()),
            key: Keypair::from_seed(&clock::random().unwrap()),
        }
    }

    pub fn sign(&self, claim: Claim) -> Value {
        let signed =
            Statement::new(claim, Signer::Device(self.device), clock::now()).sign(&self.key);
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
            key: Keypair::from_seed(&clock::random().unwrap()),
            cert: Keypair::from_seed(&clock::random().unwrap()),
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

    pub fn logout(&self, session: &LoginSession) -> Value {
        let claim = Claim::Logout {
            session: session.uid(),
            details: session.details_digest().unwrap(),
        };
        serde_json::to_value(
            Statement::new(claim, Signer::Requester, clock::now()).sign(&self.cert),
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

/// What the approval page is shown for a short uid.
pub async fn shown(service: &Service, short_uid: &str) -> (LoginSession, Vec<u8>) {
    let (status, page) = service.get(&format!("/api/approvals/{short_uid}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let session = LoginSession::from_json_value(page["session"].clone()).unwrap();
    let choices = serde_json::from_value(page["code_choices"].clone()).unwrap();
    (session, choices)
}
