//! What every handler starts with: the request's source within its
//! route's rate limit, path parameters checked before the body is read,
//! query strings and a JSON body whose every failure is an [`ApiError`]
//! with a stable code.

use std::net::{IpAddr, SocketAddr};

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Path, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use countersign_core::api::{ErrorCode, NarrowingQuery};
use countersign_core::{Narrowing, ShortUid};
use uuid::Uuid;

use crate::config::Limit;
use crate::error::ApiError;
use crate::state::{AppState, Shared};

/// The largest request body accepted.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

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

/// The narrowing a query asks for. Its tokens are in the query string, so
/// a bad one is a bad query (not a bad field of a body).
pub fn narrowing(query: &NarrowingQuery) -> Result<Narrowing, ApiError> {
    query
        .to_narrowing()
        .map_err(|e| ApiError::new(ErrorCode::BadQuery, e.to_string()))
}

/// A query string, whose every failure is `bad_query`.
pub fn query<T: serde::de::DeserializeOwned>(
    query: Result<Query<T>, QueryRejection>,
) -> Result<T, ApiError> {
    query
        .map(|Query(q)| q)
        .map_err(|e| ApiError::new(ErrorCode::BadQuery, e.body_text()))
}

/// A short uid as typed in a path or a query.
pub fn short_uid(text: &str) -> Result<ShortUid, ApiError> {
    ShortUid::parse(text).map_err(|e| ApiError::new(e.code(), e.to_string()))
}

/// Counts a signed statement's refusal by its code, and passes the answer on.
pub fn counted<T>(state: &AppState, answer: Result<T, ApiError>) -> Result<T, ApiError> {
    answer.inspect_err(|error| state.metrics.statement_refused(error.code()))
}

/// A uid from a path segment.
pub fn parse_uid(text: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(text).map_err(|_| ApiError::new(ErrorCode::BadUid, "not a session uid"))
}
