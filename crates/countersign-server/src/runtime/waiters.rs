//! Requesters waiting for a session's status to change, released the moment
//! it does. A change made by this instance wakes its waiters directly; on
//! PostgreSQL a change made by another instance arrives by LISTEN/NOTIFY and
//! wakes them the same way.
//!
//! A waiter holds a connection and a task for up to `--max-wait-s`, so how
//! many wait at once is capped, per source (an IPv4 address or an IPv6
//! /64, as the rate limits count them) and in all: a long poll over a cap
//! is refused at once, before it reads anything.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::Notify;
use uuid::Uuid;

use crate::runtime::ratelimit::SourceKey;

/// The sessions someone is waiting on, and who waits.
#[derive(Debug)]
pub struct Waiters {
    by_session: Mutex<HashMap<Uuid, Arc<Notify>>>,
    admitted: Mutex<Admitted>,
    max_waiters: usize,
    max_per_source: usize,
}

/// The long polls admitted and not yet ended, in all and per source (a
/// source is kept only while it has one, so this is bounded by the cap).
#[derive(Debug, Default)]
struct Admitted {
    total: usize,
    by_source: HashMap<SourceKey, usize>,
}

/// Which cap a long poll was refused by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Full {
    /// Its source already holds as many long polls as one source may.
    Source,
    /// The instance already holds as many long polls as it may.
    All,
}

/// A long poll admitted under the caps; it leaves them when dropped.
pub struct Admission<'a> {
    waiters: &'a Waiters,
    source: SourceKey,
}

/// A registration to be woken; it is dropped from the table with the last
/// waiter on its session.
pub struct Waiting<'a> {
    waiters: &'a Waiters,
    uid: Uuid,
    notify: Arc<Notify>,
}

impl Waiters {
    /// No one waiting yet; at most `max_waiters` long polls at once, and
    /// `max_per_source` from one source.
    pub fn new(max_waiters: usize, max_per_source: usize) -> Self {
        Self {
            by_session: Mutex::default(),
            admitted: Mutex::default(),
            max_waiters,
            max_per_source,
        }
    }

    /// Admits a long poll from `source` unless a cap is reached.
    pub fn admit(&self, source: IpAddr) -> Result<Admission<'_>, Full> {
        let source = SourceKey::of(source);
        let mut admitted = self.admitted.lock().unwrap_or_else(PoisonError::into_inner);
        if admitted.total >= self.max_waiters {
            return Err(Full::All);
        }
        let from_source = admitted.by_source.entry(source).or_default();
        if *from_source >= self.max_per_source {
            return Err(Full::Source);
        }
        *from_source += 1;
        admitted.total += 1;
        Ok(Admission {
            waiters: self,
            source,
        })
    }

    /// How many long polls are admitted now.
    pub fn admitted(&self) -> usize {
        self.admitted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .total
    }

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

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        let mut admitted = self
            .waiters
            .admitted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        admitted.total = admitted.total.saturating_sub(1);
        if let Some(count) = admitted.by_source.get_mut(&self.source) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                admitted.by_source.remove(&self.source);
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_per_source_and_in_all_and_frees_on_drop() {
        let waiters = Waiters::new(3, 2);
        let a: IpAddr = "2001:db8::1".parse().unwrap();
        let a_too: IpAddr = "2001:db8::2".parse().unwrap();
        let b: IpAddr = "192.0.2.1".parse().unwrap();
        let first = waiters.admit(a).unwrap();
        let _second = waiters.admit(a_too).unwrap();
        assert_eq!(waiters.admit(a).err(), Some(Full::Source), "one /64");
        let _third = waiters.admit(b).unwrap();
        assert_eq!(waiters.admit(b).err(), Some(Full::All));
        assert_eq!(waiters.admitted(), 3);
        drop(first);
        assert_eq!(waiters.admitted(), 2);
        assert!(waiters.admit(a).is_ok());
        assert_eq!(waiters.admitted(), 2, "the admission was dropped again");
    }
}
