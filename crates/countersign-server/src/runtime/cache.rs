//! The sessions this instance has read or written recently, so that status
//! reads and long polls do not go to the database each time.
//!
//! It stays true because every change goes through a compare-and-set on the
//! row version, and the cache never goes back a version:
//! - a change of this instance that wins is kept at its new version; one
//!   that loses records that the stored version is past the one it named,
//!   and the row is read again;
//! - on PostgreSQL, every change is announced with its new version, and
//!   the announcement records a floor: "the stored version is at least V".
//!   A cached older version is dropped, and a read that was in flight when
//!   the announcement arrived cannot put its older version back;
//! - on SQLite, a change another process made to the file (an operator's
//!   `admin` command) is found by `sqlite_watch` in the audit log and
//!   raises the same floor;
//! - when announcements may have been missed (the LISTEN connection or the
//!   SQLite watch's was lost, or the cache starts over when full),
//!   everything is forgotten and an epoch moves on: whatever was read or
//!   written before cannot be put back, since it may predate a change no
//!   one heard of.
//!
//! So an instance answers a status older than the stored one only while an
//! announcement is in flight; and a stale entry can never make a change
//! win, since the compare-and-set names the version.
//!
//! A kept session also keeps its JSON once a read asked for it, made once
//! per version: a status read is then a lookup and a reference count, with
//! no serializing and no allocation the size of the answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use axum::body::Bytes;
use uuid::Uuid;

use crate::store::Versioned;

/// How many sessions (and floors) are kept before the cache starts over.
const CAPACITY: usize = 50_000;

/// A session at one version, shared by the cache and its readers, with
/// its JSON made on the first read that asks for it. Never changed once
/// made: a new version is a new `Kept`, so the JSON always matches.
#[derive(Debug)]
pub struct Kept {
    /// The session and its version.
    pub found: Versioned,
    json: OnceLock<Bytes>,
}

impl Kept {
    /// A session at a version, its JSON not made yet.
    pub fn new(found: Versioned) -> Self {
        Self {
            found,
            json: OnceLock::new(),
        }
    }

    /// The session's JSON, as `GET /api/sessions/{uid}` answers it: made
    /// the first time (made lazily, so sessions no one reads, such as the
    /// many a burst of requests leaves, cost no memory for it), then a
    /// reference count each time.
    pub fn json(&self) -> Bytes {
        self.json
            .get_or_init(|| Bytes::from(self.found.session.to_json()))
            .clone()
    }
}

/// What is known of one session.
#[derive(Debug, Clone)]
enum Entry {
    /// The session at a version no older than any floor heard of (behind
    /// a pointer: floors, the many, stay small; shared, so a read clones
    /// nothing).
    Known(Arc<Kept>),
    /// Only that the stored version is at least this.
    Floor(i64),
}

#[derive(Debug, Default)]
struct Inner {
    entries: HashMap<Uuid, Entry>,
    /// Moves on each time everything is forgotten.
    epoch: u64,
}

/// Recently seen sessions by uid.
#[derive(Debug, Default)]
pub struct SessionCache {
    inner: Mutex<Inner>,
    lookups: AtomicU64,
}

/// Taken before a session is read from or written to the store, and given
/// back with what was read or written: if everything was forgotten in
/// between, what it brings is not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket(u64);

impl SessionCache {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A copy of the cached session, if any.
    pub fn get(&self, uid: Uuid) -> Option<Versioned> {
        self.kept(uid).map(|kept| kept.found.clone())
    }

    /// The cached session, if any, shared.
    pub fn kept(&self, uid: Uuid) -> Option<Arc<Kept>> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        match self.inner().entries.get(&uid) {
            Some(Entry::Known(kept)) => Some(Arc::clone(kept)),
            Some(Entry::Floor(_)) | None => None,
        }
    }

    /// How many times a session was looked up here, found or not: every
    /// read of a session by uid starts here, so this counts them (a long
    /// poll that reads its session over and over shows up in it).
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// A ticket to take before reading or writing a session in the store.
    pub fn ticket(&self) -> Ticket {
        Ticket(self.inner().epoch)
    }

    /// Keeps a session read from or written to the store since `ticket`
    /// was taken, unless everything was forgotten since, or a version as
    /// new is kept, or the stored version is known to be newer.
    pub fn put(&self, ticket: Ticket, found: &Versioned) {
        self.keep(ticket, &Arc::new(Kept::new(found.clone())));
    }

    /// [`SessionCache::put`] of a session its caller holds shared: what a
    /// read made, so that the JSON the reader makes is the cache's too.
    pub fn keep(&self, ticket: Ticket, kept: &Arc<Kept>) {
        let found = &kept.found;
        let mut inner = self.inner();
        if ticket.0 != inner.epoch {
            // What was read or written before everything was forgotten may
            // be older than a change missed since, so it is not kept; but
            // the store held at least this version, which is still true,
            // and it must push out an older copy that a reader put back in
            // the meantime.
            drop(inner);
            self.at_least(found.session.uid(), found.version);
            return;
        }
        if inner.entries.len() >= CAPACITY {
            forget_all(&mut inner);
            return;
        }
        let uid = found.session.uid();
        let newer = match inner.entries.get(&uid) {
            Some(Entry::Known(before)) => before.found.version < found.version,
            Some(Entry::Floor(floor)) => *floor <= found.version,
            None => true,
        };
        if newer {
            inner.entries.insert(uid, Entry::Known(Arc::clone(kept)));
        }
    }

    /// Records that the stored version of `uid` is at least `version`: an
    /// older one kept is dropped, and an older one is never put back.
    pub fn at_least(&self, uid: Uuid, version: i64) {
        let mut inner = self.inner();
        if inner.entries.len() >= CAPACITY {
            forget_all(&mut inner);
        }
        match inner.entries.get_mut(&uid) {
            Some(Entry::Known(kept)) if kept.found.version >= version => {}
            Some(Entry::Floor(floor)) => *floor = (*floor).max(version),
            Some(Entry::Known(_)) | None => {
                inner.entries.insert(uid, Entry::Floor(version));
            }
        }
    }

    /// Forgets one session, with nothing known of its version (an
    /// announcement from an instance too old to name it).
    pub fn forget(&self, uid: Uuid) {
        self.inner().entries.remove(&uid);
    }

    /// Forgets everything: changes may have been missed, so nothing read
    /// or written before is kept either.
    pub fn clear(&self) {
        forget_all(&mut self.inner());
    }
}

