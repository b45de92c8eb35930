//! How soon a watching relying party refuses tokens once a session is
//! logged out: `SESSIONS` approved sessions, each watched by a [`Watcher`]
//! (all long-polling at once), are logged out one at a time by their
//! requester, and each time the clock runs from sending the logout until
//! that session's watch first refuses a token it accepted before.

use countersign_core::api::paths;
use std::net::SocketAddr;
use std::time::Duration;

use countersign_core::{AuthorisationError, Expectation, WatchError, WatchPolicy};
use uuid::Uuid;

use crate::calls::{self, REQUEST_LIMIT, create_session, expect_session_status, until_waiting};
use crate::client::Conn;
use crate::device::Device;
use crate::load::percentile;
use crate::requester::{RESOURCE, Requester};
use crate::watch::{Watched, Watcher};
use crate::{clock, progress};

/// Sessions logged out, each timed once.
const SESSIONS: usize = 100;
/// The longest a watch may take to refuse once the logout is sent.
const REFUSAL_LIMIT: Duration = Duration::from_secs(10);

/// A session being watched, with what its requester needs to log it out.
struct Watching {
    uid: Uuid,
    requester: Requester,
    watcher: Watcher,
}

/// The 50th and 99th percentiles, in milliseconds, of the time from sending
/// a logout to the first refusal by the session's watch.
pub async fn percentiles(
    stage: &str,
    addr: SocketAddr,
    device: &Device,
    username: &str,
) -> Result<(f64, f64), String> {
    progress(
        stage,
        format_args!("approving and watching {SESSIONS} sessions"),
    );
    let mut conn = Conn::open(addr).await?;
    let mut watching = Vec::with_capacity(SESSIONS);
    for _ in 0..SESSIONS {
        let requester = Requester::new()?;
        let created = create_session(&mut conn, &requester.request_body(username)).await?;
        calls::approve(&mut conn, device, &created).await?;
        let uid = created.uid;
        let watcher = Watcher::start(addr, uid, WatchPolicy::default()).await?;
        watching.push(Watching {
            uid,
            requester,
            watcher,
        });
    }
    // Every watch is long-polling before the first logout, as a relying
    // party's would be by then.
    let count = u64::try_from(SESSIONS).unwrap_or(u64::MAX);
    let mut metrics = Conn::open(addr).await?;
    until_waiting(
        &mut metrics,
        count,
        Duration::from_secs(30),
        Duration::from_millis(500),
        Duration::from_millis(5),
    )
    .await?;

    let service = format!("http://{addr}");
    let mut samples = Vec::with_capacity(SESSIONS);
    for one in &watching {
        samples.push(log_out(&mut conn, one, &service).await?);
    }
    let p50 = percentile(&samples, 50.0).ok_or("no logout was measured")?;
    let p99 = percentile(&samples, 99.0).ok_or("no logout was measured")?;
    progress(
        stage,
        format_args!(
            "logout to refusal by a watching verifier: p50 {p50:.2} ms, p99 {p99:.2} ms \
             over {} sessions",
            samples.len()
        ),
    );
    Ok((p50, p99))
}

/// Logs `one` out and answers the milliseconds from sending the logout to
/// its watch's first refusal of a token it accepted just before.
async fn log_out(conn: &mut Conn, one: &Watching, service: &str) -> Result<f64, String> {
    let watched = one.watcher.watched().clone();
    let session = watched.session();
    let token = one.requester.authorise(&session, service)?;
    let expected = Expectation {
        service,
        resource: RESOURCE,
        body: None,
    };
    watched
        .verify(&token, &expected)
        .map_err(|e| format!("the watch refused a token before the logout: {e}"))?;
    let service_url = countersign_core::ServiceUrl::parse(service)
        .map_err(|e| format!("the bench service's URL: {e}"))?;
    let logout = one.requester.logout_body(&session, &service_url)?;

    // The verifier checks the token again each time the watch says the
    // status changed, and notes the moment it is first refused.
    let verifier = tokio::spawn(first_refusal(watched, token, service.to_owned()));
    let sent = clock::instant();
    let answer = conn
        .request(
            "POST",
            &paths::session_statements(one.uid),
            &logout,
            REQUEST_LIMIT,
        )
        .await?
        .expect_status(200, "the requester's logout")?;
    expect_session_status(&answer, "logged_out", "the logout's answer")?;
    let refused = tokio::time::timeout(REFUSAL_LIMIT, verifier)
        .await
        .map_err(|_| {
            format!(
                "the watch still accepted session {}'s token {} s after its logout",
                one.uid,
                REFUSAL_LIMIT.as_secs()
            )
        })?
        .map_err(|e| format!("the verifier failed: {e}"))??;
    Ok(refused.saturating_duration_since(sent).as_secs_f64() * 1000.0)
}

/// Verifies `token` now and on every status change until it is refused as
/// logged out; answers when.
async fn first_refusal(
    mut watched: Watched,
    token: countersign_core::SignedAuthorisation,
    service: String,
) -> Result<std::time::Instant, String> {
    let expected = Expectation {
        service: &service,
        resource: RESOURCE,
        body: None,
    };
    loop {
        match watched.verify(&token, &expected) {
            Err(WatchError::Refused(AuthorisationError::LoggedOut)) => {
                return Ok(clock::instant());
            }
            Ok(_) => {
                watched.changed().await?;
            }
            Err(other) => return Err(format!("the watch refused for another reason: {other}")),
        }
    }
}
