//! The `countersign-server` binary as scripts use it: `admin user add` with
//! and without `--json`, and `serve` answering on the address it prints.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_countersign-server");

fn temp_dir() -> PathBuf {
    let bytes: [u8; 8] = crate::common::random();
    let dir = std::env::temp_dir().join(format!(
        "countersign-bin-{:016x}",
        u64::from_le_bytes(bytes)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn add_user(dir: &PathBuf, name: &str, json: bool) -> std::process::Output {
    let mut command = Command::new(BIN);
    command
        .args(["admin", "user", "add", name, "--data-dir"])
        .arg(dir)
        .args(["--public-url", "https://cs.example"]);
    if json {
        command.arg("--json");
    }
    command.output().unwrap()
}

#[test]
fn admin_user_add_prints_a_one_time_enrollment_link() {
    let dir = temp_dir();
    let out = add_user(&dir, "ada", true);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let url = printed["enrollment_url"].as_str().unwrap();
    assert!(url.starts_with("https://cs.example/enroll#token="), "{url}");
    assert_eq!(printed["username"], "ada");
    let added: countersign_core::api::AddedUser = serde_json::from_value(printed.clone()).unwrap();
    assert_eq!(added.enrollment_url, url, "core's AddedUser reads it");

    let out = add_user(&dir, "bob", false);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("https://cs.example/enroll#token="), "{text}");

    let again = add_user(&dir, "ada", true);
    assert!(!again.status.success());
    let message = String::from_utf8(again.stderr).unwrap();
    assert!(message.contains("already exists"), "{message}");

    let bad = add_user(&dir, " spaced ", true);
    assert!(!bad.status.success());
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn serve_prints_where_to_open_it_and_answers_there() {
    let dir = temp_dir();
    let mut child = Command::new(BIN)
        .args(["serve", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("listening on ")
        .nth(1)
        .and_then(|rest| rest.trim().strip_suffix(')'))
        .unwrap_or_else(|| panic!("no address in {line:?}"))
        .to_owned();
    assert!(
        line.starts_with("countersign is running: open http://"),
        "{line}"
    );
    let mut stream = TcpStream::connect(&addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.ends_with("ok"), "{answer}");
    assert!(answer.to_lowercase().contains("x-frame-options: deny"));
    assert!(dir.join("countersign.sqlite3").is_file());
    std::fs::remove_dir_all(dir).unwrap();
}
