//! The service's API as the bench calls it: asking for sessions, approving
//! them, and reading how many requesters are waiting.

use countersign_core::ShortUid;
use countersign_core::api::paths;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use uuid::Uuid;

use countersign_core::{Keypair, LoginSession, VerificationCode};
use serde_json::{Value, json};

use crate::client::{Conn, Response};
use crate::clock;
use crate::device::Device;
use crate::load::{Step, timed};

/// The longest any one ordinary request may take.
pub const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// The longest making a batch of sessions may take.
const CREATE_LIMIT: Duration = Duration::from_secs(180);

/// A session the bench asked for, with the code the requester was given
/// (the approver types it: the approval page does not show it).
#[derive(Debug, Clone)]
pub struct Created {
    pub uid: Uuid,
    pub short_uid: ShortUid,
    pub code: VerificationCode,
}

impl Created {
    fn from_answer(answer: &Response) -> Result<Self, String> {
        let json = answer.json()?;
        let text = |key: &str| {
            json.get(key)
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| format!("POST /api/sessions answered without {key}"))
        };
        let code = json
            .get("verification_code")
            .and_then(Value::as_u64)
            .and_then(|n| u8::try_from(n).ok())
            .and_then(|n| VerificationCode::new(n).ok())
            .ok_or("POST /api/sessions answered without a verification_code")?;
        let uid = text("uid")?;
        let short_uid = text("short_uid")?;
        Ok(Self {
            uid: Uuid::parse_str(&uid)
                .map_err(|_| format!("POST /api/sessions answered the uid {uid:?}"))?,
            short_uid: ShortUid::parse(&short_uid)
                .map_err(|_| format!("POST /api/sessions answered the short uid {short_uid:?}"))?,
            code,
        })
    }
}

/// One login request body per connection, each with its own requester
/// keys, made before the clock starts so the loops time the server.
pub fn request_bodies(username: &str, count: usize) -> Result<Arc<Vec<Vec<u8>>>, String> {
    let names = vec![username.to_owned(); count.max(1)];
    bodies_for(&names)
}

/// Usernames in the crowd the request loops ask logins for.
pub const CROWD: usize = 1_024;

/// Login request bodies for [`CROWD`] usernames made from `prefix`
/// (which need not be users: anyone may ask for a login for any name).
/// The service caps the requests pending per username and counts them on
/// every request, so the request loops ask for many users, as a real
/// service's logins come, rather than piling tens of thousands on one.
pub fn crowd_bodies(prefix: &str) -> Result<Arc<Vec<Vec<u8>>>, String> {
    let names: Vec<String> = (0..CROWD).map(|n| format!("{prefix}-{n}")).collect();
    bodies_for(&names)
}

fn bodies_for(usernames: &[String]) -> Result<Arc<Vec<Vec<u8>>>, String> {
    let mut bodies = Vec::with_capacity(usernames.len());
    for username in usernames {
        let key = Keypair::from_seed(&clock::random()?);
        let cert = Keypair::from_seed(&clock::random()?);
        let body = json!({
            "username": username,
            "public_key": key.public_key(),
            "public_certificate": cert.public_key(),
        });
        bodies.push(body.to_string().into_bytes());
    }
    Ok(Arc::new(bodies))
}

/// The body `worker` of `workers` sends as its `i`th request: the workers
/// take the bodies in turn, so that every body (and every username of a
/// crowd) is used as often as the others.
pub fn body_for(
    bodies: &[Vec<u8>],
    worker: usize,
    i: u64,
    workers: usize,
) -> Result<&[u8], String> {
    let turn = usize::try_from(i)
        .unwrap_or(usize::MAX)
        .wrapping_mul(workers)
        .wrapping_add(worker);
    bodies
        .get(turn % bodies.len().max(1))
        .map(Vec::as_slice)
        .ok_or_else(|| "no request body".to_owned())
}

/// Enrolls `device` with the one-time link token of its user.
pub async fn enroll(conn: &mut Conn, device: &Device, token: &str) -> Result<(), String> {
    let proof: Value = serde_json::from_slice(&device.enrollment()?)
        .map_err(|e| format!("cannot read the enrollment back: {e}"))?;
    // The token goes in the body: no path the service logs holds it.
    let body = json!({"token": token, "proof": proof}).to_string();
    conn.request(
        "POST",
        paths::ENROLLMENT_REDEEM,
        body.as_bytes(),
        REQUEST_LIMIT,
    )
    .await?
    .expect_status(201, "POST /api/enrollments/redeem")?;
    Ok(())
}

pub async fn create_session(conn: &mut Conn, body: &[u8]) -> Result<Created, String> {
    let answer = conn
        .request("POST", paths::SESSIONS, body, REQUEST_LIMIT)
        .await?
        .expect_status(201, "POST /api/sessions")?;
    Created::from_answer(&answer)
}

