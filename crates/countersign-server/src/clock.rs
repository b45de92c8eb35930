//! The one place the service reads the clock and the system's random source.
//! Everything else asks the [`Clock`] and the [`Random`] in the service's
//! state: the real ones in production; in tests a [`ManualClock`] that moves
//! only when told to, and a [`ScriptedRandom`] that answers chosen bytes
//! first, so that expiry, the sweeper and a short-id clash are tested
//! without waiting and without luck.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use tokio::sync::Notify;

/// The service's time: wall-clock time for what is stored and signed, and a
/// monotonic instant for deadlines and rate limits, both from one source.
#[derive(Debug, Clone, Default)]
pub struct Clock(ClockSource);

#[derive(Debug, Clone, Default)]
enum ClockSource {
    /// The operating system's clocks.
    #[default]
    System,
    /// A test's clock.
    Manual(ManualClock),
}

/// One reading of a [`Clock`]: its wall-clock time and monotonic instant at
/// the same moment, so a deadline computed from a stored time agrees with
/// the instant it is waited for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The wall-clock time.
    pub wall: DateTime<Utc>,
    /// The monotonic instant.
    pub instant: Instant,
}

impl Clock {
    /// The operating system's clocks.
    pub fn system() -> Self {
        Self(ClockSource::System)
    }

    /// The wall-clock time and the monotonic instant, read together.
    pub fn read(&self) -> Reading {
        match &self.0 {
            ClockSource::System => system_reading(),
            ClockSource::Manual(manual) => manual.read(),
        }
    }

    /// The wall-clock time now.
    pub fn now(&self) -> DateTime<Utc> {
        self.read().wall
    }

    /// The monotonic instant now, for deadlines and rate limits.
    pub fn instant(&self) -> Instant {
        self.read().instant
    }

    /// Returns once this clock's monotonic instant reaches `deadline`. On a
    /// [`ManualClock`] that is when a test moves it there, however little
    /// real time has passed.
    pub async fn sleep_until(&self, deadline: Instant) {
        match &self.0 {
            ClockSource::System => {
                tokio::time::sleep_until(tokio::time::Instant::from_std(deadline)).await;
            }
            ClockSource::Manual(manual) => manual.reached(deadline).await,
        }
    }
}

#[allow(
    clippy::disallowed_methods,
    reason = "the service's one wall clock and one monotonic clock"
)]
fn system_reading() -> Reading {
    Reading {
        wall: Utc::now(),
        instant: Instant::now(),
    }
}

/// A clock that moves only when told to, for tests. Wall-clock time and
/// monotonic time advance together; moving the clock wakes everything that
/// sleeps on it, to look at the time again.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Manual>);

#[derive(Debug)]
struct Manual {
    /// Where its monotonic time starts: any real instant will do, since only
    /// differences between instants mean anything.
    origin: Instant,
    /// The wall-clock time, and how far the monotonic time has moved.
    position: Mutex<(DateTime<Utc>, Duration)>,
    moved: Notify,
}

impl ManualClock {
    /// A clock standing at `wall`.
    pub fn starting_at(wall: DateTime<Utc>) -> Self {
        Self(Arc::new(Manual {
            origin: system_reading().instant,
            position: Mutex::new((wall, Duration::ZERO)),
            moved: Notify::new(),
        }))
    }

    /// Moves wall-clock and monotonic time forward by `by`, and wakes every
    /// sleeper.
    pub fn advance(&self, by: Duration) {
        {
            let mut position = self.position();
            let delta = TimeDelta::from_std(by).unwrap_or(TimeDelta::MAX);
            position.0 = position
                .0
                .checked_add_signed(delta)
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            position.1 = position.1.saturating_add(by);
        }
        self.0.moved.notify_waiters();
    }

    /// Sets the wall-clock time to `wall`. Monotonic time moves forward by
    /// as much when `wall` is later, and stays where it is when `wall` is
    /// earlier (it never goes back, as a real one does not when the wall
    /// clock is set back). Wakes every sleeper.
    pub fn set(&self, wall: DateTime<Utc>) {
        {
            let mut position = self.position();
            let forward = (wall - position.0).to_std().unwrap_or(Duration::ZERO);
            *position = (wall, position.1.saturating_add(forward));
        }
        self.0.moved.notify_waiters();
    }

