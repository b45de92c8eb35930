//! Requesters waiting for a session's status to change, released the moment
//! it does. A change made by this instance wakes its waiters directly; on
//! PostgreSQL a change made by another instance arrives by LISTEN/NOTIFY and
//! wakes them the same way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;
use uuid::Uuid;

/// The sessions someone is waiting on.
#[derive(Debug, Default)]
pub struct Waiters {
    by_session: Mutex<HashMap<Uuid, Arc<Notify>>>,
}

/// A registration to be woken; it is dropped from the table with the last
/// waiter on its session.
pub struct Waiting<'a> {
    waiters: &'a Waiters,
    uid: Uuid,
    notify: Arc<Notify>,
}

impl Waiters {
    /// Registers interest in `uid`. Register before reading the status, so
    /// that a change between the read and the wait is not missed.
    pub fn register(&self, uid: Uuid) -> Waiting<'_> {
        let mut map = self
            .by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let notify = map.entry(uid).or_default().clone();
        Waiting {
            waiters: self,
            uid,
            notify,
        }
    }

    /// Wakes everyone waiting on `uid`.
    pub fn wake(&self, uid: Uuid) {
        let map = self
            .by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(notify) = map.get(&uid) {
            notify.notify_waiters();
        }
    }

    /// Wakes every waiter, to look at its session again.
    pub fn wake_all(&self) {
        let map = self
            .by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        for notify in map.values() {
            notify.notify_waiters();
        }
    }

    /// How many sessions have waiters.
    pub fn len(&self) -> usize {
        self.by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether no one waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Waiting<'_> {
    /// The notification to await; enable it before reading the status.
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.notify.notified()
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut map = self
            .waiters
            .by_session
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The table's copy and ours: no one else waits on this session.
        if Arc::strong_count(&self.notify) <= 2 {
            map.remove(&self.uid);
        }
    }
}