/// Makes `count` sessions over `concurrency` connections, within
/// `CREATE_LIMIT`.
pub async fn create_many(
    addr: SocketAddr,
    concurrency: usize,
    bodies: &Arc<Vec<Vec<u8>>>,
    count: usize,
) -> Result<Vec<Created>, String> {
    let made = Arc::new(Mutex::new(Vec::with_capacity(count)));
    let tickets = Arc::new(AtomicUsize::new(0));
    let (bodies, sink) = (Arc::clone(bodies), Arc::clone(&made));
    timed(
        addr,
        concurrency.min(count.max(1)),
        CREATE_LIMIT,
        move |mut conn, _, _| {
            let (bodies, made, tickets) =
                (Arc::clone(&bodies), Arc::clone(&sink), Arc::clone(&tickets));
            async move {
                let ticket = tickets.fetch_add(1, Ordering::Relaxed);
                if ticket >= count {
                    return Ok(Step::NoMoreWork);
                }
                let body = bodies.get(ticket % bodies.len()).ok_or("no request body")?;
                let created = create_session(&mut conn, body).await?;
                made.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(created);
                Ok(Step::Done(conn))
            }
        },
    )
    .await?;
    let made = std::mem::take(&mut *made.lock().unwrap_or_else(PoisonError::into_inner));
    if made.len() < count {
        return Err(format!(
            "made only {} of {count} sessions within {} s",
            made.len(),
            CREATE_LIMIT.as_secs()
        ));
    }
    Ok(made)
}

/// The approval page of `session` and the device's signed approval of it.
pub async fn approval_of(
    conn: &mut Conn,
    device: &Device,
    session: &Created,
) -> Result<(uuid::Uuid, Vec<u8>), String> {
    let page = conn
        .request(
            "GET",
            &paths::approval(session.short_uid),
            b"",
            REQUEST_LIMIT,
        )
        .await?
        .expect_status(200, "GET /api/approvals/{short_uid}")?;
    device.approval(&page, session.code)
}

/// Sends a signed approval of the session `uid` and checks it took.
pub async fn send_approval(
    conn: &mut Conn,
    uid: uuid::Uuid,
    approval: &[u8],
) -> Result<(), String> {
    let answer = conn
        .request(
            "POST",
            &paths::session_statements(uid),
            approval,
            REQUEST_LIMIT,
        )
        .await?
        .expect_status(200, "POST /api/sessions/{uid}/statements")?;
    expect_session_status(&answer, "approved", "the approval's answer")
}

/// Reads the approval page of `session` and sends its signed approval.
pub async fn approve(conn: &mut Conn, device: &Device, session: &Created) -> Result<(), String> {
    let (uid, approval) = approval_of(conn, device, session).await?;
    send_approval(conn, uid, &approval).await
}

pub fn expect_session_status(answer: &Response, expected: &str, what: &str) -> Result<(), String> {
    let json = answer.json()?;
    match json.get("status").and_then(Value::as_str) {
        Some(status) if status == expected => Ok(()),
        other => Err(format!(
            "{what} has status {other:?}, expected {expected:?}: {}",
            answer.snippet()
        )),
    }
}

/// The session `uid` as the service answers it to anyone who asks.
pub async fn read_session(conn: &mut Conn, uid: uuid::Uuid) -> Result<LoginSession, String> {
    let answer = conn
        .request("GET", &paths::session(uid), b"", REQUEST_LIMIT)
        .await?;
    session_of(&answer, uid)
}

/// The session in a `GET /api/sessions/{uid}` or `/wait` answer, which must
/// be about `uid`.
pub fn session_of(answer: &Response, uid: uuid::Uuid) -> Result<LoginSession, String> {
    if answer.status != 200 {
        return Err(format!(
            "session {uid}: the service answered {}: {}",
            answer.status,
            answer.snippet()
        ));
    }
    let text = std::str::from_utf8(&answer.body)
        .map_err(|_| format!("session {uid}: the answer is not UTF-8"))?;
    let session =
        LoginSession::from_json(text).map_err(|e| format!("session {uid}: the answer: {e}"))?;
    if session.uid() != uid {
        return Err(format!("asked for session {uid}, got {}", session.uid()));
    }
    Ok(session)
}

/// The server's count of sessions with a requester waiting, from /metrics;
/// `None` if it does not publish one.
async fn waiting_sessions(conn: &mut Conn) -> Result<Option<u64>, String> {
    let answer = conn
        .request("GET", "/metrics", b"", REQUEST_LIMIT)
        .await?
        .expect_status(200, "GET /metrics")?;
    let text = String::from_utf8_lossy(&answer.body);
    Ok(text
        .lines()
        .find_map(|line| line.strip_prefix("countersign_waiting_sessions "))
        .and_then(|n| n.trim().parse().ok()))
}

/// Waits until the server counts at least `count` waiting sessions, within
/// `limit`. Without the metric, waits `fallback` instead.
pub async fn until_waiting(
    conn: &mut Conn,
    count: u64,
    limit: Duration,
    fallback: Duration,
    pause: Duration,
) -> Result<(), String> {
    let start = clock::instant();
    loop {
        match waiting_sessions(conn).await? {
            None => {
                tokio::time::sleep(fallback).await;
                return Ok(());
            }
            Some(n) if n >= count => return Ok(()),
            Some(n) if start.elapsed() >= limit => {
                return Err(format!(
                    "only {n} of {count} requesters were waiting after {} s",
                    limit.as_secs()
                ));
            }
            Some(_) => tokio::time::sleep(pause).await,
        }
    }
}