    fn position(&self) -> std::sync::MutexGuard<'_, (DateTime<Utc>, Duration)> {
        self.0
            .position
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn read(&self) -> Reading {
        let (wall, elapsed) = *self.position();
        Reading {
            wall,
            instant: self.0.origin.checked_add(elapsed).unwrap_or(self.0.origin),
        }
    }

    async fn reached(&self, deadline: Instant) {
        loop {
            // Listen before looking, so that a move in between is not missed.
            let moved = self.0.moved.notified();
            tokio::pin!(moved);
            moved.as_mut().enable();
            if self.read().instant >= deadline {
                return;
            }
            moved.await;
        }
    }
}

impl From<ManualClock> for Clock {
    fn from(manual: ManualClock) -> Self {
        Self(ClockSource::Manual(manual))
    }
}

/// Where the service's random bytes come from: ids, tokens, the order of
/// the verification codes shown.
#[derive(Debug, Clone, Default)]
pub struct Random(Option<ScriptedRandom>);

impl Random {
    /// The operating system's random source.
    pub fn system() -> Self {
        Self(None)
    }

    /// `N` random bytes. Without them the service cannot make ids or
    /// tokens, so it refuses to go on rather than make weak ones.
    pub fn bytes<const N: usize>(&self) -> Result<[u8; N], getrandom::Error> {
        if let Some(bytes) = self.0.as_ref().and_then(ScriptedRandom::take) {
            return Ok(bytes);
        }
        system_bytes()
    }
}

#[allow(clippy::disallowed_methods, reason = "the service's one random source")]
fn system_bytes<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// Random bytes chosen by a test: each draw of `N` bytes answers the first
/// pushed entry of that length, once; draws with none fall through to the
/// operating system.
#[derive(Debug, Clone, Default)]
pub struct ScriptedRandom(Arc<Mutex<VecDeque<Vec<u8>>>>);

impl ScriptedRandom {
    /// Nothing scripted yet: every draw is the system's.
    pub fn new() -> Self {
        Self::default()
    }

    /// The next draw of `bytes.len()` bytes answers `bytes`.
    pub fn push(&self, bytes: impl Into<Vec<u8>>) {
        self.entries().push_back(bytes.into());
    }

    /// How many pushed entries no draw has taken yet.
    pub fn pending(&self) -> usize {
        self.entries().len()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, VecDeque<Vec<u8>>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn take<const N: usize>(&self) -> Option<[u8; N]> {
        let mut entries = self.entries();
        let at = entries.iter().position(|entry| entry.len() == N)?;
        entries.remove(at)?.try_into().ok()
    }
}

impl From<ScriptedRandom> for Random {
    fn from(scripted: ScriptedRandom) -> Self {
        Self(Some(scripted))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_manual_clock_moves_both_times_and_wakes_its_sleepers() {
        let start = DateTime::UNIX_EPOCH;
        let manual = ManualClock::starting_at(start);
        let clock = Clock::from(manual.clone());
        let before = clock.read();
        assert_eq!(before.wall, start);
        let deadline = before.instant + Duration::from_secs(10);
        let sleeper = tokio::spawn({
            let clock = clock.clone();
            async move { clock.sleep_until(deadline).await }
        });
        manual.advance(Duration::from_secs(4));
        let early = tokio::time::timeout(Duration::from_millis(50), clock.sleep_until(deadline));
        assert!(early.await.is_err(), "woken before its deadline");
        manual.set(start + TimeDelta::seconds(10));
        tokio::time::timeout(Duration::from_secs(5), sleeper)
            .await
            .expect("woken at its deadline")
            .unwrap();
        let after = clock.read();
        assert_eq!(after.wall, start + TimeDelta::seconds(10));
        assert_eq!(after.instant - before.instant, Duration::from_secs(10));
        manual.set(start);
        assert_eq!(clock.now(), start, "the wall clock may be set back");
        assert_eq!(clock.instant(), after.instant, "monotonic time is not");
    }

    #[test]
    fn scripted_bytes_come_first_by_length_then_the_system() {
        let scripted = ScriptedRandom::new();
        scripted.push([7u8; 4]);
        scripted.push([9u8; 2]);
        let random = Random::from(scripted.clone());
        assert_eq!(random.bytes::<2>().unwrap(), [9, 9]);
        assert_eq!(random.bytes::<4>().unwrap(), [7; 4]);
        assert_eq!(scripted.pending(), 0);
        let (a, b) = (random.bytes::<16>().unwrap(), random.bytes::<16>().unwrap());
        assert_ne!(a, b, "the system's, once the script is used up");
    }
}
