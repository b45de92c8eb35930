//! The account as its user reads it, which nobody else can flood: the
//! account view lists the devices, every live session however old and the
//! closed ones by a cursor, and the user's audit trail is read in pages;
//! each read is a signed, single-use statement of a device of the user.

use countersign_core::api::{AccountView, AuditPage, ErrorCode, UserInfo};
use countersign_core::{Claim, LoginSession, SignedStatement};
use uuid::Uuid;

use crate::error::ApiError;
use crate::ops::signer::signing_device;
use crate::state::AppState;
use crate::store::{SessionCursor, UsedStatement};

/// Live sessions listed at most, of each kind: approved and suspicious ones
/// exist only by the user's own approvals, and are listed apart from the
/// pending ones, which anyone may ask for (capped per user, softly).
const LIVE_SESSIONS: i64 = 500;

/// Closed sessions per page.
const CLOSED_PAGE: i64 = 50;

/// Audit entries per page.
const AUDIT_PAGE: i64 = 100;

/// Reads the signer's account: its devices, a page of its sessions (the
/// first with every live one), and on the first page its usable enrollment
/// links and pending revocations.
pub async fn read(
    state: &AppState,
    signed: &SignedStatement,
    before: Option<&str>,
) -> Result<AccountView, ApiError> {
    let Claim::ReadAccount { user } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected a read_account statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    if signer.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only read its own user's account",
        ));
    }
    // Recorded before the answer is made: a copy of the statement, replayed
    // within its freshness, reads nothing.
    state
        .store
        .record_used(&UsedStatement::of(signed, state.config.freshness))
        .await?;
    let user = state.store.user(user).await?.ok_or(ApiError::NotFound)?;
    let devices = state.store.devices_of(user.uid).await?;
    // Every live session, whatever its age, then closed ones by pages: no
    // number of requests anyone makes for the name can push a login the
    // user must see out of view (and pending ones are capped).
    let (sessions, next) = sessions_page(state, &user.username, before).await?;
    let (invites, pending_revocations) = if before.is_none() {
        let now = state.clock.now();
        (
            state.store.invites_of(user.uid, now).await?,
            state.store.pending_revocations_of(user.uid).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let passkeys = state.store.devices_with_passkeys(user.uid).await?;
    Ok(AccountView {
        user,
        devices,
        sessions,
        passkeys,
        invites,
        pending_revocations,
        next,
    })
}

/// One page of the account's sessions: on the first page (no cursor)
/// every live session and the newest closed ones, on the next pages older
/// closed ones; newest first, with the cursor of the next page.
pub async fn sessions_page(
    state: &AppState,
    username: &str,
    before: Option<&str>,
) -> Result<(Vec<LoginSession>, Option<String>), ApiError> {
    let cursor = before.map(parse_session_cursor).transpose()?;
    let mut sessions = match cursor {
        None => {
            state
                .store
                .live_sessions_for(username, LIVE_SESSIONS)
                .await?
        }
        Some(_) => Vec::new(),
    };
    let closed = state
        .store
        .closed_sessions_for(username, cursor, CLOSED_PAGE)
        .await?;
    let next = match closed.last() {
        Some(last) if closed.len() as i64 == CLOSED_PAGE => Some(format!(
            "{}_{}",
            crate::store::time_text(last.request_datetime()),
            last.uid()
        )),
        _ => None,
    };
    sessions.extend(closed);
    sessions.sort_by_key(|session| std::cmp::Reverse(session.request_datetime()));
    Ok((sessions, next))
}

fn parse_session_cursor(text: &str) -> Result<SessionCursor, ApiError> {
    let bad = || ApiError::new(ErrorCode::BadQuery, "not a cursor this service gave");
    let (time, uid) = text.rsplit_once('_').ok_or_else(bad)?;
    Ok(SessionCursor {
        requested: chrono::DateTime::parse_from_rfc3339(time)
            .map_err(|_| bad())?
            .to_utc(),
        uid: Uuid::parse_str(uid).map_err(|_| bad())?,
    })
}

/// Reads a page of the signer's audit trail, newest first: what their
/// devices and the operator did on the account, and everything that
/// happened to sessions requested for their name, refusals (denials,
/// wrong codes, reports) included, each with its device and address.
pub async fn read_audit(
    state: &AppState,
    signed: &SignedStatement,
    before: Option<&str>,
) -> Result<AuditPage, ApiError> {
    let Claim::ReadAudit { user } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected a read_audit statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    if signer.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only read its own user's audit trail",
        ));
    }
    let before = match before {
        Some(text) => text
            .parse::<i64>()
            .map_err(|_| ApiError::new(ErrorCode::BadQuery, "not a cursor this service gave"))?,
        None => i64::MAX,
    };
    // Recorded before the answer, as the account view's statement is.
    state
        .store
        .record_used(&UsedStatement::of(signed, state.config.freshness))
        .await?;
    let UserInfo { uid, username } = state.store.user(user).await?.ok_or(ApiError::NotFound)?;
    let entries = state
        .store
        .audit_trail(uid, &username, before, AUDIT_PAGE)
        .await?;
    let next = match entries.last() {
        Some(last) if entries.len() as i64 == AUDIT_PAGE => Some(last.id.to_string()),
        _ => None,
    };
    Ok(AuditPage { entries, next })
}
