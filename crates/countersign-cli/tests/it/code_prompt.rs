//! `approve` on a terminal asks the approver to type the code the
//! requesting program shows, rather than take it on the command line;
//! `--code` stays for scripts, which must give it.

use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::{BIN, Home, Run, Service, Watchdog};

/// Runs the binary with `args` in `home` on a pseudo-terminal (util-linux
/// `script`), typing `typed`. `None` when `script` is not installed.
fn on_a_terminal(home: &Home, args: &[&str], typed: &str) -> Option<Run> {
    let quoted: Vec<String> = std::iter::once(BIN)
        .chain(args.iter().copied())
        .map(|arg| format!("'{}'", arg.replace('\'', r"'\''")))
        .collect();
    let spawned = Command::new("script")
        .args(["-q", "-e", "-c", &quoted.join(" "), "/dev/null"])
        .env("HOME", &home.dir)
        .env("XDG_CONFIG_HOME", home.config())
        .env_remove("COUNTERSIGN_SERVER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = spawned else {
        eprintln!("SKIPPED: no `script` to make a pseudo-terminal with");
        return None;
    };
    // Stdin stays open until the program ends: `script` may end the
    // session as soon as its input does, before the program has read it.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(typed.as_bytes()).unwrap();
    stdin.flush().unwrap();
    // Stuck waiting for input it was never going to get: fail, not hang.
    let watchdog = Watchdog::arm(child.id(), Duration::from_secs(20));
    let out = child.wait_with_output().unwrap();
    watchdog.disarm();
    drop(stdin);
    Some(Run::from(out))
}

#[test]
fn approve_on_a_terminal_asks_for_the_code_and_approves_with_it() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let login = home.login(&service.url, "ada", &[]);
    let args = ["approve", &login.url(), "--key-file", key.to_str().unwrap()];
    // A mistyped code is asked again; then the code, then yes.
    let typed = format!("4x\n{}\ny\n", login.code());
    let Some(run) = on_a_terminal(&home, &args, &typed) else {
        return;
    };
    run.assert_code(0);
    let screen = run.stdout.replace('\r', "");
    let asked = "Type the code the program shows: ";
    assert_eq!(screen.matches(asked).count(), 2, "{screen}");
    assert!(screen.contains("a code is two digits"), "{screen}");
    assert!(
        screen.contains("Approve this login for ada? [y/N]"),
        "{screen}"
    );
    assert!(screen.contains("Approved"), "{screen}");
    let (code, last, _) = login.end();
    assert_eq!((code, last["status"].as_str()), (0, Some("approved")));
}

#[test]
fn a_wrong_code_typed_on_a_terminal_denies_the_login() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let login = home.login(&service.url, "ada", &[]);
    let args = ["approve", &login.url(), "--key-file", key.to_str().unwrap()];
    let wrong = if login.code() == 10 { 11 } else { 10 };
    let Some(run) = on_a_terminal(&home, &args, &format!("{wrong}\ny\n")) else {
        return;
    };
    run.assert_code(1);
    let screen = run.stdout.replace('\r', "");
    assert!(
        screen.contains("One try: a code other than the one the program shows denies"),
        "told before typing: {screen}"
    );
    let said = format!("{screen}{}", run.stderr);
    assert!(said.contains("the request is now denied"), "{said}");
    let (code, last, _) = login.end();
    assert_eq!(code, 3, "{last}");
    assert_eq!(last["deny_reason"], "wrong_code");
}

#[test]
fn approve_without_code_or_terminal_is_a_usage_error_and_signs_nothing() {
    let service = Service::start();
    let home = Home::new();
    let key = home.enroll(&service.add_user("ada"), "laptop");
    let mut login = home.login(&service.url, "ada", &[]);
    let run = home.run(&[
        "--json",
        "approve",
        &login.url(),
        "--key-file",
        key.to_str().unwrap(),
        "--yes",
    ]);
    run.assert_code(2);
    for words in [
        "--code",
        "stdin is not a terminal",
        "Usage: countersign approve",
    ] {
        assert!(run.stderr.contains(words), "{words:?}: {}", run.stderr);
    }
    assert!(login.is_waiting(), "nothing was signed");
}
