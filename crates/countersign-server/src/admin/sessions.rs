//! `admin session list [--user NAME] [--status S]|logout UID`: the newest
//! sessions, and the logout of a live one by the operator (no statement is
//! signed about it: the operator is the authority, as a revocation is).

use countersign_core::api::AuditSubject;
use countersign_core::{Action, LoginSession, Status};
use uuid::Uuid;

use super::{CHANGE_TRIES, Failure, contended, json, parse_uid, say, store_error};
use crate::clock::Clock;
use crate::store::ADMIN_SOURCE;
use crate::store::{AuditEntry, Cas, Store, Swap};

/// The audit entry of a logout by the operator, `why` in its note.
pub(super) fn operator_logout_entry(
    before: &LoginSession,
    after: &LoginSession,
    user: Option<Uuid>,
    why: &str,
) -> AuditEntry {
    AuditEntry {
        at: after.status_datetime(),
        session_uid: Some(after.uid()),
        subject: AuditSubject::Session,
        action: Action::Logout.into(),
        from_status: Some(before.status().as_str().into()),
        to_status: Some(after.status().as_str().into()),
        user_uid: user,
        device_uid: None,
        source: Some(ADMIN_SOURCE.into()),
        revoked_device: None,
        deny_reason: None,
        note: Some(why.into()),
    }
}

fn session_line(session: &LoginSession) -> String {
    format!(
        "{}  {}  {}  {}  requested {}  host {:?}  from {}",
        session.uid(),
        session.short_uid(),
        session.username().as_str(),
        session.status(),
        session.request_datetime().to_rfc3339(),
        session.hostname().unwrap_or(""),
        session.request_source()
    )
}

/// `admin session list [--user NAME] [--status S] [--limit N]`: the newest
/// sessions first, each as the API answers it with `--json`. The status is
/// the stored one: a session whose time ran out moments ago is expired by
/// the sweeper within seconds.
pub async fn session_list(
    store: &Store,
    user: Option<&str>,
    status: Option<&str>,
    limit: i64,
    as_json: bool,
) -> Result<(), Failure> {
    let status = status
        .map(|text| {
            text.parse::<Status>().map_err(|_| {
                format!(
                    "{text:?} is not a status (pending, approved, denied, suspicious, expired, \
                     logged_out)"
                )
            })
        })
        .transpose()?;
    if limit < 1 {
        return Err("--limit must be at least 1".into());
    }
    let sessions = store
        .sessions_listed(user, status, limit)
        .await
        .map_err(store_error)?;
    for found in sessions {
        if as_json {
            say(json(&found.session)?)?;
        } else {
            say(session_line(&found.session))?;
        }
    }
    Ok(())
}

/// `admin session logout UID`: logs a live session out (pending, approved
/// or suspicious), with its audit entry, in one compare-and-set.
pub async fn session_logout(store: &Store, uid: &str, as_json: bool) -> Result<(), Failure> {
    let uid = parse_uid(uid, "session")?;
    for _ in 0..CHANGE_TRIES {
        let found = store
            .session(uid)
            .await
            .map_err(store_error)?
            .ok_or_else(|| format!("no session {uid}"))?;
        let now = Clock::system().now();
        let mut session = found.session.clone();
        session.log_out_by_operator(now).map_err(|error| {
            format!(
                "session {uid} is {} and cannot be logged out ({error})",
                found.session.status_at(now)
            )
        })?;
        let entry = operator_logout_entry(
            &found.session,
            &session,
            found.session.user_uid(),
            "logged out by an operator",
        );
        let swap = store
            .compare_and_set(Cas::new(&session, found.version, &entry))
            .await
            .map_err(store_error)?;
        if swap == Swap::Done {
            if as_json {
                say(json(&session)?)?;
            } else {
                say(format_args!(
                    "Logged out session {uid} ({}).",
                    session.username().as_str()
                ))?;
            }
            return Ok(());
        }
        // Changed by the service meanwhile: look at it again.
    }
    Err(contended("the session").into())
}
