//! The handlers of the session routes: request a login, read it, wait for
//! it to change, act on it with a signed statement, and the approval
//! page's view of a pending one.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use countersign_core::api::AttestedStatement;
use countersign_core::api::{
    ApprovalView, NarrowingQuery, RequestAnswer, SessionList, ShortUidQuery, WaitQuery,
};
use countersign_core::{LoginRequest, LoginSession};

use crate::config::LONGEST_WAIT;
use crate::error::ApiError;
use crate::http::extract::{
    Body, LookupAllowed, ReadAllowed, RequestAllowed, SessionUid, ShortUidPath, StatementAllowed,
    WaitAllowed, counted, narrowing, query, short_uid,
};
use crate::ops::{decide, sessions, wait as waiting};
use crate::state::Shared;

/// `POST /api/sessions`: a login request, answered with the code (201).
pub async fn request(
    State(state): State<Shared>,
    RequestAllowed(source): RequestAllowed,
    Body(request): Body<LoginRequest>,
) -> Result<impl IntoResponse, ApiError> {
    let (session, code) = sessions::request(&state, request, source).await?;
    let uid = session.uid();
    let answer = RequestAnswer {
        uid,
        short_uid: session.short_uid(),
        login_url: session.login_url(&state.config.public_url),
        expires_at: session.expires_at(),
        // The one place the code is given: to the requester, who shows it.
        verification_code: code,
        status: session.status(),
        session_url: format!("{}/api/sessions/{uid}", state.config.public_url),
        wait_url: format!(
            "{}/api/sessions/{uid}/wait?status=pending",
            state.config.public_url
        ),
    };
    Ok((StatusCode::CREATED, Json(answer)))
}

/// `GET /api/sessions/{uid}`: the session, narrowed if asked.
pub async fn read(
    State(state): State<Shared>,
    ReadAllowed(_): ReadAllowed,
    SessionUid(uid): SessionUid,
    params: Result<Query<NarrowingQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let narrowing = narrowing(&query(params)?)?;
    let json = sessions::load_json_by_uid(&state, uid, &narrowing).await?;
    Ok(json_answer(json))
}

/// JSON already made (a session's, kept by the cache), answered as
/// [`Json`] would answer it.
fn json_answer(json: Bytes) -> Response {
    let json_type = HeaderValue::from_static("application/json");
    ([(header::CONTENT_TYPE, json_type)], json).into_response()
}

/// `GET /api/sessions?short_uid=..&status=..`: the seed's `load` by short uid.
pub async fn by_short_uid(
    State(state): State<Shared>,
    LookupAllowed(_): LookupAllowed,
    params: Result<Query<ShortUidQuery>, QueryRejection>,
) -> Result<Json<SessionList>, ApiError> {
    let params = query(params)?;
    let short = short_uid(&params.short_uid)?;
    let narrowing = narrowing(&params.narrowing)?;
    let sessions = sessions::load_by_short_uid(&state, short, params.status, &narrowing).await?;
    Ok(Json(SessionList { sessions }))
}

/// `GET /api/sessions/{uid}/wait`: the long poll.
pub async fn wait(
    State(state): State<Shared>,
    WaitAllowed(source): WaitAllowed,
    SessionUid(uid): SessionUid,
    query: Result<Query<WaitQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let query = crate::http::extract::query(query)?;
    // Bounded here, so no deadline computed from it can overflow however
    // long the configuration allows.
    let timeout = Duration::from_secs(query.timeout_s).min(LONGEST_WAIT);
    let kept = waiting::wait(&state, uid, query.status, timeout, source).await?;
    Ok(json_answer(kept.json()))
}

/// `POST /api/sessions/{uid}/statements`: a signed statement about the session.
pub async fn act(
    State(state): State<Shared>,
    StatementAllowed(source): StatementAllowed,
    SessionUid(uid): SessionUid,
    Body(body): Body<AttestedStatement>,
) -> Result<Json<LoginSession>, ApiError> {
    let acted =
        decide::act_attested(&state, uid, &body.signed, body.assertion.as_ref(), source).await;
    Ok(Json(counted(&state, acted)?))
}

/// `GET /api/approvals/{short_uid}`: what the approval page shows.
pub async fn approval(
    State(state): State<Shared>,
    LookupAllowed(_): LookupAllowed,
    ShortUidPath(short): ShortUidPath,
) -> Result<Json<ApprovalView>, ApiError> {
    // No code here, nor anything it could be worked out from: the approver
    // must read it off the requester's screen.
    let session = sessions::pending_by_short_uid(&state, short).await?;
    let fingerprint = |key: Option<&countersign_core::PublicKey>| key.map(|k| k.fingerprint());
    Ok(Json(ApprovalView {
        details_digest: session.details_digest(),
        public_key_fingerprint: fingerprint(session.public_key()),
        public_certificate_fingerprint: fingerprint(session.public_cert()),
        session,
    }))
}
