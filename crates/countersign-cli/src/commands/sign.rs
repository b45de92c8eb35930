//! `countersign sign`: an authorisation for a resource, signed with a kept
//! session's certificate key (the one behind `public_certificate`), printed
//! as the `Authorization` header line that carries it to a relying party.
//!
//! Signing is offline: the kept session says who approved it and until
//! when its login lasts. Whether it has been logged out since is the
//! relying party's to check, as it must anyway.

use std::io::Read as _;
use std::path::Path;

use chrono::{DateTime, Utc};
use countersign_core::{Authorisation, check_resource};
use serde_json::json;
use uuid::Uuid;

use crate::api::Api;
use crate::cli::SignArgs;
use crate::clock;
use crate::error::CliError;
use crate::exit::Exit;
use crate::files::FileError;
use crate::kept::{KeptSession, SessionDir};
use crate::output::Output;
use crate::transport::Transport;

/// Runs `sign`.
pub fn run(args: SignArgs, out: Output, transport: Transport) -> Result<Exit, CliError> {
    // Checked first, so that a mistyped resource fails before a body is
    // read from stdin.
    check_resource(&args.resource)?;
    let sessions = SessionDir::locate()?;
    let kept = sessions.find(args.session.as_deref())?;
    // Signing is offline, but a session kept from a service reached over
    // plain http may be anyone's invention: it is refused like the
    // service itself.
    transport.check(&kept.server, &kept.named())?;
    let now = clock::now();
    let user_uid = approved_user(&kept, now, transport)?;
    let body = args.body_file.as_deref().map(read_body).transpose()?;
    let signed = Authorisation::new(
        kept.uid,
        user_uid,
        kept.server.as_str(),
        &args.resource,
        body.as_deref(),
        now,
        clock::random()?,
    )?
    .sign(&kept.cert_key());
    let header = format!("Authorization: {}", signed.header_value());
    out.json(&json!({
        "header": header,
        "token": signed.to_token(),
        "resource": args.resource,
        "session_uid": kept.uid,
    }));
    out.text(&header);
    Ok(Exit::Success)
}

/// The user who approved the kept session, if its login still lasts at
/// `now`.
fn approved_user(
    kept: &KeptSession,
    now: DateTime<Utc>,
    transport: Transport,
) -> Result<Uuid, CliError> {
    let (user_uid, login_expires_at) = match (kept.user_uid, kept.approved_at) {
        (Some(user_uid), Some(_)) => (user_uid, kept.login_expires_at),
        _ => {
            // Kept by an earlier version, which did not keep the user: the
            // service knows, and whether the session is still approved.
            let session = Api::new(&kept.server, transport, &kept.named())?.session(kept.uid)?;
            match session.user_uid() {
                Some(user_uid) if session.is_approved() => (user_uid, session.login_expires_at()),
                _ => return Err(CliError::NotApproved(kept.short_uid, session.status())),
            }
        }
    };
    match login_expires_at {
        Some(at) if now >= at => Err(CliError::LoginExpired {
            short: kept.short_uid,
            at,
        }),
        _ => Ok(user_uid),
    }
}

/// The request body to bind: a file's bytes, or stdin's for `-`.
fn read_body(path: &Path) -> Result<Vec<u8>, CliError> {
    if path == Path::new("-") {
        let mut body = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut body)
            .map_err(|e| FileError::new("read the body from", Path::new("stdin"), e))?;
        return Ok(body);
    }
    std::fs::read(path).map_err(|e| FileError::new("read the body file", path, e).into())
}
