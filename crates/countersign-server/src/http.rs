//! The HTTP JSON API: routes, extractors and the security headers on every
//! answer. Handlers only translate; the work is in `sessions` and `accounts`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::JsonRejection;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::on;
use axum::{Json, Router};
use countersign_core::api::{
    AccountView, ApprovalView, EnrollmentInfo, ErrorCode, Invite, LookupEnrollment, NarrowingQuery,
    PageQuery, RedeemEnrollment, RequestAnswer, RevokeAnswer, SessionList, ShortUidQuery,
    SponsoredEnrollment, VerifiedAuthorisation, VerifyAuthorisation, WaitQuery,
};
use countersign_core::passkey::AttestedStatement;
use countersign_core::{LoginRequest, LoginSession, Narrowing, ShortUid, SignedStatement};

use crate::accounts::{self, parse_uid};
use crate::app::{AppState, LONGEST_WAIT, Shared};
use crate::error::ApiError;
use crate::ratelimit::Limit;
use crate::routes::{Route, Verb};
use crate::{authorisations, sessions};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every route of the API, and of the service's own pages: `router()`
/// serves exactly these (anything else goes to the web app or is not found).
pub const ROUTES: &[Route] = &[
    Route::new(Verb::Get, "/", |m| on(m, home)),
    Route::new(Verb::Get, "/healthz", |m| on(m, crate::health::healthz)),
    Route::new(Verb::Get, "/metrics", |m| on(m, metrics)),
    Route::new(Verb::Get, "/openapi.json", |m| on(m, openapi)),
    Route::new(Verb::Post, "/api/sessions", |m| on(m, request_login)),
    Route::new(Verb::Get, "/api/sessions", |m| on(m, load_by_short_uid)),
    Route::new(Verb::Get, "/api/sessions/{uid}", |m| on(m, session)),
    Route::new(Verb::Get, "/api/sessions/{uid}/wait", |m| on(m, wait)),
    Route::new(Verb::Post, "/api/sessions/{uid}/statements", |m| on(m, act)),
    Route::new(Verb::Get, "/api/approvals/{short_uid}", |m| on(m, approval)),
    Route::new(Verb::Post, "/api/authorisations/verify", |m| {
        on(m, verify_authorisation)
    }),
    Route::new(Verb::Post, "/api/enrollments", |m| on(m, invite)),
    Route::new(Verb::Post, "/api/enrollments/lookup", |m| on(m, enrollment)),
    Route::new(Verb::Post, "/api/enrollments/redeem", |m| on(m, enroll)),
    Route::new(Verb::Post, "/api/devices", |m| on(m, enroll_by_device)),
    Route::new(Verb::Post, "/api/devices/revoke", |m| on(m, revoke)),
    Route::new(Verb::Post, "/api/account", |m| on(m, account)),
    Route::new(Verb::Post, "/api/account/audit", |m| {
        on(m, crate::account_routes::audit)
    }),
    Route::new(Verb::Post, "/api/devices/revocations/cancel", |m| {
        on(m, crate::account_routes::cancel_revocation)
    }),
    Route::new(Verb::Post, "/api/enrollments/cancel", |m| {
        on(m, crate::account_routes::cancel_invite)
    }),
    Route::new(Verb::Post, "/api/passkeys/options", |m| {
        on(m, crate::passkeys::options_route)
    }),
    Route::new(Verb::Post, "/api/passkeys", |m| {
        on(m, crate::passkeys::register_route)
    }),
];

/// The service's router: [`ROUTES`], the web app for everything else, and
/// the layers every answer goes through.
pub fn router(state: Shared) -> Router {
    ROUTES
        .iter()
        .fold(Router::new(), |router, route| {
            router.route(route.path, route.method_router())
        })
        .fallback(web_app)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            answer_headers,
        ))
        .with_state(state)
}

