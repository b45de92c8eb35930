//! The one place the bench reads the clocks and the system's random source.

use chrono::{DateTime, Utc};

/// The wall-clock time, for the time in signed statements: the service
/// refuses a statement more than minutes away from its own clock, so it
/// must be the real time.
#[allow(clippy::disallowed_methods, reason = "the bench's one wall clock")]
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// A monotonic instant, to time requests and stages.
#[allow(clippy::disallowed_methods, reason = "the bench's one monotonic clock")]
pub fn instant() -> std::time::Instant {
    std::time::Instant::now()
}

/// `N` random bytes from the operating system, for keys, ids and names.
#[allow(clippy::disallowed_methods, reason = "the bench's one random source")]
pub fn random<const N: usize>() -> Result<[u8; N], String> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| format!("no random bytes: {e}"))?;
    Ok(bytes)
}

/// The CPU time the calling thread has used so far (user and system), from
/// `/proc/thread-self/stat`; `None` where that cannot be read. Per-core
/// rates are divided by it rather than by the wall clock, so that other
/// processes busy on the same cores do not lower them.
pub fn thread_cpu_time() -> Option<std::time::Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    cpu_ticks(&stat).map(|ticks| std::time::Duration::from_millis(ticks * 1000 / USER_HZ))
}

/// The ticks per second of `/proc`'s CPU times: fixed at 100 by Linux's
/// user-space ABI on the platforms the bench runs on.
const USER_HZ: u64 = 100;

/// `utime + stime` of a `/proc/.../stat` line. The command name (field 2)
/// may hold blanks and parentheses, so the fields are counted from the last
/// `)`: the state is the first after it, `utime` the 12th, `stime` the 13th.
fn cpu_ticks(stat: &str) -> Option<u64> {
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cpu_ticks_past_an_awkward_name() {
        let stat = "4242 (a (b) c) R 1 2 3 4 5 6 7 8 9 10 250 31 0 0 20 0 3 0\n";
        assert_eq!(cpu_ticks(stat), Some(281));
        assert_eq!(cpu_ticks("4242 (x) R 1 2"), None);
        assert_eq!(cpu_ticks("no name here"), None);
    }

    #[test]
    fn spinning_uses_cpu_time() {
        // Spin until this thread's CPU time has grown by 100 ms, however
        // long the other processes on the cores make that take (capped,
        // so that a clock that never moves fails rather than hangs). The
        // CPU time must then not run ahead of the wall clock: it is this
        // thread's, not the process's or the machine's.
        let before = thread_cpu_time().unwrap();
        let start = instant();
        let mut x = 0u64;
        let used = loop {
            for _ in 0..100_000 {
                x = std::hint::black_box(x.wrapping_add(1));
            }
            let used = thread_cpu_time().unwrap() - before;
            if used >= std::time::Duration::from_millis(100)
                || start.elapsed() > std::time::Duration::from_secs(60)
            {
                break used;
            }
        };
        let wall = start.elapsed();
        assert!(used >= std::time::Duration::from_millis(100), "{used:?}");
        // One tick (10 ms) of slack at each end of the reading.
        let tick = std::time::Duration::from_millis(1000 / USER_HZ);
        assert!(used <= wall + 2 * tick, "{used:?} of CPU in {wall:?}");
    }
}
