//! The child processes: the real `countersign-server` (its `admin user add`
//! and `serve`), and the bare axum server the bench re-executes itself as.
//! Every child is killed when its handle is dropped, so no exit path leaves
//! one running.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, AsyncRead, BufReader};
use tokio::process::{Child, Command};

/// How long a server may take to start listening (PostgreSQL migrations
/// included).
const START_LIMIT: Duration = Duration::from_secs(60);
/// How long `admin user add` may take.
const ADMIN_LIMIT: Duration = Duration::from_secs(60);
/// What the bare server prints once it listens.
const BARE_READY: &str = "bare server listening";

/// A port on 127.0.0.1 that was free a moment ago: bind to port 0, read the
/// port the system chose, and let it go for the child to take.
pub fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot find a free port: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot find a free port: {e}"))?
        .port();
    drop(listener);
    Ok(port)
}

/// Random bytes from the system, as lowercase hex.
pub fn random_hex<const N: usize>() -> Result<String, String> {
    let bytes: [u8; N] = crate::clock::random()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// A fresh directory under the system's temporary directory, removed with
/// everything in it when dropped.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// Makes one named `countersign-bench-<random>`.
    pub fn new() -> Result<Self, String> {
        let path = std::env::temp_dir().join(format!("countersign-bench-{}", random_hex::<8>()?));
        std::fs::create_dir_all(&path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(Self(path))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Where the server keeps its data.
#[derive(Debug, Clone)]
pub enum Database {
    /// A fresh SQLite file in this directory.
    Sqlite(PathBuf),
    /// A shared PostgreSQL database.
    Postgres(String),
}

impl Database {
    /// The arguments that name it to `serve` and to `admin` commands.
    pub fn args(&self) -> Vec<String> {
        match self {
            Self::Sqlite(dir) => vec!["--data-dir".into(), dir.display().to_string()],
            Self::Postgres(url) => vec!["--database-url".into(), url.clone()],
        }
    }
}

/// A child process, killed when dropped.
#[derive(Debug)]
pub struct Running {
    child: Child,
    pid: u32,
    addr: SocketAddr,
    log: Option<PathBuf>,
}

impl Running {
    /// Its process id, for reading its memory.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether it is still running; an error with its log's end if not.
    pub fn check_alive(&mut self, what: &str) -> Result<(), String> {
        match self.child.try_wait() {
            Ok(None) => Ok(()),
            Ok(Some(status)) => Err(format!(
                "{what} exited ({status}){}",
                log_tail(self.log.as_deref())
            )),
            Err(e) => Err(format!("cannot check on {what}: {e}")),
        }
    }

    /// The last lines of its log, for an error message (empty if it keeps none).
    pub fn log_tail(&self) -> String {
        log_tail(self.log.as_deref())
    }

    /// Kills it and waits until it is gone.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The end of a child's log, for an error message: its last warnings and
/// errors if it has any (an info line per request would bury them), else
/// its last lines.
fn log_tail(log: Option<&Path>) -> String {
    let Some(text) = log.and_then(|path| std::fs::read_to_string(path).ok()) else {
        return String::new();
    };
    let tail = last_lines(&text, 15);
    if tail.is_empty() {
        String::new()
    } else {
        format!("; its log ends with:\n{tail}")
    }
}

/// The last `n` warning or error lines of `log`, or its last `n` lines if
/// it has none.
fn last_lines(log: &str, n: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    let alarming: Vec<&str> = all
        .iter()
        .copied()
        .filter(|line| line.contains(" WARN ") || line.contains(" ERROR "))
        .collect();
    let lines = if alarming.is_empty() { all } else { alarming };
    lines
        .get(lines.len().saturating_sub(n)..)
        .unwrap_or_default()
        .join("\n")
}

/// Reads `stdout` until a line containing `ready` appears, within
/// `START_LIMIT`; then keeps reading it in the background so the child
/// never blocks or fails writing to a full pipe.
async fn wait_ready<R>(child: &mut Child, stdout: R, ready: &str, what: &str) -> Result<(), String>
where
    R: AsyncRead + Unpin + Send + 'static,
{
    let mut lines = BufReader::new(stdout).lines();
    let found = tokio::time::timeout(START_LIMIT, async {
        loop {
            match lines.next_line().await {
                Ok(Some(line)) if line.contains(ready) => return Ok(()),
                Ok(Some(_)) => {}
                Ok(None) => return Err(format!("{what} closed its output before it was ready")),
                Err(e) => return Err(format!("cannot read {what}'s output: {e}")),
            }
        }
    })
    .await;
    match found {
        Ok(Ok(())) => {
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            Ok(())
        }
        Ok(Err(e)) => {
            // Give a dying child a moment, so that its exit status is known.
            tokio::time::sleep(Duration::from_millis(200)).await;
            match child.try_wait() {
                Ok(Some(status)) => Err(format!("{e} (it exited: {status})")),
                _ => Err(e),
            }
        }
        Err(_) => Err(format!(
            "{what} did not start within {} s",
            START_LIMIT.as_secs()
        )),
    }
}

/// The huge limits that keep the server's rate limits and waiter caps out
/// of the figures, and the long-poll cap that keeps 10,000 waiters open
/// while memory is read.
fn serve_limits() -> Vec<String> {
    [
        "--request-rate",
        "1000000",
        "--request-burst",
        "1000000",
        "--lookup-rate",
        "1000000",
        "--lookup-burst",
        "1000000",
        "--verify-rate",
        "1000000",
        "--verify-burst",
        "1000000",
        "--rate-limit",
        "read=1000000/1000000,wait=1000000/1000000,statement=1000000/1000000,account=1000000/1000000",
        "--max-waiters",
        "1000000",
        "--max-waiters-per-source",
        "1000000",
        "--max-wait-s",
        "120",
        // The approval loop's sessions are all one user's.
        "--max-pending-per-user",
        "100000",
        // 10,000 waiters and the connections that count them.
        "--max-connections",
        "20000",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

/// Starts `countersign-server serve` on a free port, its log (stderr) going
/// to `log`, and waits until it listens.
pub async fn start_server(bin: &Path, database: &Database, log: &Path) -> Result<Running, String> {
    start_instance(bin, database, log, None).await
}

/// As [`start_server`], with `public_url` as the service's public URL
/// instead of its own address: another instance of the service that
/// started first (statements name the service, and every instance of one
/// service must accept them).
pub async fn start_instance(
    bin: &Path,
    database: &Database,
    log: &Path,
    public_url: Option<&str>,
) -> Result<Running, String> {
    let port = free_port()?;
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let public_url = public_url.map_or_else(|| format!("http://{addr}"), str::to_owned);
    let log_file =
        std::fs::File::create(log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let mut child = Command::new(bin)
        .arg("serve")
        .arg("--addr")
        .arg(addr.to_string())
        .args(database.args())
        .arg("--public-url")
        .arg(public_url)
        .args(serve_limits())
        // The log goes to a file, which colour codes would only clutter.
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(log_file)
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
    let pid = child.id().ok_or("the server exited at once")?;
    let stdout = child.stdout.take().ok_or("no stdout from the server")?;
    wait_ready(&mut child, stdout, "countersign is running", "the server")
        .await
        .map_err(|e| format!("{e}{}", log_tail(Some(log))))?;
    Ok(Running {
        child,
        pid,
        addr,
        log: Some(log.to_owned()),
    })
}

/// What `admin user add` made: the user and their one-time enrollment token.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The username.
    pub username: String,
    /// The user's uid.
    pub user_uid: uuid::Uuid,
    /// The enrollment token from the link.
    pub token: String,
}

/// Runs `countersign-server admin user add NAME --json` and reads its answer.
pub async fn add_user(bin: &Path, database: &Database, name: &str) -> Result<NewUser, String> {
    let run = Command::new(bin)
        .args(["admin", "user", "add", name])
        .args(database.args())
        .arg("--json")
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(ADMIN_LIMIT, run)
        .await
        .map_err(|_| "admin user add took too long".to_owned())?
        .map_err(|e| format!("cannot run {}: {e}", bin.display()))?;
    if !output.status.success() {
        return Err(format!(
            "admin user add failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    parse_new_user(&String::from_utf8_lossy(&output.stdout))
}

/// Reads `admin user add --json`'s line.
pub fn parse_new_user(stdout: &str) -> Result<NewUser, String> {
    let bad = |why: &str| format!("admin user add printed {why}: {:?}", stdout.trim());
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or_else(|| bad("no JSON"))?;
    let json: serde_json::Value = serde_json::from_str(line).map_err(|_| bad("bad JSON"))?;
    let text = |key: &str| json.get(key).and_then(serde_json::Value::as_str);
    let username = text("username").ok_or_else(|| bad("no username"))?;
    let user_uid = text("user_uid")
        .and_then(|u| uuid::Uuid::parse_str(u).ok())
        .ok_or_else(|| bad("no user_uid"))?;
    let token = text("enrollment_url")
        .and_then(|u| u.split_once("token="))
        .map(|(_, token)| token.split('&').next().unwrap_or_default())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no enrollment token"))?;
    Ok(NewUser {
        username: username.to_owned(),
        user_uid,
        token: token.to_owned(),
    })
}

/// Starts this program again as the bare server, on a free port.
pub async fn start_bare() -> Result<Running, String> {
    let me = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let port = free_port()?;
    let mut child = Command::new(&me)
        .arg("--bare-server")
        .arg(port.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start the bare server ({}): {e}", me.display()))?;
    let pid = child.id().ok_or("the bare server exited at once")?;
    let stdout = child
        .stdout
        .take()
        .ok_or("no stdout from the bare server")?;
    wait_ready(&mut child, stdout, BARE_READY, "the bare server").await?;
    Ok(Running {
        child,
        pid,
        addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
        log: None,
    })
}

/// The bare server itself: GET / answering "ok", on the same runtime and
/// HTTP stack as the real server, so the gap between the two is what the
/// service does per request; and GET /hold, answered only after two
/// minutes, so that its memory holding many requests is the floor the
/// service's waiters are compared with.
pub async fn run_bare(port: u16) -> Result<(), String> {
    let app = axum::Router::new()
        .route("/", axum::routing::get(|| async { "ok" }))
        .route(
            "/hold",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_secs(120)).await;
                "ok"
            }),
        );
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port))
        .await
        .map_err(|e| format!("cannot listen on port {port}: {e}"))?;
    println!("{BARE_READY} on 127.0.0.1:{port}");
    axum::serve(listener, app)
        .await
        .map_err(|e| format!("the bare server failed: {e}"))
}

/// The resident memory of process `pid`, in MiB.
pub fn rss_mib(pid: u32) -> Result<f64, String> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let kib = vm_rss_kib(&status).ok_or_else(|| format!("no VmRSS line in {path}"))?;
    // Far below 2^52 KiB, so the conversion is exact.
    #[allow(clippy::cast_precision_loss)]
    let mib = kib as f64 / 1024.0;
    Ok(mib)
}

/// The `VmRSS` of a `/proc/PID/status` text, in KiB (which it calls kB).
pub fn vm_rss_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let mut words = line.split_whitespace().skip(1);
    let value = words.next()?.parse::<u64>().ok()?;
    match words.next() {
        Some("kB") | None => Some(value),
        Some(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vm_rss() {
        let status =
            "Name:\tcountersign-ser\nVmPeak:\t  999 kB\nVmRSS:\t   48212 kB\nThreads:\t3\n";
        assert_eq!(vm_rss_kib(status), Some(48212));
        assert_eq!(vm_rss_kib("Name: x\n"), None);
        assert_eq!(vm_rss_kib("VmRSS: 12 pages\n"), None);
    }

    #[test]
    fn reads_its_own_memory() {
        let mib = rss_mib(std::process::id()).unwrap();
        assert!(mib > 0.1 && mib < 10_000.0, "{mib}");
    }

    #[test]
    fn picks_the_alarming_end_of_a_log() {
        let quiet = "a INFO x\nb INFO y\nc INFO z\n";
        assert_eq!(last_lines(quiet, 2), "b INFO y\nc INFO z");
        let noisy = "a  WARN w\nb  INFO y\nc ERROR e\nd  INFO z\n";
        assert_eq!(last_lines(noisy, 5), "a  WARN w\nc ERROR e");
        assert_eq!(last_lines("", 5), "");
    }

    #[test]
    fn reads_admin_user_add() {
        let out = "{\"username\":\"bench-1\",\"user_uid\":\"6f1d3c2a-1b2c-4d3e-8f4a-5b6c7d8e9f00\",\"enrollment_url\":\"http://127.0.0.1:1/enroll#token=abc_DEF-1\"}\n";
        let user = parse_new_user(out).unwrap();
        assert_eq!(user.username, "bench-1");
        assert_eq!(user.token, "abc_DEF-1");
        assert_eq!(
            user.user_uid.to_string(),
            "6f1d3c2a-1b2c-4d3e-8f4a-5b6c7d8e9f00"
        );
        assert!(parse_new_user("Added x.\n").is_err());
        assert!(parse_new_user("{\"username\":\"x\"}").is_err());
    }
}