/// CORS for the origins the operator allows (`cors`), and headers that
/// make every answer hard to misuse: no framing, no referrer, no sniffing,
/// a CSP that allows this origin's scripts and wasm only, and HSTS when the
/// service is public over https. One middleware for both: each layer costs
/// every request in flight a boxed future, and 10,000 long polls hold
/// 10,000 of each.
async fn answer_headers(State(state): State<Shared>, request: Request, next: Next) -> Response {
    let mut response = crate::cors::cors(&state, request, next).await;
    let headers = response.headers_mut();
    if let Ok(csp) = HeaderValue::from_str(state.web.csp()) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    let set = |headers: &mut HeaderMap, name, value| {
        headers.insert(name, HeaderValue::from_static(value));
    };
    set(headers, header::X_FRAME_OPTIONS, "DENY");
    set(headers, header::REFERRER_POLICY, "no-referrer");
    set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    // Served as https (behind whatever terminates TLS): browsers are to
    // come back only over TLS for a year.
    if state.config.public_url.starts_with("https://") {
        set(
            headers,
            header::STRICT_TRANSPORT_SECURITY,
            "max-age=31536000",
        );
    }
    // The app's hashed files say how long they keep; everything else is fresh.
    if !headers.contains_key(header::CACHE_CONTROL) {
        set(headers, header::CACHE_CONTROL, "no-store");
    }
    response
}

/// The web app's files and pages; anything else is not found.
async fn web_app(
    State(state): State<Shared>,
    method: axum::http::Method,
    uri: axum::http::Uri,
) -> Response {
    let path = uri.path();
    if method == axum::http::Method::GET
        && !path.starts_with("/api/")
        && let Some(response) = state.web.answer(path)
    {
        return response;
    }
    ApiError::NotFound.into_response()
}

/// A JSON body whose every failure is an [`ApiError`] with a stable code.
/// A body that does not decode because it holds a signed statement in a
/// format no longer accepted (format 1, which named no service) is refused
/// with `unsupported_format`, which tells its sender to update, rather than
/// `bad_field`.
pub struct Body<T>(pub T);

impl<S, T> FromRequest<S> for Body<T>
where
    Json<T>: FromRequest<S, Rejection = JsonRejection>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        // The bytes are kept (a cheap handle, at most `MAX_BODY_BYTES`) to
        // look at again should they not decode; axum's `Json` reads them
        // from a request rebuilt around them, so its checks stay its own.
        // The limit is here rather than a `DefaultBodyLimit` layer: every
        // body is read through this extractor, and a layer would cost each
        // request in flight a boxed future (long polls too, which have none).
        let (parts, body) = request.into_parts();
        let body = axum::body::Body::new(http_body_util::Limited::new(body, MAX_BODY_BYTES));
        let whole = Request::from_parts(parts.clone(), body);
        let bytes = match Bytes::from_request(whole, state).await {
            Ok(bytes) => bytes,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::TooLarge);
            }
            Err(_) => {
                let message = "the request body could not be read";
                return Err(ApiError::new(ErrorCode::BadBody, message));
            }
        };
        let request = Request::from_parts(parts, axum::body::Body::from(bytes.clone()));
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(Self(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    let value = serde_json::from_slice(&bytes).ok();
                    match value.as_ref().and_then(countersign_core::format_refusal) {
                        Some(refusal) => refusal.into(),
                        None => ApiError::new(ErrorCode::BadField, e.body_text()),
                    }
                }
                JsonRejection::JsonSyntaxError(e) => {
                    ApiError::new(ErrorCode::BadJson, e.body_text())
                }
                JsonRejection::MissingJsonContentType(_) => ApiError::new(
                    ErrorCode::BadContentType,
                    "send the body as JSON with Content-Type: application/json",
                ),
                JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    ApiError::TooLarge
                }
                _ => ApiError::new(ErrorCode::BadBody, "the request body could not be read"),
            }),
        }
    }
}

