//! Login sessions: request, read, wait, act on a signed statement, expire.
//! Every change is one compare-and-set in the store, then a wake-up.

use std::future::Future;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;

use countersign_core::api::ErrorCode;
use countersign_core::passkey::PasskeyAssertion;
use countersign_core::{
    Action, DenyReason, LoginRequest, LoginSession, Narrowing, ShortUid, SignedStatement, Signer,
    Status, VerificationCode, Verified, uid_from_random,
};
use uuid::Uuid;

use crate::app::{AppState, Shared};
use crate::cache::{Kept, Ticket};
use crate::error::ApiError;
use crate::store::{AuditEntry, CodeCheck, Counted, CounterStep, StoredPasskey, Swap, Versioned};

/// How many fresh uids to draw before giving up on a free short uid. With
/// 2^32 short uids a clash is rare; eight in a row means something is wrong.
pub const UID_DRAWS: usize = 8;
/// How many times a lost compare-and-set is retried against the new state.
const CAS_TRIES: usize = 3;
/// When a long poll over a waiter cap may try again, in seconds: waits end
/// within `--max-wait-s`, and a refusal costs the service next to nothing.
pub const WAITERS_FULL_RETRY_S: u64 = 5;

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
        crate::account_view::refuse_flood(state, request.username.as_str()).await?;
        crate::disabled::refuse_username(&state.store, request.username.as_str()).await?;
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
async fn read(state: &AppState, uid: Uuid) -> Result<Versioned, ApiError> {
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
enum Changed {
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
async fn change(
    state: &AppState,
    found: &Versioned,
    session: &LoginSession,
    entry: &AuditEntry,
    signer: Option<Uuid>,
    code: CodeCheck,
    passkey: Option<&CounterStep>,
) -> Result<Changed, ApiError> {
    let ticket = state.cache.ticket();
    let swap = match state
        .store
        .compare_and_set_counted(session, found.version, entry, signer, code, passkey)
        .await?
    {
        Counted::Swap(swap) => swap,
        // Nothing was written: the session is as it was.
        Counted::Regressed => return Err(crate::passkeys::regressed()),
    };
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
    }
}

/// After a change of this instance's won in the store (with `ticket` taken
/// before it was written): the cache keeps the new version and the
/// session's waiters look at it.
pub(crate) fn changed(state: &AppState, ticket: Ticket, now: &Versioned) {
    state.cache.put(ticket, now);
    state.waiters.wake(now.session.uid());
}

async fn expire_if_run_out(state: &AppState, found: Versioned) -> Result<Versioned, ApiError> {
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

/// Waits until the session's status differs from `seen`, its time runs out,
/// or `timeout` passes; then answers with the session as it stands. Refused
/// at once when `source`, or the instance, already holds as many waiters as
/// it may.
pub async fn wait(
    state: &AppState,
    uid: Uuid,
    seen: Status,
    timeout: Duration,
    source: IpAddr,
) -> Result<Arc<Kept>, ApiError> {
    let _admitted = state.waiters.admit(source).map_err(|full| {
        state.metrics.waiters_refused(full);
        tracing::debug!(%source, ?full, "long poll refused: too many waiters");
        ApiError::TooManyRequests {
            retry_after_s: WAITERS_FULL_RETRY_S,
        }
    })?;
    let start = state.clock.instant();
    let deadline = start
        .checked_add(timeout.min(state.config.max_wait))
        .unwrap_or(start);
    loop {
        let waiting = state.waiters.register(uid);
        let notified = waiting.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        // Boxed: the read's state would otherwise sit inside every waiting
        // request's future for the whole wait (kilobytes times thousands).
        let kept = Box::pin(current_kept(state, uid)).await?;
        let found = &kept.found;
        if found.session.status() != seen {
            return Ok(kept);
        }
        // A pending or approved session also ends when its time runs out:
        // wake then to expire it. Nothing else ends by itself, so a final or
        // suspicious session sleeps to the deadline (or a change): waking
        // at a time long past would read the session again and again.
        // One reading, so the stored time and the instant agree.
        let now = state.clock.read();
        let run_out = found.session.runs_out_at().map(|end| {
            let until = (end - now.wall).to_std().unwrap_or(Duration::ZERO);
            now.instant.checked_add(until).unwrap_or(deadline)
        });
        // Not held while waiting: a version the cache has moved past would
        // stay alive for every waiter that held it.
        drop(kept);
        let wake_at = run_out.map_or(deadline, |end| deadline.min(end));
        tokio::select! {
            () = &mut notified => {}
            () = state.clock.sleep_until(wake_at) => {
                if wake_at >= deadline {
                    return Box::pin(current_kept(state, uid)).await;
                }
            }
        }
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

/// Checks a signed statement about session `uid` and applies it.
pub async fn act(
    state: &AppState,
    uid: Uuid,
    signed: &SignedStatement,
    source: IpAddr,
) -> Result<LoginSession, ApiError> {
    act_attested(state, uid, signed, None, source).await
}

/// [`act`] with the passkey's assertion the statement carries, if any
/// (`passkeys::check_statement` says when one is needed).
pub async fn act_attested(
    state: &AppState,
    uid: Uuid,
    signed: &SignedStatement,
    assertion: Option<&PasskeyAssertion>,
    source: IpAddr,
) -> Result<LoginSession, ApiError> {
    for _ in 0..CAS_TRIES {
        let found = current(state, uid).await?;
        if found.session.is_expired() {
            return Err(ApiError::Expired);
        }
        let now = state.clock.now();
        // A refusal is counted by its code where it is answered (`http`).
        let (proof, user_uid, stored_passkey) = verify(state, &found.session, signed).await?;
        let mut session = found.session.clone();
        let mut code = CodeCheck::Any;
        match proof.action() {
            Action::Approve => {
                let user_uid = user_uid.ok_or(ApiError::Internal)?;
                session.set_approved(user_uid, &proof, now, state.config.login_lifetime)?;
                code = CodeCheck::Typed(proof.code().ok_or(ApiError::Internal)?);
            }
            Action::Deny => session.set_denied(&proof, now)?,
            Action::ReportSuspicious => session.set_suspicious(&proof, now)?,
            Action::Logout => session.set_logged_out(&proof, now)?,
            Action::Expire => return Err(ApiError::Internal),
        }
        let device = match proof.signer() {
            Signer::Device(device) => Some(device),
            Signer::Requester => None,
        };
        // A logout needs no gesture: it only ends what was granted.
        let passkey = match device {
            Some(device) if proof.action() != Action::Logout => crate::passkeys::check_stored(
                state,
                stored_passkey,
                device,
                &signed.statement,
                assertion,
            )?,
            _ => None,
        };
        let mut entry =
            transition_entry(&found.session, &session, proof.action(), user_uid, device);
        entry.source = Some(source.to_string());
        match change(
            state,
            &found,
            &session,
            &entry,
            device,
            code,
            passkey.as_ref(),
        )
        .await?
        {
            Changed::Won(_) => {
                state.metrics.transition(proof.action());
                // Debug, as a request's line: the audit log records it.
                tracing::debug!(%uid, action = %proof.action(), to = %session.status(), "login session changed");
                return Ok(session);
            }
            // Revoked between the check in `verify` and the write.
            Changed::SignerRevoked => return Err(revoked()),
            Changed::WrongCode => {
                if deny_wrong_code(state, &found, &proof, user_uid, source).await? {
                    return Err(ApiError::new(
                        ErrorCode::WrongCode,
                        "the verification code typed is not the one the requester shows: \
                         the request is now denied, and its program must ask again",
                    ));
                }
            }
            Changed::Lost(_) => {}
        }
        // Another change won the race: check the statement against what is
        // stored now (read again into the cache), which usually refuses it
        // with the right reason.
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        "the session changed while this statement was applied; try again",
    ))
}

/// An approval typed the wrong code: whoever approves has not seen the
/// requester's screen (or misread it), and the request ends rather than
/// stay open to another guess. Denies the session as `found` with reason
/// `wrong_code`, in a compare-and-set that holds only while the code is
/// still not the one typed. `Ok(true)` once denied; `Ok(false)` if another
/// change came first (the caller looks again).
async fn deny_wrong_code(
    state: &AppState,
    found: &Versioned,
    proof: &Verified,
    user_uid: Option<Uuid>,
    source: IpAddr,
) -> Result<bool, ApiError> {
    let typed = proof.code().ok_or(ApiError::Internal)?;
    let Signer::Device(device) = proof.signer() else {
        return Err(ApiError::Internal);
    };
    let mut denied = found.session.clone();
    denied.deny_for_wrong_code(proof, state.clock.now())?;
    let mut entry = transition_entry(
        &found.session,
        &denied,
        Action::Deny,
        user_uid,
        Some(device),
    );
    entry.source = Some(source.to_string());
    entry.note = Some(DenyReason::WrongCode.as_str().into());
    let check = CodeCheck::Mistyped(typed);
    match change(state, found, &denied, &entry, Some(device), check, None).await? {
        Changed::Won(_) => {
            state.metrics.transition(Action::Deny);
            tracing::info!(uid = %denied.uid(), "login session denied: wrong verification code");
            Ok(true)
        }
        Changed::SignerRevoked => Err(revoked()),
        Changed::Lost(_) => Ok(false),
        // Asked only of an approval.
        Changed::WrongCode => Err(ApiError::Internal),
    }
}

/// Verifies the statement against the session and, for a device, against
/// the device's key, owner and revocation. Returns the proof, the user and
/// the device's passkey (read with the device, in one query).
async fn verify(
    state: &AppState,
    session: &LoginSession,
    signed: &SignedStatement,
) -> Result<(Verified, Option<Uuid>, Option<StoredPasskey>), ApiError> {
    let now = state.clock.now();
    let window = state.config.freshness;
    let service = state.service_url()?;
    match signed.statement.signer {
        Signer::Requester => Ok((
            session.verify_requester(signed, &service, now, window)?,
            None,
            None,
        )),
        Signer::Device(device_uid) => {
            let refused = |message: &str| ApiError::new(ErrorCode::UnknownDevice, message);
            let approver = state
                .store
                .approver(device_uid)
                .await?
                .ok_or_else(|| refused("this device is not registered"))?;
            let device = &approver.device;
            if device.revoked_at.is_some() {
                return Err(revoked());
            }
            if approver.user_disabled {
                return Err(crate::disabled::refused());
            }
            let username = approver.username.as_deref().ok_or(ApiError::Internal)?;
            if username != session.username().as_str() {
                return Err(refused("this device belongs to another user"));
            }
            let proof = session.verify_device(signed, &device.public_key, &service, now, window)?;
            Ok((proof, Some(device.user_uid), approver.passkey))
        }
    }
}

fn revoked() -> ApiError {
    ApiError::new(ErrorCode::DeviceRevoked, "this device has been revoked")
}

fn transition_entry(
    before: &LoginSession,
    after: &LoginSession,
    action: Action,
    user_uid: Option<Uuid>,
    device_uid: Option<Uuid>,
) -> AuditEntry {
    AuditEntry {
        at: after.status_datetime(),
        session_uid: Some(after.uid()),
        subject: "session".into(),
        action: action.as_str().into(),
        from_status: Some(before.status().as_str().into()),
        to_status: Some(after.status().as_str().into()),
        user_uid,
        device_uid,
        source: None,
        note: None,
    }
}

/// Expires every pending or approved session whose time ran out, waking its
/// waiters, and forgets the nonces of authorisations and the account
/// statements used once that are stale everywhere. Answers how many sessions it found run out.
pub async fn sweep(state: &AppState) -> Result<usize, ApiError> {
    let now = state.clock.now();
    state.store.prune_nonces(now).await?;
    state.store.prune_used_statements(now).await?;
    let run_out = state.store.run_out(now, 500).await?;
    let count = run_out.len();
    for found in run_out {
        expire_if_run_out(state, found).await?;
    }
    crate::retention::sweep(state).await?;
    crate::recovery::apply_due(state).await?;
    Ok(count)
}

/// How often the sweeper looks for run-out sessions, by the service's clock.
pub const SWEEP_EVERY: Duration = Duration::from_secs(5);

/// Sweeps every [`SWEEP_EVERY`], so that waiters and lists see run-out
/// sessions expired even if no one reads them. The first sweep is due
/// [`SWEEP_EVERY`] after this call rather than after the task first runs,
/// so that a clock moved right after spawning it is not missed.
pub fn sweeper(state: Shared) -> impl Future<Output = ()> + Send + 'static {
    let first = state.clock.instant() + SWEEP_EVERY;
    async move {
        let mut next = first;
        loop {
            state.clock.sleep_until(next).await;
            if let Err(error) = sweep(&state).await {
                tracing::warn!(?error, "sweep failed");
            }
            next = state.clock.instant() + SWEEP_EVERY;
        }
    }
}
