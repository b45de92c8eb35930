//! Login sessions: request, read (from the cache or the store), expire,
//! and the one way a session changes: a compare-and-set in the store, then
//! the cache kept true and the waiters woken. What signed statements do to
//! a session is in `decide`, long polls in `wait`.

use std::net::IpAddr;
use std::sync::Arc;

use axum::body::Bytes;
use countersign_core::api::AuditSubject;
use countersign_core::{
    Action, LoginRequest, LoginSession, Narrowing, ShortUid, Status, VerificationCode,
    uid_from_random,
};
use uuid::Uuid;

use crate::error::ApiError;
use crate::ops::{pending, signer};
use crate::runtime::cache::{Kept, Ticket};
use crate::state::AppState;
use crate::store::{AuditEntry, Cas, CodeCheck, CounterStep, Swap, Versioned};

/// How many fresh uids to draw before giving up on a free short uid. With
/// 2^32 short uids a clash is rare; eight in a row means something is wrong.
pub const UID_DRAWS: usize = 8;

/// Records a login request from `source`, with a verification code drawn
/// for it: the session and the code, which only the requester is told.
pub async fn request(
    state: &AppState,
    request: LoginRequest,
    source: IpAddr,
) -> Result<(LoginSession, VerificationCode), ApiError> {
    let now = state.clock.now();
    // Drawn, not derived: nothing the approval side reads gives it away.
    let code = VerificationCode::from_random(state.random.bytes()?);
    for _ in 0..UID_DRAWS {
        let uid = uid_from_random(state.random.bytes()?);
        let session =
            LoginSession::request(request.clone(), uid, source, now, state.config.session_ttl)?;
        let ticket = state.cache.ticket();
        if state
            .store
            .insert_session(
                &session,
                code,
                &source.to_string(),
                state.config.max_pending_per_user,
            )
            .await?
        {
            let kept = Kept::new(Versioned {
                session: session.clone(),
                version: 1,
            });
            state.cache.keep(ticket, &Arc::new(kept));
            state.metrics.requested();
            // Debug, not info: the audit log records every request (its
            // uid, source and time), and a line per request cost the hot
            // path a write to the log.
            tracing::debug!(uid = %session.uid(), short_uid = %session.short_uid(), %source, "login requested");
            return Ok((session, code));
        }
        // Refused: the name has as many requests pending as it may, its
        // user is disabled (the INSERT checks both, so the usual request
        // reads nothing first), or the short uid is taken. The reads say
        // which, in the order they were asked before the INSERT checked.
        pending::refuse_flood(state, request.username.as_str()).await?;
        signer::refuse_username(&state.store, request.username.as_str()).await?;
    }
    tracing::error!("no free short uid after {UID_DRAWS} draws");
    Err(ApiError::Internal)
}

/// The session with this uid as it stands now, expiring it first if its
/// time ran out.
pub async fn current(state: &AppState, uid: Uuid) -> Result<Versioned, ApiError> {
    Ok(current_kept(state, uid).await?.found.clone())
}

/// [`current`] shared with the cache rather than copied: what status
/// reads and long polls answer, with its JSON made once per version.
pub async fn current_kept(state: &AppState, uid: Uuid) -> Result<Arc<Kept>, ApiError> {
    // The store's futures are boxed: they are the rare case, and held
    // inline they would make every read's future (which the router boxes
    // and moves) as large as the largest query's.
    let kept = match state.cache.kept(uid) {
        Some(kept) => kept,
        None => Box::pin(read_kept(state, uid)).await?,
    };
    if !kept.found.session.has_run_out(state.clock.now()) {
        return Ok(kept);
    }
    let now = Box::pin(expire_if_run_out(state, kept.found.clone())).await?;
    Ok(Arc::new(Kept::new(now)))
}

/// Reads a session from the store, and keeps it in the cache (unless the
/// cache heard of a newer version meanwhile).
pub(crate) async fn read(state: &AppState, uid: Uuid) -> Result<Versioned, ApiError> {
    Ok(read_kept(state, uid).await?.found.clone())
}

/// [`read`], shared with the cache: the JSON its reader makes is kept.
async fn read_kept(state: &AppState, uid: Uuid) -> Result<Arc<Kept>, ApiError> {
    let ticket = state.cache.ticket();
    let found = state.store.session(uid).await?.ok_or(ApiError::NotFound)?;
    let kept = Arc::new(Kept::new(found));
    state.cache.keep(ticket, &kept);
    Ok(kept)
}

/// What became of a compare-and-set.
pub(crate) enum Changed {
    /// It won: the session at its new version.
    Won(Versioned),
    /// Another change won: the session as stored now.
    Lost(Versioned),
    /// The device that signed it was revoked meanwhile: nothing changed.
    SignerRevoked,
    /// The approval's code is not the session's: nothing changed yet.
    WrongCode,
}

