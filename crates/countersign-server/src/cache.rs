//! The sessions this instance has read or written recently, so that status
//! reads and long polls do not go to the database each time.
//!
//! It stays true because every change goes through a compare-and-set on the
//! row version: this instance updates the cache when its own change wins,
//! forgets an entry when its change loses (someone else changed the row),
//! and, on PostgreSQL, forgets an entry when another instance announces a
//! change (and everything when the announcements may have been missed). A
//! stale entry can therefore only answer a read for the moment a NOTIFY is in
//! flight; it can never make a change win.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use uuid::Uuid;

use crate::store::Versioned;

/// How many sessions are kept before the cache starts over.
const CAPACITY: usize = 50_000;

/// Recently seen sessions by uid.
#[derive(Debug, Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<Uuid, Versioned>>,
    lookups: AtomicU64,
}

impl SessionCache {
    /// The cached session, if any.
    pub fn get(&self, uid: Uuid) -> Option<Versioned> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&uid)
            .cloned()
    }

    /// How many times a session was looked up here, found or not: every
    /// read of a session by uid starts here, so this counts them (a long
    /// poll that reads its session over and over shows up in it).
    pub fn lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Keeps a session read from or written to the store, unless a newer
    /// version is already kept.
    pub fn put(&self, found: &Versioned) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY {
            entries.clear();
        }
        let uid = found.session.uid();
        if entries
            .get(&uid)
            .is_none_or(|kept| kept.version < found.version)
        {
            entries.insert(uid, found.clone());
        }
    }

    /// Forgets one session: it changed elsewhere.
    pub fn forget(&self, uid: Uuid) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&uid);
    }

    /// Forgets everything: changes may have been missed.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
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
        cache.put(&versioned(2));
        cache.put(&versioned(1));
        assert_eq!(cache.get(uid).map(|v| v.version), Some(2));
        cache.forget(uid);
        assert!(cache.get(uid).is_none());
        cache.put(&versioned(3));
        cache.clear();
        assert!(cache.get(uid).is_none());
    }
}