fn forget_all(inner: &mut Inner) {
    inner.entries.clear();
    inner.epoch = inner.epoch.wrapping_add(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use countersign_core::{Keypair, LoginRequest, LoginSession, TokenSet, Username};

    fn versioned(version: i64) -> Versioned {
        let request = LoginRequest {
            username: Username::new("ada").unwrap(),
            public_key: Keypair::from_seed(&[1; 32]).public_key(),
            public_cert: Keypair::from_seed(&[2; 32]).public_key(),
            hostname: None,
            login_message: None,
            scope: TokenSet::empty(),
            permissions: TokenSet::empty(),
        };
        let session = LoginSession::request(
            request,
            countersign_core::uid_from_random([3; 16]),
            "127.0.0.1".parse().unwrap(),
            chrono::DateTime::UNIX_EPOCH,
            countersign_core::DEFAULT_TTL,
        )
        .unwrap();
        Versioned { session, version }
    }

    #[test]
    fn keeps_the_newest_version_and_forgets_on_request() {
        let cache = SessionCache::default();
        let uid = versioned(1).session.uid();
        cache.put(cache.ticket(), &versioned(2));
        cache.put(cache.ticket(), &versioned(1));
        assert_eq!(cache.get(uid).map(|v| v.version), Some(2));
        cache.forget(uid);
        assert!(cache.get(uid).is_none());
        cache.put(cache.ticket(), &versioned(3));
        cache.clear();
        assert!(cache.get(uid).is_none());
    }

    #[test]
    fn the_json_kept_is_made_once_and_is_that_of_the_version_kept() {
        let cache = SessionCache::default();
        let pending = versioned(1);
        let uid = pending.session.uid();
        cache.put(cache.ticket(), &pending);
        let first = cache.kept(uid).unwrap().json();
        assert_eq!(first, pending.session.to_json().as_bytes());
        let again = cache.kept(uid).unwrap().json();
        assert_eq!(again.as_ptr(), first.as_ptr(), "made once, then shared");

        let mut expired = versioned(2);
        let later = chrono::DateTime::UNIX_EPOCH + chrono::TimeDelta::minutes(11);
        expired.session.expire(later).unwrap();
        cache.put(cache.ticket(), &expired);
        let now: serde_json::Value =
            serde_json::from_slice(&cache.kept(uid).unwrap().json()).unwrap();
        assert_eq!(now["status"], "expired");
        let before: serde_json::Value = serde_json::from_slice(&first).unwrap();
        assert_eq!(before["status"], "pending", "an answer already made stays");
    }

    #[test]
    fn a_put_older_than_a_floor_is_ignored() {
        let cache = SessionCache::default();
        let uid = versioned(1).session.uid();
        cache.put(cache.ticket(), &versioned(4));
        cache.at_least(uid, 6);
        assert!(
            cache.get(uid).is_none(),
            "version 4 is older than the floor"
        );
        cache.put(cache.ticket(), &versioned(5));
        assert!(
            cache.get(uid).is_none(),
            "a put of version 5 after a floor of 6"
        );
        cache.put(cache.ticket(), &versioned(6));
        assert_eq!(cache.get(uid).map(|v| v.version), Some(6));
        cache.at_least(uid, 6);
        cache.at_least(uid, 2);
        assert_eq!(cache.get(uid).map(|v| v.version), Some(6), "not newer");
    }

    #[test]
    fn nothing_read_before_everything_was_forgotten_is_kept() {
        let cache = SessionCache::default();
        let uid = versioned(1).session.uid();
        let before = cache.ticket();
        cache.clear();
        cache.put(before, &versioned(1));
        assert!(cache.get(uid).is_none());
        cache.put(cache.ticket(), &versioned(2));
        assert_eq!(cache.get(uid).map(|v| v.version), Some(2));
    }

    #[test]
    fn a_write_from_before_everything_was_forgotten_pushes_out_an_older_read() {
        // A writer takes its ticket, everything is forgotten, a reader puts
        // back the version before the write, then the write lands: the
        // older copy must not be answered.
        let cache = SessionCache::default();
        let uid = versioned(1).session.uid();
        let writer = cache.ticket();
        cache.clear();
        cache.put(cache.ticket(), &versioned(1));
        cache.put(writer, &versioned(2));
        assert!(
            cache.get(uid).is_none(),
            "version 1 is older than the write"
        );
        cache.put(cache.ticket(), &versioned(2));
        assert_eq!(cache.get(uid).map(|v| v.version), Some(2));
    }
}
