//! `countersign approve`, `deny` and `suspicious`: show a pending login as
//! the approval page would, ask, then sign the decision with the device key
//! kept in a file.

use countersign_core::{Claim, ShortUid, Signer, Statement, VerificationCode};
use serde_json::json;

use crate::api::{Api, ApiError};
use crate::cli::DecideArgs;
use crate::clock;
use crate::confirm::confirm;
use crate::device_key::DeviceKey;
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{Output, note};
use crate::server_url::{ServerUrl, parse_login_url};
use crate::show;

/// What the approver decides.
#[derive(Debug, Clone, Copy)]
pub enum Decision {
    /// Approve, with the code the requester shows.
    Approve(VerificationCode),
    /// Deny.
    Deny,
    /// Report as suspicious ("this wasn't me").
    Suspicious,
}

impl Decision {
    fn verb(self) -> &'static str {
        match self {
            Self::Approve(_) => "approve",
            Self::Deny => "deny",
            Self::Suspicious => "report as suspicious",
        }
    }
}

/// Runs `approve`, `deny` or `suspicious`.
pub fn run(args: DecideArgs, decision: Decision, out: Output) -> Result<Exit, CliError> {
    let key = DeviceKey::load(&args.key_file)?;
    let (server, short) = locate(&args.login_url, &key.server)?;
    // The signed statement does not name the service, so a key must sign
    // only what its own service shows: a login URL on another service
    // could be a relay that shows someone else's login.
    if server != key.server {
        return Err(CliError::OtherServer {
            login: server.to_string(),
            key: key.server.to_string(),
        });
    }
    let api = Api::new(&server);
    let page = api.approval(short)?;
    let session = &page.session;
    if session.short_uid() != short {
        return Err(ApiError::BadAnswer {
            server: server.to_string(),
            detail: format!("asked for {short}, shown {}", session.short_uid()),
        }
        .into());
    }
    if session.username() != &key.username {
        return Err(CliError::OtherUser {
            login: session.username().to_string(),
            key: key.username.to_string(),
        });
    }
    // The digest is computed here from what is shown, so what is signed is
    // what the approver saw; the service's own digest must agree.
    let details = session
        .details_digest()
        .ok_or(CliError::Closed(session.short_uid()))?;
    if page.details_digest != Some(details) {
        return Err(CliError::DigestMismatch(session.short_uid()));
    }

    let shown = show::text(&page, clock::now());
    if !out.is_json() {
        shown.iter().for_each(|line| out.text(line));
        out.text("");
    } else if !args.yes {
        // In JSON mode stdout is for the script; the person asked to
        // confirm reads the request on stderr.
        shown.iter().for_each(|line| note(line));
    }
    let question = format!(
        "{} this login for {}?",
        capitalised(decision.verb()),
        show::safe(session.username().as_str())
    );
    confirm(decision.verb(), &question, args.yes)?;

    let (uid, device) = (session.uid(), Signer::Device(key.device_uid));
    let claim = match decision {
        Decision::Approve(code) => Claim::Approve {
            session: uid,
            details,
            code,
        },
        Decision::Deny => Claim::Deny {
            session: uid,
            details,
        },
        Decision::Suspicious => Claim::ReportSuspicious {
            session: uid,
            details,
        },
    };
    let signed = Statement::new(claim, device, clock::now()).sign(&key.keypair());
    let after = api.act(uid, &signed)?;

    let mut line = show::json(&page);
    line.insert("action".into(), json!(decision.verb()));
    line.insert("status".into(), json!(after.status()));
    out.json(&line.into());
    out.text(&match decision {
        Decision::Approve(_) => format!(
            "Approved {}: the requester is logged in.",
            after.short_uid()
        ),
        Decision::Deny => format!("Denied {}.", after.short_uid()),
        Decision::Suspicious => format!(
            "Reported {} as suspicious: it is granted nothing.",
            after.short_uid()
        ),
    });
    Ok(Exit::Success)
}

/// The service and short id a login URL names; a bare short id is taken to
/// be on the key's own service.
fn locate(text: &str, key_server: &ServerUrl) -> Result<(ServerUrl, ShortUid), CliError> {
    if text.contains('/') || text.contains('?') {
        return Ok(parse_login_url(text)?);
    }
    let short = ShortUid::parse(text)
        .map_err(|e| crate::server_url::UrlError::LoginUrl(text.chars().take(200).collect(), e))?;
    Ok((key_server.clone(), short))
}

fn capitalised(verb: &str) -> String {
    let mut chars = verb.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
