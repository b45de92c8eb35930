//! The driver of the core's pure [`SessionWatch`] over HTTP, for a relying
//! party (and the bench, which measures one): it reads the session once,
//! then a task of its own long-polls `GET /api/sessions/{uid}/wait` with the
//! watch's query and feeds every answer to the watch, so that tokens are
//! verified with no round trip per request and refused from the moment the
//! session is logged out, reported suspicious or expired.
//!
//! [`Watched`] is the view request handlers verify against: cheap to clone,
//! usable from any thread, and it tells its holders when the status changes.
//! [`Watcher`] owns the long-poll task and stops it when dropped. The task
//! is paced by the core's `Polling` (as the npm package's and the web
//! app's watches are): if the service cannot be reached it retries after a
//! pause, and the watch refuses every token once its `max_silence` has
//! passed: it fails closed.

use countersign_core::api::paths;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use chrono::{DateTime, Utc};
use countersign_core::api::ErrorBody;
use countersign_core::client::{Failure, Next, OtherSession, PollPolicy, Polling, Refusal};
use countersign_core::{
    Expectation, Identity, LoginSession, SessionWatch, SignedAuthorisation, Status, WatchError,
    WatchPolicy,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::calls::{read_session, session_of};
use crate::client::{Conn, Response};
use crate::clock;

/// How long past the long poll's own timeout its answer may take before the
/// connection is taken for lost.
const ANSWER_MARGIN: Duration = Duration::from_secs(10);

/// The watch as every holder sees it.
#[derive(Debug, Clone)]
pub struct Watched {
    watch: Arc<RwLock<SessionWatch>>,
    changes: watch::Receiver<Status>,
}

/// The writing side: the long-poll task's.
#[derive(Debug)]
struct Feed {
    watch: Arc<RwLock<SessionWatch>>,
    changes: watch::Sender<Status>,
}

impl Feed {
    fn new(watch: SessionWatch) -> (Self, Watched) {
        let (changes, seen) = watch::channel(watch.session().status());
        let watch = Arc::new(RwLock::new(watch));
        let view = Watched {
            watch: Arc::clone(&watch),
            changes: seen,
        };
        (Self { watch, changes }, view)
    }

    /// Feeds the service's answer at `now` to the watch and tells the
    /// holders if the status changed.
    fn take(&self, session: LoginSession, now: DateTime<Utc>) -> Result<Taken, OtherSession> {
        let (changed, status, is_final) = {
            let mut watch = self.watch.write().unwrap_or_else(PoisonError::into_inner);
            let changed = watch.update(session, now)?;
            (changed, watch.session().status(), watch.is_final())
        };
        // Sent after the lock is let go, so that a holder woken by it reads
        // the new session at once.
        self.changes.send_if_modified(|seen| {
            let changed = *seen != status;
            *seen = status;
            changed
        });
        Ok(Taken { changed, is_final })
    }

    /// The query string of the next long poll.
    fn wait_query(&self) -> countersign_core::api::WaitQuery {
        self.watch
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .wait_query()
    }
}

/// What an answer did to the watch.
#[derive(Debug, Clone, Copy)]
struct Taken {
    /// The status changed.
    changed: bool,
    /// The session is final: nothing can change any more.
    is_final: bool,
}

impl Watched {
    /// A view of `watch` that nothing keeps current: it refuses every token
    /// once the watch's `max_silence` has passed, as any watch that hears
    /// nothing does. For figures measured in-process, and tests.
    pub fn fixed(watch: SessionWatch) -> Self {
        Feed::new(watch).1
    }

    fn read(&self) -> RwLockReadGuard<'_, SessionWatch> {
        self.watch.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Checks a token against the session as last seen, now.
    pub fn verify(
        &self,
        token: &SignedAuthorisation,
        expected: &Expectation<'_>,
    ) -> Result<Identity, WatchError> {
        self.verify_at(token, expected, clock::now())
    }

    /// Checks a token against the session as last seen, at `now`.
    pub fn verify_at(
        &self,
        token: &SignedAuthorisation,
        expected: &Expectation<'_>,
        now: DateTime<Utc>,
    ) -> Result<Identity, WatchError> {
        self.read().verify(token, expected, now)
    }

    /// The session as last seen.
    pub fn session(&self) -> LoginSession {
        self.read().session().clone()
    }

    /// Waits until the session's status differs from the one this holder
    /// last saw, and answers it; an error once nothing keeps the watch
    /// current any more (its task ended or it never had one).
    pub async fn changed(&mut self) -> Result<Status, String> {
        self.changes
            .changed()
            .await
            .map_err(|_| "the session is no longer watched".to_owned())?;
        Ok(*self.changes.borrow_and_update())
    }
}

/// A watch kept current by a long-poll task, stopped when this is dropped.
#[derive(Debug)]
pub struct Watcher {
    watched: Watched,
    task: JoinHandle<()>,
}

impl Watcher {
    /// Reads session `uid` from the service at `addr` and starts keeping it
    /// current. Fails if the first read does: there is nothing to watch.
    pub async fn start(addr: SocketAddr, uid: Uuid, policy: WatchPolicy) -> Result<Self, String> {
        let mut conn = Conn::open(addr).await?;
        let session = read_session(&mut conn, uid).await?;
        let (feed, watched) = Feed::new(SessionWatch::new(session, clock::now(), policy));
        let task = tokio::spawn(keep_current(addr, conn, uid, feed));
        Ok(Self { watched, task })
    }

    /// The view to verify against; clone it for each holder.
    pub fn watched(&self) -> &Watched {
        &self.watched
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The long-poll loop: every answer goes to the watch, and the core's
/// `Polling` says whether to ask again at once, pause or stop; after a
/// failure (no answer, a refusal, a malformed or foreign session) the next
/// poll goes on a fresh connection to `addr`. It ends when the session is
/// final or the service refuses for good.
async fn keep_current(addr: SocketAddr, mut conn: Conn, uid: Uuid, feed: Feed) {
    let mut polling = Polling::new(PollPolicy::default());
    loop {
        let query = feed.wait_query();
        let path = format!("{}?{}", paths::session_wait(uid), query.to_query());
        let limit = Duration::from_secs(query.timeout_s).saturating_add(ANSWER_MARGIN);
        let asked = clock::now();
        let answered = conn.request("GET", &path, b"", limit).await;
        let now = clock::now();
        let taken = answered
            .map_err(|_| Failure::Network)
            .and_then(|answer| session_in(&answer, uid))
            .and_then(|session| feed.take(session, now).map_err(|_| Failure::Unreadable));
        let next = match &taken {
            Ok(Taken { is_final: true, .. }) => return,
            Ok(taken) => polling.after_answer(taken.changed, asked, now),
            Err(failure) => polling.after_failure(failure),
        };
        match next {
            Next::Again => {}
            Next::Pause(pause) => tokio::time::sleep(pause).await,
            // The watch fails closed once it has been silent for too long.
            Next::Stop => return,
        }
        if taken.is_err() {
            // A connection that failed is in an unknown state, so the next
            // poll goes on a new one; if none can be opened now, that poll
            // fails too and this is tried again after the next pause.
            if let Ok(fresh) = Conn::open(addr).await {
                conn = fresh;
            }
        }
    }
}

/// The session in a long poll's answer, or the failure the core's
/// `Polling` judges: the service's refusal when the answer holds its error
/// body, else an unreadable answer. The bench's client keeps no headers, so
/// a refusal has no `Retry-After` here and the back-off alone paces a 429.
fn session_in(answer: &Response, uid: Uuid) -> Result<LoginSession, Failure> {
    if answer.status != 200 {
        return Err(serde_json::from_slice::<ErrorBody>(&answer.body)
            .map_or(Failure::Unreadable, |body| {
                Failure::Service(Refusal::new(answer.status, body, None))
            }));
    }
    session_of(answer, uid).map_err(|_| Failure::Unreadable)
}

#[cfg(test)]
#[path = "watch_tests.rs"]
mod tests;
