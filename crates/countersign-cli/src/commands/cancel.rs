//! Cancelling a login request when `login` is interrupted (Ctrl-C): the
//! requester logs out its pending session with its certificate key, so the
//! request can no longer be approved, and says so.

use countersign_core::api::RequestAnswer;
use countersign_core::{Keypair, LoginSession};
use serde_json::json;

use crate::api::Api;
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::Output;

use super::logout::{CLOSED_CODES, sign_and_send};

/// Cancels the request `requested` with the requester's `cert` key. A
/// request approved in the meantime is logged out too: the person asked
/// to stop, and its keys would not be kept. Fails, saying until when the
/// request stays approvable, if the cancel could not be sent.
pub fn run(
    api: &Api,
    requested: &RequestAnswer,
    cert: &Keypair,
    out: Output,
) -> Result<Exit, CliError> {
    let not_cancelled = |error: CliError| CliError::NotCancelled {
        error: Box::new(error),
        expires_at: requested.expires_at,
    };
    let current = api
        .session(requested.uid)
        .map_err(|e| not_cancelled(e.into()))?;
    let (after, cancelled) = if current.is_pending() || current.is_approved() {
        match sign_and_send(api, &current, cert) {
            Ok(after) => (after, true),
            Err(CliError::Api(error))
                if error
                    .service_code()
                    .is_some_and(|code| CLOSED_CODES.contains(&code)) =>
            {
                // Decided or expired between the read and the cancel.
                let now = api
                    .session(requested.uid)
                    .map_err(|e| not_cancelled(e.into()))?;
                if !now.status().is_final() {
                    return Err(not_cancelled(error.into()));
                }
                (now, false)
            }
            Err(error) => return Err(not_cancelled(error)),
        }
    } else {
        (current, false)
    };
    report(out, &after, cancelled);
    Ok(Exit::Cancelled)
}

/// Says how the interrupted request ends: `cancelled` if this program
/// logged it out.
fn report(out: Output, session: &LoginSession, cancelled: bool) {
    out.json(&json!({
        "event": "cancelled",
        "uid": session.uid(),
        "short_uid": session.short_uid(),
        "status": session.status(),
        "cancelled": cancelled,
    }));
    out.text(&if cancelled && session.was_cancelled() {
        "Cancelled: the request can no longer be approved.".to_owned()
    } else if cancelled {
        "Cancelled: the login had just been approved; it is logged out again.".to_owned()
    } else {
        format!(
            "Interrupted: the request was already {}; there was nothing to cancel.",
            session.status()
        )
    });
}
