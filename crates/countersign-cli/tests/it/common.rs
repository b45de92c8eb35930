//! A real countersign service on 127.0.0.1 for each test, a private home
//! directory, and the `countersign` binary driven as a person or a script
//! would.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::Duration;

use countersign_server::config::Config;
use countersign_server::http;
use countersign_server::ops::enrollment;
use countersign_server::state::{AppState, Shared};
use countersign_server::store::Store;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_countersign");

/// A new, empty directory under the system's temporary directory.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let bytes: [u8; 8] = countersign_server::clock::Random::system().bytes().unwrap();
    let dir = std::env::temp_dir().join(format!("{prefix}-{:016x}", u64::from_le_bytes(bytes)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The permission bits of a file or directory.
pub fn mode(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A countersign service served on a real socket by a runtime of its own.
pub struct Service {
    pub url: String,
    pub state: Shared,
    runtime: Option<tokio::runtime::Runtime>,
    dir: PathBuf,
}

impl Service {
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    pub fn start_with(configure: impl FnOnce(&mut Config)) -> Self {
        let dir = temp_dir("countersign-cli-db");
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let database = format!("sqlite://{}?mode=rwc", dir.join("db.sqlite3").display());
        let store = runtime.block_on(Store::connect(&database)).unwrap();
        let mut config = Config::new(&url);
        configure(&mut config);
        let state = AppState::new(store, config);
        let served = state.clone();
        runtime.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = http::router(served).into_make_service_with_connect_info::<SocketAddr>();
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            url,
            state,
            runtime: Some(runtime),
            dir,
        }
    }

    /// What `countersign-server admin user add NAME` does: the user and
    /// the one-time link that enrolls their first device.
    pub fn add_user(&self, name: &str) -> String {
        let added = self
            .block_on(enrollment::add_user(
                &self.state.store,
                &self.state.clock,
                &self.state.random,
                &self.url,
                name,
                chrono::TimeDelta::days(1),
            ))
            .unwrap();
        added.enrollment_url
    }

    pub fn block_on<F: std::future::Future>(&self, future: F) -> F::Output {
        self.runtime.as_ref().unwrap().block_on(future)
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        // Long polls may still be held open: do not wait for them.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A person's home: where the binary keeps sessions, and key files.
pub struct Home {
    pub dir: PathBuf,
}

impl Home {
    pub fn new() -> Self {
        Self {
            dir: temp_dir("countersign-cli-home"),
        }
    }

    pub fn config(&self) -> PathBuf {
        self.dir.join("config")
    }

    pub fn sessions(&self) -> PathBuf {
        self.config().join("countersign").join("sessions")
    }

    pub fn kept(&self) -> Vec<PathBuf> {
        match std::fs::read_dir(self.sessions()) {
            Ok(entries) => entries.map(|e| e.unwrap().path()).collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The binary, run in this home with no terminal on stdin.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("HOME", &self.dir)
            .env("XDG_CONFIG_HOME", self.config())
            .env_remove("COUNTERSIGN_SERVER")
            .stdin(Stdio::null());
        command
    }

    pub fn run(&self, args: &[&str]) -> Run {
        let child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        Run::from(finish(child, Duration::from_secs(20)))
    }

    /// Enrolls a device for the link's user, keeping its key in
    /// `keys/NAME.json`. Returns the key file.
    pub fn enroll(&self, link: &str, name: &str) -> PathBuf {
        let key = self.dir.join("keys").join(format!("{name}.json"));
        let run = self.run(&[
            "device",
            "enroll",
            link,
            "--key-file",
            key.to_str().unwrap(),
            "--name",
            name,
        ]);
        run.assert_code(0);
        key
    }

    /// Starts `countersign --json login USER --server URL EXTRA...` and reads
    /// its first line.
    pub fn login(&self, server: &str, user: &str, extra: &[&str]) -> Login {
        let mut args = vec!["--json", "login", user, "--server", server];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut first = String::new();
        stdout.read_line(&mut first).unwrap();
        let requested: Value =
            serde_json::from_str(&first).unwrap_or_else(|e| panic!("{e}: first line {first:?}"));
        Login {
            child,
            stdout,
            requested,
        }
    }
}

impl Home {
    /// Writes a device key file for `ada` on `server`, as `device enroll`
    /// would have, without asking any service. Returns the file.
    pub fn write_key(&self, server: &str) -> PathBuf {
        let key = serde_json::json!({
            "server": server,
            "username": "ada",
            "user_uid": "0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6b",
            "device_uid": "0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6c",
            "name": "laptop",
            "secret": "A".repeat(43),
        });
        let path = self.dir.join("keys").join("written.json");
        write_private(&path, &key.to_string());
        path
    }

    /// Writes a kept, approved session of `ada` on `server`, as `login`
    /// would have, without asking any service. Returns its short id.
    pub fn write_kept(&self, server: &str) -> String {
        let short = "ab.cd.ef.01";
        let kept = serde_json::json!({
            "uid": "0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6d",
            "short_uid": short,
            "server": server,
            "username": "ada",
            "login_url": format!("{server}/s?id={short}"),
            "hostname": null,
            "scope": [],
            "permissions": [],
            "requested_at": "2026-11-29T09:00:00Z",
            "expires_at": "2026-11-29T09:10:00Z",
            "approved_at": "2026-11-29T09:01:00Z",
            "device_uid": "0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6c",
            "user_uid": "0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6b",
            "login_expires_at": "2999-01-01T00:00:00Z",
            "key_secret": "A".repeat(43),
            "cert_secret": "Q".repeat(43),
        });
        let path = self
            .sessions()
            .join("0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6d.json");
        write_private(&path, &kept.to_string());
        short.to_owned()
    }
}

/// Writes an owner-only file in owner-only directories, as the binary
/// keeps its secrets.
fn write_private(path: &Path, text: &str) {
    let dir = path.parent().unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

impl Drop for Home {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Asks for a login and approves it; returns its short id and uid.
pub fn approved(service: &Service, home: &Home, key: &Path) -> (String, String) {
    let login = home.login(&service.url, "ada", &[]);
    let code = login.code().to_string();
    home.run(&[
        "approve",
        &login.url(),
        "--key-file",
        key.to_str().unwrap(),
        "--code",
        &code,
        "--yes",
    ])
    .assert_code(0);
    let (short, uid) = (login.short_uid(), login.uid());
    assert_eq!(login.end().0, 0);
    (short, uid)
}

/// The session `uid` as the service answers it over HTTP, read as `T`
/// (JSON, or a `LoginSession`).
pub fn read_session<T: serde::de::DeserializeOwned>(service: &Service, uid: &str) -> T {
    ureq::get(format!("{}/api/sessions/{uid}", service.url))
        .call()
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap()
}

/// A `login` that is waiting.
pub struct Login {
    pub child: Child,
    stdout: BufReader<ChildStdout>,
    pub requested: Value,
}

impl Login {
    pub fn url(&self) -> String {
        self.requested["login_url"].as_str().unwrap().to_owned()
    }

    pub fn code(&self) -> u8 {
        u8::try_from(self.requested["verification_code"].as_u64().unwrap()).unwrap()
    }

    pub fn uid(&self) -> String {
        self.requested["uid"].as_str().unwrap().to_owned()
    }

    pub fn short_uid(&self) -> String {
        self.requested["short_uid"].as_str().unwrap().to_owned()
    }

    /// Whether it is still waiting.
    pub fn is_waiting(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for it to end; returns its exit code, its last JSON line and
    /// its stderr.
    pub fn end(mut self) -> (i32, Value, String) {
        let mut rest = String::new();
        let mut err = self.child.stderr.take().unwrap();
        let reader = std::thread::spawn(move || {
            let mut stderr = String::new();
            err.read_to_string(&mut stderr).unwrap();
            stderr
        });
        // A login ends within seconds of a decision; a stuck one fails the
        // test rather than hang it.
        let watchdog = Watchdog::arm(self.child.id(), Duration::from_secs(20));
        self.stdout.read_to_string(&mut rest).unwrap();
        let status = self.child.wait().unwrap();
        watchdog.disarm();
        let stderr = reader.join().unwrap();
        let last = rest.lines().last().unwrap_or("null");
        let value = serde_json::from_str(last).unwrap_or(Value::Null);
        (status.code().unwrap_or(-1), value, stderr)
    }
}

impl Drop for Login {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills a process that outlives a time limit.
pub struct Watchdog {
    stop: std::sync::mpsc::Sender<()>,
}

impl Watchdog {
    pub fn arm(pid: u32, limit: Duration) -> Self {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        std::thread::spawn(move || {
            if stopped.recv_timeout(limit).is_err() {
                let _ = Command::new("kill").arg(pid.to_string()).status();
            }
        });
        Self { stop }
    }

    pub fn disarm(self) {
        let _ = self.stop.send(());
    }
}

fn finish(mut child: Child, limit: Duration) -> Output {
    let watchdog = Watchdog::arm(child.id(), limit);
    let mut stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut out = Vec::new();
        stdout.read_to_end(&mut out).unwrap();
        out
    });
    let mut stderr = Vec::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    watchdog.disarm();
    Output {
        status,
        stdout: reader.join().unwrap(),
        stderr,
    }
}

/// A finished run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(out: Output) -> Self {
        Self {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }
}

impl Run {
    pub fn assert_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Every stdout line, each parsed as JSON.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line:?}")))
            .collect()
    }

    /// The one JSON line on stdout.
    pub fn json(&self) -> Value {
        let mut lines = self.json_lines();
        assert_eq!(lines.len(), 1, "{}", self.stdout);
        lines.remove(0)
    }
}

/// A tiny HTTP/1.1 server that answers each request with what `answer`
/// returns for its method, path and body (a [`Reply`], or just a status
/// and a body): for what a real service does not do on demand (a refusal
/// after a good start, a failing network). Status 0 hangs up without
/// answering.
pub struct FakeService {
    pub url: String,
}

/// One answer of a [`FakeService`].
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: String,
}

impl From<(u16, String)> for Reply {
    fn from((status, body): (u16, String)) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body,
        }
    }
}

impl FakeService {
    pub fn start<R: Into<Reply>>(answer: impl Fn(&str, &str, &str) -> R + Send + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                serve_one(stream, &|method, path, body| {
                    answer(method, path, body).into()
                });
            }
        });
        Self { url }
    }
}

fn serve_one(stream: TcpStream, answer: &dyn Fn(&str, &str, &str) -> Reply) {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or("").to_owned();
    let path = parts.next().unwrap_or("").to_owned();
    let reply = answer(&method, &path, &String::from_utf8_lossy(&body));
    if reply.status == 0 {
        return;
    }
    let headers: String = reply
        .headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 {} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n{headers}connection: close\r\n\r\n{}",
        reply.status,
        reply.body.len(),
        reply.body
    );
}
