//! The `serve` binary as a process: started on a data directory, spoken to
//! over a real socket with plain blocking HTTP/1.1, stopped by signals; and
//! the test that SIGTERM stops it cleanly.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::real_clock;

pub const BIN: &str = env!("CARGO_BIN_EXE_countersign-server");

/// A fresh directory for a process's data and log.
pub fn temp_dir() -> PathBuf {
    let bytes: [u8; 8] = crate::common::random();
    let dir = std::env::temp_dir().join(format!(
        "countersign-proc-{:016x}",
        u64::from_le_bytes(bytes)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `countersign-server serve` on 127.0.0.1:0 with `dir` as its data
/// directory and `args` after, with no settings from the environment.
pub fn serve_command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(dir)
        .args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("COUNTERSIGN_") {
            command.env_remove(name);
        }
    }
    command
}

/// A running service, killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    /// `127.0.0.1:PORT`, as it printed.
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What became of a started `serve`.
pub enum Started {
    Running(Server),
    Exited { status: ExitStatus, stderr: String },
}

/// Starts `command` and waits until it says where it listens or exits.
/// Its log goes to `log` (a pipe could fill up and stall it).
pub fn start(mut command: Command, log: &Path) -> Started {
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(log).unwrap())
        .spawn()
        .unwrap();
    let mut banner = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut banner)
        .unwrap();
    let addr = banner
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.trim().strip_suffix(')'))
        .map(str::to_owned);
    match addr {
        Some(addr) => Started::Running(Server { child, addr }),
        None => {
            let status = exit_within(&mut child, Duration::from_secs(10))
                .unwrap_or_else(|| panic!("printed {banner:?} and did not exit"));
            let stderr = std::fs::read_to_string(log).unwrap();
            Started::Exited { status, stderr }
        }
    }
}

/// Starts `command`, which must run.
pub fn running(command: Command, log: &Path) -> Server {
    match start(command, log) {
        Started::Running(server) => server,
        Started::Exited { status, stderr } => panic!("serve exited ({status}): {stderr}"),
    }
}

/// The exit status, if the process ends within `limit`.
pub fn exit_within(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let clock = real_clock();
    let start = clock.instant();
    while clock.instant() - start < limit {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// One request on its own connection: the status, the headers as sent
/// (lower-cased) and the body as JSON (`Null` when it is not JSON). An
/// error when the service is gone or closes without a whole answer.
pub fn http(
    addr: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> std::io::Result<(u16, String, Value)> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let cut = || std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "no whole answer");
    let (head, body) = answer.split_once("\r\n\r\n").ok_or_else(cut)?;
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(cut)?;
    let length: usize = head
        .lines()
        .find_map(|line| {
            line.to_lowercase()
                .strip_prefix("content-length: ")?
                .parse()
                .ok()
        })
        .ok_or_else(cut)?;
    if body.len() != length {
        return Err(cut());
    }
    Ok((
        status,
        head.to_lowercase(),
        serde_json::from_str(body).unwrap_or(Value::Null),
    ))
}

#[test]
fn sigterm_stops_the_service_cleanly() {
    let dir = temp_dir();
    let mut server = running(serve_command(&dir, &[]), &dir.join("log"));
    let (status, _, _) = http(&server.addr, "GET", "/healthz", None).unwrap();
    assert_eq!(status, 200);
    let pid = server.child.id().to_string();
    let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(sent.success());
    let status = exit_within(&mut server.child, Duration::from_secs(10))
        .expect("still running 10 s after SIGTERM");
    assert!(status.success(), "SIGTERM ended it with {status}");
    drop(server);
    std::fs::remove_dir_all(dir).unwrap();
}
