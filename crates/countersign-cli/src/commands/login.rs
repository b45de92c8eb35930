//! `countersign login`: ask for a login, show where to approve it, wait for
//! the decision, and keep the session if it is approved; on Ctrl-C, cancel
//! the request.

use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc;

use countersign_core::api::RequestAnswer;
use countersign_core::{
    DenyReason, LoginRequest, LoginSession, ServiceUrl, Status, TokenSet, Username,
};
use serde_json::json;

use crate::api::Api;
use crate::cli::LoginArgs;
use crate::clock;
use crate::error::CliError;
use crate::exit::Exit;
use crate::hostname;
use crate::interrupt;
use crate::kept::{KeptSession, SessionDir};
use crate::login_link;
use crate::output::{Output, note};
use crate::progress::Progress;
use crate::qr;
use crate::seed::Seed;
use crate::show::{safe, when};
use crate::transport::Transport;
use crate::wait::{self, Event, Waited};

use super::{cancel, logout};

/// Runs `login`.
pub fn run(args: LoginArgs, out: Output, transport: Transport) -> Result<Exit, CliError> {
    let server = ServiceUrl::parse(&args.server)
        .map_err(|e| CliError::url("service URL", &args.server, e))?;
    let api = Api::new(&server, transport, "given with --server")?;
    let tokens = |field, text: &Option<String>| {
        text.as_deref()
            .map(|t| TokenSet::parse_list(field, t))
            .transpose()
            .map(Option::unwrap_or_default)
    };
    let scope = tokens("scope", &args.scope)?;
    let permissions = tokens("permissions", &args.permissions)?;
    // Find where an approved session will be kept before asking, so that a
    // missing HOME fails now rather than after someone approved.
    let sessions = SessionDir::locate()?;
    let key_secret = Seed::from_random(clock::random()?);
    let cert_secret = Seed::from_random(clock::random()?);
    let request = LoginRequest {
        username: Username::new(args.username)?,
        public_key: key_secret.keypair().public_key(),
        public_cert: cert_secret.keypair().public_key(),
        hostname: hostname::this_host(),
        login_message: args.message,
        scope,
        permissions,
    };
    let mut requested = api.request_login(&request)?;
    // What is printed, drawn and kept is the session's own link, built
    // here from checked parts, or nothing.
    requested.login_url = login_link::checked(&server, requested.short_uid, &requested.login_url)?;
    // From before the request is shown, Ctrl-C cancels it rather than
    // leave it approvable: whoever saw it can take it back. The receiver
    // lives until the command ends, so a Ctrl-C while an approved session
    // is being kept waits for that (a moment) rather than lose its keys.
    let (events, received) = mpsc::channel();
    if let Err(error) = interrupt::forward(events.clone(), || Event::Interrupted) {
        note(&format!(
            "countersign: Ctrl-C will not cancel the request ({error})"
        ));
    }
    announce(out, &server, &request, &requested);

    let progress = Progress::start(
        format!("Waiting for approval of {}", requested.short_uid),
        requested.expires_at,
    );
    let waited = wait::interruptible(
        &api,
        requested.uid,
        requested.expires_at,
        events,
        &received,
        &|note| progress.say(note),
    );
    progress.stop();
    let session = match waited {
        Waited::Decided(decided) => (*decided)?,
        Waited::Interrupted => {
            // A second Ctrl-C, now that no one listens, ends the program.
            drop(received);
            return cancel::run(&api, &requested, &cert_secret.keypair(), out);
        }
    };
    let exit = Exit::after_wait(session.status()).ok_or(CliError::Unexpected(session.status()))?;
    let kept = if session.is_approved() {
        let kept = KeptSession::new(
            &session,
            &server,
            &requested.login_url,
            key_secret,
            cert_secret,
        );
        Some(keep_or_close(&api, &sessions, &session, &kept)?)
    } else {
        None
    };
    finish(out, &session, kept.as_deref());
    Ok(exit)
}

/// Prints where to approve the request: the URL, short id, code and
/// message; in text mode also a QR code of the URL when stdout is a
/// terminal (a log or a pipe gets the text alone).
fn announce(out: Output, server: &ServiceUrl, request: &LoginRequest, requested: &RequestAnswer) {
    out.json(&json!({
        "event": "requested",
        "uid": requested.uid,
        "short_uid": requested.short_uid,
        "login_url": requested.login_url,
        "verification_code": requested.verification_code,
        "expires_at": requested.expires_at,
        "username": request.username,
        "server": server,
        "hostname": request.hostname,
        "login_message": request.login_message,
    }));
    if out.is_json() {
        return;
    }
    let username = safe(request.username.as_str());
    out.text(&format!("Login requested for {username} on {server}."));
    out.text("Open this URL to approve it:");
    out.text("");
    out.text(&format!("    {}", requested.login_url));
    out.text("");
    out.text(&format!("  Short id:           {}", requested.short_uid));
    out.text(&format!(
        "  Verification code:  {}  (the approver types this code; a wrong one denies the login)",
        requested.verification_code
    ));
    if let Some(message) = &request.login_message {
        out.text(&format!("  Message:            {}", safe(message)));
    }
    out.text(&format!(
        "  Expires at:         {}",
        when(requested.expires_at)
    ));
    if std::io::stdout().is_terminal()
        && let Some(code) = qr::render(&requested.login_url)
    {
        out.text("");
        out.text(code.trim_end());
    }
    out.text("");
}

/// Keeps an approved session. If it cannot be kept, the session is logged
/// out again, so that no approved session is left open without its keys.
fn keep_or_close(
    api: &Api,
    sessions: &SessionDir,
    session: &LoginSession,
    kept: &KeptSession,
) -> Result<PathBuf, CliError> {
    sessions.keep(kept).map_err(|error| {
        let closed = match logout::sign_and_send(api, session, &kept.cert_key()) {
            Ok(_) => "it was logged out again so that it is not left open".to_owned(),
            Err(e) => format!("logging it out failed too: {e}"),
        };
        CliError::NotKept(Box::new(error), closed)
    })
}

/// Says how the wait ended.
fn finish(out: Output, session: &LoginSession, kept: Option<&Path>) {
    out.json(&json!({
        "event": "finished",
        "uid": session.uid(),
        "short_uid": session.short_uid(),
        "status": session.status(),
        "deny_reason": session.deny_reason(),
        "kept": kept,
    }));
    let line = match (session.status(), kept) {
        (Status::Approved, Some(path)) => {
            format!("Approved. The session is kept in {}.", path.display())
        }
        (Status::Denied, _) if session.deny_reason() == Some(DenyReason::WrongCode) => {
            "Denied: the approver typed a different code than the one shown here, so this \
             request is over. If it was you, run login again and type the code it shows."
                .to_owned()
        }
        (Status::Denied, _) => "Denied: the approver refused this login.".to_owned(),
        (Status::Suspicious, _) => {
            "Reported as suspicious: the approver says this login was not theirs.".to_owned()
        }
        (Status::Expired, _) => format!(
            "Expired: no one decided before {}.",
            when(session.expires_at())
        ),
        (status, _) => format!("The session is {status}."),
    };
    out.text(&line);
}