/// Writes a changed session if it is still at `found`'s version (and, if
/// a device signed it, that device is still unrevoked), keeping the cache
/// true either way: a win is kept at its new version; a loss means the
/// stored version is past `found`'s, and the row is read again.
pub(crate) async fn change(
    state: &AppState,
    found: &Versioned,
    session: &LoginSession,
    entry: &AuditEntry,
    signer: Option<Uuid>,
    code: CodeCheck,
    passkey: Option<&CounterStep>,
) -> Result<Changed, ApiError> {
    let ticket = state.cache.ticket();
    let cas = Cas::new(session, found.version, entry)
        .signed_by(signer)
        .code(code)
        .counter(passkey);
    let swap = state.store.compare_and_set(cas).await?;
    match swap {
        Swap::Done => {
            let now = Versioned {
                session: session.clone(),
                version: found.version + 1,
            };
            changed(state, ticket, &now);
            Ok(Changed::Won(now))
        }
        Swap::Lost => {
            state.cache.at_least(session.uid(), found.version + 1);
            Ok(Changed::Lost(read(state, session.uid()).await?))
        }
        Swap::SignerRevoked => Ok(Changed::SignerRevoked),
        Swap::WrongCode => Ok(Changed::WrongCode),
        // Nothing was written: the session is as it was.
        Swap::CounterRegressed => Err(crate::ops::passkeys::regressed()),
    }
}

/// After a change of this instance's won in the store (with `ticket` taken
/// before it was written): the cache keeps the new version and the
/// session's waiters look at it.
pub(crate) fn changed(state: &AppState, ticket: Ticket, now: &Versioned) {
    state.cache.put(ticket, now);
    state.waiters.wake(now.session.uid());
}

pub(crate) async fn expire_if_run_out(
    state: &AppState,
    found: Versioned,
) -> Result<Versioned, ApiError> {
    let now = state.clock.now();
    if !found.session.has_run_out(now) {
        return Ok(found);
    }
    let mut session = found.session.clone();
    session.expire(now)?;
    let entry = transition_entry(&found.session, &session, Action::Expire, None, None);
    match change(state, &found, &session, &entry, None, CodeCheck::Any, None).await? {
        Changed::Won(now) => {
            state.metrics.transition(Action::Expire);
            tracing::info!(uid = %session.uid(), "login session expired");
            Ok(now)
        }
        // Another change won: the stored state is final or newer.
        Changed::Lost(now) => Ok(now),
        // Signed by no one and checking no code, so never refused for
        // either.
        Changed::SignerRevoked | Changed::WrongCode => Err(ApiError::Internal),
    }
}

/// The seed's `load` by uid: the session, narrowed to a scope and
/// permissions that must lie inside what it was granted.
pub async fn load_by_uid(
    state: &AppState,
    uid: Uuid,
    narrowing: &Narrowing,
) -> Result<LoginSession, ApiError> {
    let found = current(state, uid).await?;
    Ok(countersign_core::load_by_uid(
        [found.session],
        uid,
        narrowing,
    )?)
}

/// [`load_by_uid`] as the JSON answered: with no narrowing asked for (a
/// plain status read, the usual one), the cache's own, made once per
/// version, rather than serialized each time.
pub async fn load_json_by_uid(
    state: &AppState,
    uid: Uuid,
    narrowing: &Narrowing,
) -> Result<Bytes, ApiError> {
    if *narrowing == Narrowing::default() {
        return Ok(current_kept(state, uid).await?.json());
    }
    let session = load_by_uid(state, uid, narrowing).await?;
    Ok(Bytes::from(session.to_json()))
}

/// The seed's `load` by short uid and status: every matching session (a
/// list, which may hold more than one when old sessions shared the id),
/// each narrowed.
pub async fn load_by_short_uid(
    state: &AppState,
    short: ShortUid,
    status: Status,
    narrowing: &Narrowing,
) -> Result<Vec<LoginSession>, ApiError> {
    let mut sessions = Vec::new();
    for found in state.store.by_short_uid(short, 100).await? {
        sessions.push(expire_if_run_out(state, found).await?.session);
    }
    let now = state.clock.now();
    Ok(countersign_core::load_by_short_uid(sessions, short, status, now, narrowing)?.into_vec())
}

/// The pending session a short uid names, for the approval page.
pub async fn pending_by_short_uid(
    state: &AppState,
    short: ShortUid,
) -> Result<LoginSession, ApiError> {
    let matches = state.store.live_by_short_uid(short).await?;
    for found in matches {
        let found = expire_if_run_out(state, found).await?;
        if found.session.is_pending() {
            return Ok(found.session);
        }
    }
    Err(ApiError::NotFound)
}

pub(crate) fn transition_entry(
    before: &LoginSession,
    after: &LoginSession,
    action: Action,
    user_uid: Option<Uuid>,
    device_uid: Option<Uuid>,
) -> AuditEntry {
    AuditEntry {
        at: after.status_datetime(),
        session_uid: Some(after.uid()),
        subject: AuditSubject::Session,
        action: action.into(),
        from_status: Some(before.status().as_str().into()),
        to_status: Some(after.status().as_str().into()),
        user_uid,
        device_uid,
        source: None,
        revoked_device: None,
        deny_reason: None,
        note: None,
    }
}
