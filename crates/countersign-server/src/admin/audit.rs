//! `admin audit [--user NAME] [--session UID] [--since T] [--json]`: the
//! audit log, oldest first, read page by page so that an export of any
//! size runs in bounded memory; with `--json`, NDJSON for a SIEM (one
//! object a line, with the row's `id` to resume from and its `actor`).

use chrono::{DateTime, Utc};
use countersign_core::api::AuditAction;
use serde::Serialize;

use super::{Failure, json, parse_uid, say, store_error};
use crate::store::ADMIN_SOURCE;
use crate::store::{AuditEntry, AuditFilter, Store};

/// Rows read at once.
const PAGE: i64 = 1000;

/// One line of the export.
#[derive(Debug, Serialize)]
pub struct AuditLine {
    /// The row's number: later rows have higher ones.
    pub id: i64,
    /// Who acted: `admin` (an operator's command), `device` (a statement
    /// signed by the device in `device_uid`), `requester` (a request, or
    /// its program's cancel or logout), or `service` (an expiry).
    pub actor: &'static str,
    /// The entry.
    #[serde(flatten)]
    pub entry: AuditEntry,
}

/// Who acted, from what the entry records: the operator writes its source
/// as `admin`; a device is named when one signed; the service alone
/// expires; what is left about a session is its requester's.
pub fn actor(entry: &AuditEntry) -> &'static str {
    if entry.source.as_deref() == Some(ADMIN_SOURCE) {
        "admin"
    } else if entry.device_uid.is_some() {
        "device"
    } else if entry.action == AuditAction::Expire || entry.session_uid.is_none() {
        "service"
    } else {
        "requester"
    }
}

fn text_line(line: &AuditLine) -> String {
    let entry = &line.entry;
    let mut text = format!(
        "{}  {}  {}  {} {}",
        line.id,
        entry.at.to_rfc3339(),
        line.actor,
        entry.subject,
        entry.action
    );
    if let (Some(from), Some(to)) = (&entry.from_status, &entry.to_status) {
        text.push_str(&format!(" {from}->{to}"));
    }
    let fields = [
        ("session", entry.session_uid.map(|u| u.to_string())),
        ("user", entry.user_uid.map(|u| u.to_string())),
        ("device", entry.device_uid.map(|u| u.to_string())),
        ("source", entry.source.clone()),
        (
            "revoked_device",
            entry.revoked_device.map(|u| u.to_string()),
        ),
        ("deny_reason", entry.deny_reason.map(|r| r.to_string())),
        ("note", entry.note.as_ref().map(|n| format!("{n:?}"))),
    ];
    for (name, value) in fields {
        if let Some(value) = value {
            text.push_str(&format!("  {name}={value}"));
        }
    }
    text
}

/// `admin audit`: the rows that pass every filter given. `--user` takes a
/// username whether or not a user has it, so that requests for names no
/// one has can be found too.
pub async fn audit(
    store: &Store,
    user: Option<&str>,
    session: Option<&str>,
    since: Option<&str>,
    as_json: bool,
) -> Result<(), Failure> {
    let since = since
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| {
                    format!("--since {text:?} is not an RFC 3339 time (2026-01-31T09:00:00Z)")
                })
        })
        .transpose()?;
    let session_uid = session.map(|text| parse_uid(text, "session")).transpose()?;
    let user_uid = match user {
        Some(name) => store
            .user_by_name(name)
            .await
            .map_err(store_error)?
            .map(|user| user.uid),
        None => None,
    };
    let filter = AuditFilter {
        username: user.map(str::to_owned),
        user_uid,
        session_uid,
        since,
    };
    let mut after = 0;
    loop {
        let page = store
            .audit_page(&filter, after, PAGE)
            .await
            .map_err(store_error)?;
        for row in &page {
            after = row.id;
            let line = AuditLine {
                id: row.id,
                actor: actor(&row.entry),
                entry: row.entry.clone(),
            };
            if as_json {
                say(json(&line)?)?;
            } else {
                say(text_line(&line))?;
            }
        }
        if i64::try_from(page.len()).unwrap_or(i64::MAX) < PAGE {
            return Ok(());
        }
    }
}
