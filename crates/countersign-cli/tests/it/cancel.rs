//! Ctrl-C while `login` waits cancels the request: the service shows it
//! logged out without ever having been approved, and no one can approve it.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};

use crate::common::{Home, Service, read_session};
use crate::network::waiting_service;
use serde_json::Value;

/// Sends SIGINT, as Ctrl-C in a terminal does.
fn interrupt(child: &Child) {
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_while_waiting_cancels_the_request() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let mut login = home.login(&service.url, "ada", &[]);
    let uid = login.uid();
    assert!(login.is_waiting());
    interrupt(&login.child);
    let (url, code) = (login.url(), login.code().to_string());
    let (exit, last, stderr) = login.end();
    assert_eq!(exit, 130, "{stderr}");
    assert_eq!(last["event"], "cancelled", "{last}");
    assert_eq!(last["cancelled"], true);
    assert_eq!(last["status"], "logged_out");
    assert_eq!(last["uid"], uid.as_str());

    let session: Value = read_session(&service, &uid);
    assert_eq!(session["status"], "logged_out", "{session}");
    assert_eq!(session["login_datetime"], Value::Null, "{session}");
    assert!(home.kept().is_empty());
    let key = key.to_str().unwrap();
    let late = home.run(&["approve", &url, "--key-file", key, "--code", &code, "--yes"]);
    late.assert_code(1);
}

#[test]
fn ctrl_c_says_so_in_words() {
    let service = Service::start();
    let home = Home::new();
    service.add_user("ada");
    let mut child = home
        .command(&["login", "ada", "--server", &service.url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut shown = String::new();
    while !shown.contains("Expires at:") {
        assert_ne!(stdout.read_line(&mut shown).unwrap(), 0, "{shown}");
    }
    interrupt(&child);
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest}");
    assert!(
        rest.contains("Cancelled: the request can no longer be approved."),
        "{rest}"
    );
}

#[test]
fn a_cancel_that_cannot_be_sent_says_until_when_the_request_stays_approvable() {
    // Every call after the request fails, the cancel's too.
    let fake = waiting_service(|_, _, _| (503, "<html>busy</html>".to_owned()).into());
    let home = Home::new();
    let login = home.login(&fake.url, "ada", &[]);
    let expires_at = login.requested["expires_at"].as_str().unwrap().to_owned();
    interrupt(&login.child);
    let (exit, last, stderr) = login.end();
    assert_eq!(exit, 1, "{stderr}");
    assert_eq!(last["error"]["code"], "not_cancelled", "{last}");
    assert!(
        stderr.contains("the request could not be cancelled"),
        "{stderr}"
    );
    // The time as people read it: 2026-11-30 12:00:00 UTC.
    let shown = format!("{} UTC", expires_at[..19].replace('T', " "));
    assert!(
        stderr.contains(&format!("it stays approvable until {shown}")),
        "{stderr}"
    );
}