/// The address a request came from: the peer, or, when the peer is a
/// trusted proxy, the address it forwarded for, and so on leftwards through
/// `X-Forwarded-For` while each hop is a trusted proxy. An entry that does
/// not parse (`unknown`, a name, a stray port) ends the walk at the last
/// trusted hop: skipping it would let the client's own entries, further
/// left, choose its address and rate-limit budget.
pub struct Source(pub IpAddr);

impl FromRequestParts<Shared> for Source {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let ConnectInfo(peer) = ConnectInfo::<SocketAddr>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::Internal)?;
        let trusted = &state.config.trusted_proxies;
        let mut source = peer.ip();
        if !trusted.contains(&source) {
            return Ok(Self(source));
        }
        // Lines join in order, so the last line's last entry is the nearest
        // hop. A line that is not text cannot be read, like an entry.
        'walk: for line in parts.headers.get_all("x-forwarded-for").iter().rev() {
            let Ok(text) = line.to_str() else {
                break;
            };
            for entry in text.rsplit(',') {
                match forwarded_address(entry) {
                    Some(address) => source = address,
                    None => break 'walk,
                }
                if !trusted.contains(&source) {
                    break 'walk;
                }
            }
        }
        Ok(Self(source))
    }
}

/// One `X-Forwarded-For` entry as proxies write it: `192.0.2.7`,
/// `192.0.2.7:4711`, `2001:db8::7`, `[2001:db8::7]` or `[2001:db8::7]:4711`.
fn forwarded_address(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let v6 = entry.strip_prefix('[')?.strip_suffix(']')?;
    v6.parse::<std::net::Ipv6Addr>().ok().map(IpAddr::V6)
}

/// A path parameter as text. A segment that is not UTF-8 once
/// percent-decoded is refused as a malformed value of that parameter, with
/// `code` in the service's JSON (axum's own rejection is plain text).
async fn path_text(
    parts: &mut Parts,
    state: &Shared,
    code: ErrorCode,
    message: &'static str,
) -> Result<String, ApiError> {
    Path::<String>::from_request_parts(parts, state)
        .await
        .map(|Path(text)| text)
        .map_err(|_| ApiError::new(code, message))
}

/// A session uid from the path, checked before the body is read, so a bad
/// id is reported as such whatever the body holds.
pub struct SessionUid(pub uuid::Uuid);

impl FromRequestParts<Shared> for SessionUid {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let text = path_text(parts, state, ErrorCode::BadUid, "not a session uid").await?;
        parse_uid(&text).map(Self)
    }
}

/// A short uid from the path.
pub struct ShortUidPath(pub ShortUid);

impl FromRequestParts<Shared> for ShortUidPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Shared) -> Result<Self, ApiError> {
        let text = path_text(parts, state, ErrorCode::BadShortUid, "not a short uid").await?;
        short_uid(&text).map(Self)
    }
}

fn limited(parts: &Parts, state: &AppState, limit: Limit, source: IpAddr) -> Result<(), ApiError> {
    state
        .limits
        .of(limit)
        .check(source, state.clock.instant())
        .map_err(|retry_after_s| {
            let path = parts
                .extensions
                .get::<axum::extract::MatchedPath>()
                .map_or("(unmatched)", axum::extract::MatchedPath::as_str);
            let route = format!("{} {path}", parts.method);
            state.metrics.rate_limited(limit, &route);
            ApiError::TooManyRequests { retry_after_s }
        })
}

/// `/metrics` on the public listener: not found when `serve
/// --metrics-addr` serves it on a listener of its own.
async fn metrics(State(state): State<Shared>) -> Response {
    if !state.config.public_metrics {
        return ApiError::NotFound.into_response();
    }
    metrics_text(State(state)).await.into_response()
}

async fn metrics_text(State(state): State<Shared>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(&state).await,
    )
}

