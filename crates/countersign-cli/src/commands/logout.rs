//! `countersign logout`: log a kept session out with a statement signed by
//! its `public_certificate` key, then delete the kept keys.

use countersign_core::api::ErrorCode;
use countersign_core::client::logout_claim;
use countersign_core::{Keypair, LoginSession, Signer, Statement};
use serde_json::json;

use crate::api::Api;
use crate::cli::LogoutArgs;
use crate::clock;
use crate::error::CliError;
use crate::exit::Exit;
use crate::kept::{KeptSession, SessionDir};
use crate::output::Output;
use crate::transport::Transport;

/// The service's codes for a logout refused because the session is no
/// longer open.
pub const CLOSED_CODES: [ErrorCode; 3] = [
    ErrorCode::SessionClosed,
    ErrorCode::TransitionRefused,
    ErrorCode::Expired,
];

/// Runs `logout`.
pub fn run(args: LogoutArgs, out: Output, transport: Transport) -> Result<Exit, CliError> {
    let sessions = SessionDir::locate()?;
    let kept = sessions.find(args.session.as_deref())?;
    let api = Api::new(&kept.server, transport, &kept.named())?;
    let current = api.session(kept.uid)?;
    if current.status().is_final() {
        return forget(out, &sessions, &kept, &current, true);
    }
    match sign_and_send(&api, &current, &kept.cert_key()) {
        Ok(after) => forget(out, &sessions, &kept, &after, false),
        Err(CliError::Api(error))
            if error
                .service_code()
                .is_some_and(|code| CLOSED_CODES.contains(&code)) =>
        {
            // It may have closed between the read and the logout: read
            // again, and forget it if it is final now.
            let now = api.session(kept.uid)?;
            if now.status().is_final() {
                forget(out, &sessions, &kept, &now, true)
            } else {
                Err(CliError::Api(error))
            }
        }
        Err(error) => Err(error),
    }
}

/// Signs a logout of `session` with the requester's `cert` key and sends
/// it; answers the session as it stands after.
pub fn sign_and_send(
    api: &Api,
    session: &LoginSession,
    cert: &Keypair,
) -> Result<LoginSession, CliError> {
    let claim = logout_claim(session).map_err(|_| CliError::Closed(session.short_uid()))?;
    let service = api.service().clone();
    let signed = Statement::new(claim, service, Signer::Requester, clock::now()).sign(cert);
    Ok(api.act(session.uid(), &signed)?)
}

fn forget(
    out: Output,
    sessions: &SessionDir,
    kept: &KeptSession,
    session: &LoginSession,
    already: bool,
) -> Result<Exit, CliError> {
    sessions.forget(kept)?;
    out.json(&json!({
        "uid": kept.uid,
        "short_uid": kept.short_uid,
        "status": session.status(),
        "already_final": already,
        "deleted": sessions.file_of(kept.uid),
    }));
    out.text(&if already {
        format!(
            "Session {} was already {}; its kept keys are deleted.",
            kept.short_uid,
            session.status()
        )
    } else {
        format!(
            "Logged out session {} of {}; its kept keys are deleted.",
            kept.short_uid, kept.username
        )
    });
    Ok(Exit::Success)
}
