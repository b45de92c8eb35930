//! `countersign approve`, `deny` and `suspicious`: show a pending login as
//! the approval page would, ask, then sign the decision with the device key
//! kept in a file.

use countersign_core::client::LoginLink;
use countersign_core::{Decision, Signer, Statement};
use serde_json::json;

use crate::api::{Api, ApiError};
use crate::cli::DecideArgs;
use crate::clock;
use crate::code_prompt;
use crate::confirm::confirm;
use crate::device_key::DeviceKey;
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::{Output, note};
use crate::show;
use crate::transport::Transport;

/// What the approver means to do.
#[derive(Debug, Clone, Copy)]
pub enum Intent {
    /// Decided on the command line.
    Decided(Decision),
    /// Approve, with the code typed on the terminal once the login is shown.
    ApproveAskingCode,
}

impl Intent {
    fn verb(self) -> &'static str {
        match self {
            Self::Decided(decision) => decision.verb(),
            Self::ApproveAskingCode => "approve",
        }
    }
}

/// Runs `approve`, `deny` or `suspicious`.
pub fn run(
    args: DecideArgs,
    intent: Intent,
    out: Output,
    transport: Transport,
) -> Result<Exit, CliError> {
    let key = DeviceKey::load(&args.key_file)?;
    let LoginLink {
        service,
        short_uid: short,
    } = LoginLink::parse_or_id(&args.login_url, &key.server)
        .map_err(|e| CliError::url("login URL", &args.login_url, e))?;
    // The signed statement does not name the service, so a key must sign
    // only what its own service shows: a login URL on another service
    // could be a relay that shows someone else's login. Both are in the
    // one normal form, so two spellings of one service are equal.
    if service != key.server {
        return Err(CliError::OtherServer {
            login: service.to_string(),
            key: key.server.to_string(),
        });
    }
    let from = if args.login_url.contains(['/', '?']) {
        "in the login URL"
    } else {
        "the device key's service"
    };
    let api = Api::new(&service, transport, from)?;
    let page = api.approval(short)?;
    let session = &page.session;
    if session.short_uid() != short {
        return Err(ApiError::BadAnswer {
            server: service.to_string(),
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
    // The claim's digest is computed from what is shown, so what is signed
    // is what the approver saw; the service's own digest must agree.
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
    let decision = match intent {
        Intent::Decided(decision) => decision,
        Intent::ApproveAskingCode => Decision::Approve(code_prompt::ask_on_terminal()?),
    };
    let question = format!(
        "{} this login for {}?",
        capitalised(intent.verb()),
        show::safe(session.username().as_str())
    );
    confirm(intent.verb(), &question, args.yes)?;
    let claim = decision
        .claim(session)
        .map_err(|_| CliError::Closed(session.short_uid()))?;

    let signer = Signer::Device(key.device_uid);
    let service = api.service().clone();
    let signed = Statement::new(claim, service, signer, clock::now()).sign(&key.keypair());
    let after = api.act(session.uid(), &signed)?;

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

fn capitalised(verb: &str) -> String {
    let mut chars = verb.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