/// The router of `serve --metrics-addr`'s own listener: `/metrics` and
/// nothing else, so that it need not be public.
pub fn metrics_router(state: Shared) -> Router {
    Router::new()
        .route("/metrics", axum::routing::get(metrics_text))
        .fallback(|| async { ApiError::NotFound })
        .with_state(state)
}

/// Counts a signed statement's refusal by its code, and passes the answer on.
fn counted<T>(state: &AppState, answer: Result<T, ApiError>) -> Result<T, ApiError> {
    answer.inspect_err(|error| state.metrics.statement_refused(error.code()))
}

/// The OpenAPI description of this API.
pub const OPENAPI: &str = include_str!("../openapi.json");

async fn openapi() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI)
}

async fn home(State(state): State<Shared>) -> Response {
    if let Some(app) = state.web.answer("/") {
        return app;
    }
    Html(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>countersign</title></head>\
         <body><h1>countersign</h1><p>This service approves logins with device keys. \
         Open the login URL a program shows you, or the enrollment link your admin gave you.</p>\
         <p>API: <code>POST {0}/api/sessions</code>; health: <a href=\"/healthz\">/healthz</a>.</p></body></html>",
        state.config.public_url
    ))
    .into_response()
}

/// The request's source, with a token taken from its class's budget
/// before the body is read, so that malformed floods are limited too.
async fn allowed(parts: &mut Parts, state: &Shared, limit: Limit) -> Result<IpAddr, ApiError> {
    let Source(source) = Source::from_request_parts(parts, state).await?;
    limited(parts, state, limit, source)?;
    Ok(source)
}

/// Extractors of a request's source within its route's rate limit: one
/// per class of route, named in each handler's arguments before anything
/// else is read.
macro_rules! within_limit {
    ($($(#[$doc:meta])* $name:ident => $limit:ident;)*) => {$(
        $(#[$doc])*
        pub struct $name(pub IpAddr);

        impl FromRequestParts<Shared> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &Shared,
            ) -> Result<Self, ApiError> {
                allowed(parts, state, Limit::$limit).await.map(Self)
            }
        }
    )*};
}

within_limit! {
    /// A session request's source, within its rate limit.
    RequestAllowed => Request;
    /// A short-id lookup's source, within its rate limit.
    LookupAllowed => Lookup;
    /// A verification's source, within its rate limit.
    VerifyAllowed => Verify;
    /// A session read's source, within its rate limit.
    ReadAllowed => Read;
    /// A long poll's source, within its rate limit.
    WaitAllowed => Wait;
    /// A signed statement's source, within its rate limit.
    StatementAllowed => Statement;
    /// An account call's source, within its rate limit.
    AccountAllowed => Account;
}

async fn request_login(
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

/// The narrowing a query asks for. Its tokens are in the query string, so
/// a bad one is a bad query (not a bad field of a body).
fn narrowing(query: &NarrowingQuery) -> Result<Narrowing, ApiError> {
    query
        .to_narrowing()
        .map_err(|e| ApiError::new(ErrorCode::BadQuery, e.to_string()))
}

fn query<T: serde::de::DeserializeOwned>(
    query: Result<Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::new(ErrorCode::BadQuery, e.body_text()))
}

/// A short uid as typed in a path or a query.
fn short_uid(text: &str) -> Result<ShortUid, ApiError> {
    ShortUid::parse(text).map_err(|e| ApiError::new(e.code(), e.to_string()))
}

