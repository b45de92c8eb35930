//! What the admin commands print, through the real binary: one whose
//! reader goes away (`admin audit | head -1`) stops quietly (success, and
//! no panic about the broken pipe on stderr), and the words for people
//! name what they are about.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use crate::admin::{BIN, admin};
use crate::common::*;

#[tokio::test]
async fn an_export_whose_reader_stops_after_one_line_ends_quietly() {
    let (url, dir) = database(Db::Sqlite).await.unwrap();
    let service = service_at(&url, dir, |config| {
        config.request_rate = (1000, 1000.0);
    })
    .await;
    // More rows than a pipe's buffer (64 KiB) holds, so that the command
    // is still writing when its reader leaves.
    for _ in 0..400 {
        ask(&service, &Requester::new(), "ada").await;
    }

    let mut child = Command::new(BIN)
        .args(["admin", "audit", "--json", "--database-url", &url])
        .env_remove("COUNTERSIGN_DATA_DIR")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    let mut reader = BufReader::new(child.stdout.take().unwrap());
    reader.read_line(&mut first).unwrap();
    // As `head -1` does: one line read, and the pipe closed.
    drop(reader);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(first.starts_with("{\"id\":"), "{first}");
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(
        !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
        "{stderr}"
    );
}

/// The text an operator reads names the user, the link and the file.
#[tokio::test]
async fn the_words_for_people_say_what_was_done() {
    let (url, dir) = database(Db::Sqlite).await.unwrap();
    let backup = dir.as_ref().unwrap().join("copy.sqlite3");
    let backup = backup.to_str().unwrap();
    let _service = service_at(&url, dir.clone(), |_| {}).await;
    let said = |args: &[&str]| {
        let (ok, out, err) = admin(&url, args);
        assert!(ok, "{args:?}: {err}");
        assert!(!out.contains('{'), "{args:?} printed a placeholder: {out}");
        out
    };
    said(&["user", "add", "ada"]);
    let link = said(&["user", "enroll-link", "ada"]);
    assert!(link.contains("for ada:\nhttp"), "{link}");
    assert!(link.contains("/enroll#token="), "{link}");
    assert!(said(&["user", "disable", "ada"]).starts_with("Disabled ada;"));
    assert_eq!(said(&["user", "enable", "ada"]), "Enabled ada.\n");
    let copied = said(&["backup", backup]);
    assert!(
        copied.starts_with(&format!("Backed up the database to {backup} (")),
        "{copied}"
    );
}
