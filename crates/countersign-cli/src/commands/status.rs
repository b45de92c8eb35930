//! `countersign status`: the kept sessions and where each stands now.

use serde_json::{Value, json};

use crate::api::Api;
use crate::error::CliError;
use crate::exit::Exit;
use crate::kept::SessionDir;
use crate::output::{Output, note};
use crate::show::{safe, when};
use crate::transport::Transport;

/// Runs `status`. Exits with an error if any session's status could not be
/// read, after listing them all.
pub fn run(out: Output, transport: Transport) -> Result<Exit, CliError> {
    let sessions = SessionDir::locate()?;
    let kept = sessions.list(&mut |error| note(&format!("countersign: skipping {error}")))?;
    if kept.is_empty() {
        out.text(&format!(
            "No sessions are kept (in {}).",
            sessions.path().display()
        ));
        return Ok(Exit::Success);
    }
    let mut exit = Exit::Success;
    for session in kept {
        let line = |fields: Value| {
            let mut line = json!({
                "uid": session.uid,
                "short_uid": session.short_uid,
                "username": session.username,
                "server": session.server,
                "file": sessions.file_of(session.uid),
            });
            if let (Value::Object(line), Value::Object(fields)) = (&mut line, fields) {
                line.extend(fields);
            }
            line
        };
        // A kept session on a service this program may not talk to is
        // listed with the refusal, like one whose service is unreachable.
        let now = Api::new(&session.server, transport, &session.named())
            .map_err(CliError::from)
            .and_then(|api| Ok(api.session(session.uid)?));
        match now {
            Ok(now) => {
                out.json(&line(json!({
                    "status": now.status(),
                    "status_datetime": now.status_datetime(),
                    "login_datetime": now.login_time(),
                })));
                out.text(&format!(
                    "{}  {:<10}  {} on {}  (since {})",
                    session.short_uid,
                    now.status(),
                    safe(session.username.as_str()),
                    session.server,
                    when(now.status_datetime())
                ));
            }
            Err(error) => {
                exit = Exit::Error;
                out.json(&line(json!({
                    "status": null,
                    "error": { "code": error.code(), "message": error.to_string() },
                })));
                out.text(&format!(
                    "{}  {:<10}  {} on {}  ({error})",
                    session.short_uid,
                    "unknown",
                    safe(session.username.as_str()),
                    session.server,
                ));
            }
        }
    }
    Ok(exit)
}