async fn session(
    State(state): State<Shared>,
    ReadAllowed(_): ReadAllowed,
    SessionUid(uid): SessionUid,
    params: Result<Query<NarrowingQuery>, axum::extract::rejection::QueryRejection>,
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

async fn load_by_short_uid(
    State(state): State<Shared>,
    LookupAllowed(_): LookupAllowed,
    params: Result<Query<ShortUidQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<SessionList>, ApiError> {
    let params = query(params)?;
    let short = short_uid(&params.short_uid)?;
    let narrowing = narrowing(&params.narrowing)?;
    let sessions = sessions::load_by_short_uid(&state, short, params.status, &narrowing).await?;
    Ok(Json(SessionList { sessions }))
}

async fn wait(
    State(state): State<Shared>,
    WaitAllowed(source): WaitAllowed,
    SessionUid(uid): SessionUid,
    query: Result<Query<WaitQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, ApiError> {
    let query = self::query(query)?;
    // Bounded here, so no deadline computed from it can overflow however
    // long the configuration allows.
    let timeout = Duration::from_secs(query.timeout_s).min(LONGEST_WAIT);
    let kept = sessions::wait(&state, uid, query.status, timeout, source).await?;
    Ok(json_answer(kept.json()))
}

async fn act(
    State(state): State<Shared>,
    StatementAllowed(source): StatementAllowed,
    SessionUid(uid): SessionUid,
    Body(body): Body<AttestedStatement>,
) -> Result<Json<LoginSession>, ApiError> {
    let acted =
        sessions::act_attested(&state, uid, &body.signed, body.assertion.as_ref(), source).await;
    Ok(Json(counted(&state, acted)?))
}

async fn approval(
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

async fn verify_authorisation(
    State(state): State<Shared>,
    VerifyAllowed(_): VerifyAllowed,
    Body(request): Body<VerifyAuthorisation>,
) -> Result<Json<VerifiedAuthorisation>, ApiError> {
    Ok(Json(authorisations::verify(&state, &request).await?))
}

async fn invite(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    Body(body): Body<AttestedStatement>,
) -> Result<impl IntoResponse, ApiError> {
    let invited = accounts::invite(&state, &body.signed, body.assertion.as_ref()).await;
    let enrollment_url = counted(&state, invited)?;
    Ok((StatusCode::CREATED, Json(Invite { enrollment_url })))
}

/// Who an enrollment link is for. The token comes in the body: no path
/// holds it, so no access log does.
async fn enrollment(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    Body(body): Body<LookupEnrollment>,
) -> Result<Json<EnrollmentInfo>, ApiError> {
    let user = accounts::enrollment(&state, &body.token).await?;
    Ok(Json(EnrollmentInfo {
        user_uid: user.uid,
        username: user.username,
    }))
}

async fn enroll(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<RedeemEnrollment>,
) -> Result<impl IntoResponse, ApiError> {
    let device =
        accounts::enroll_with_token(&state, &body.token, &body.proof, source.to_string()).await;
    let device = counted(&state, device)?;
    Ok((StatusCode::CREATED, Json(device)))
}

async fn enroll_by_device(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<SponsoredEnrollment>,
) -> Result<impl IntoResponse, ApiError> {
    let device =
        accounts::enroll_by_device(&state, &body.sponsor, &body.proof, source.to_string()).await;
    let device = counted(&state, device)?;
    Ok((StatusCode::CREATED, Json(device)))
}

async fn revoke(
    State(state): State<Shared>,
    AccountAllowed(source): AccountAllowed,
    Body(body): Body<AttestedStatement>,
) -> Result<Response, ApiError> {
    let assertion = body.assertion.as_ref();
    let revoked = accounts::revoke(&state, &body.signed, assertion, source.to_string()).await;
    // A revocation that waits out its delay is accepted, not done.
    Ok(match counted(&state, revoked)? {
        answer @ RevokeAnswer::Revoked(_) => Json(answer).into_response(),
        answer @ RevokeAnswer::Pending(_) => (StatusCode::ACCEPTED, Json(answer)).into_response(),
    })
}

async fn account(
    State(state): State<Shared>,
    AccountAllowed(_): AccountAllowed,
    page: Result<Query<PageQuery>, axum::extract::rejection::QueryRejection>,
    Body(signed): Body<SignedStatement>,
) -> Result<Json<AccountView>, ApiError> {
    let page = crate::account_routes::page(page)?;
    Ok(Json(counted(
        &state,
        accounts::read(&state, &signed, page.before.as_deref()).await,
    )?))
}
