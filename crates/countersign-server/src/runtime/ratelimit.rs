//! Rate limits: a token bucket per source and per class of route, in
//! memory that stays bounded however many sources there are.
//!
//! A source is an IPv4 address or an IPv6 /64: one host usually holds a
//! whole /64, so keying by full IPv6 address would give it 2^64 buckets.
//!
//! Buckets live in shards, each with two generations of maps. A bucket
//! touched is moved into the current generation; when the current one has
//! lived for a refill time (`burst / per_second`) or holds its share of
//! the capacity, the shard drops the previous generation and the current
//! one becomes the previous. A bucket dropped was therefore untouched for
//! at least a refill time, so it was full again, the same as no bucket;
//! only a flood from more sources than the capacity within one refill time
//! forgets buckets earlier, and such a flood is already spread over that
//! many budgets. Nothing ever scans the buckets, and the map dropped is
//! freed after the shard's lock is released.

use std::collections::HashMap;
use std::hash::{BuildHasher as _, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::config::Limit;

/// What a budget is counted against: an IPv4 address, or an IPv6 /64 (an
/// IPv4 address mapped into IPv6 counts as the IPv4 one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SourceKey {
    /// An IPv4 address.
    V4([u8; 4]),
    /// The first 64 bits of an IPv6 address.
    V6([u8; 8]),
}

impl SourceKey {
    /// The key `addr` is counted under.
    pub fn of(addr: IpAddr) -> Self {
        match addr {
            IpAddr::V4(v4) => Self::V4(v4.octets()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self::V4(v4.octets()),
                None => {
                    let [a, b, c, d, e, f, g, h, ..] = v6.octets();
                    Self::V6([a, b, c, d, e, f, g, h])
                }
            },
        }
    }
}

/// Buckets kept per limiter and generation, across its shards: at most
/// twice this many exist at once (about 5 MiB per limiter at most).
pub const CAPACITY: usize = 50_000;
/// Shards per limiter: requests from different sources rarely wait on one
/// lock.
const SHARDS: usize = 16;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

#[derive(Debug, Default)]
struct Shard {
    current: HashMap<SourceKey, Bucket>,
    previous: HashMap<SourceKey, Bucket>,
    /// When `current` began; `None` before the first request.
    began: Option<Instant>,
}

/// A token bucket per source.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_second: f64,
    /// How long a generation lives: the time an empty bucket takes to fill.
    generation: Duration,
    per_shard: usize,
    hasher: RandomState,
    shards: Vec<Mutex<Shard>>,
}

impl RateLimiter {
    /// Allows `burst` requests at once, refilled at `per_second`.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self::with_capacity(burst, per_second, CAPACITY)
    }

    /// The same, keeping about `capacity` buckets per generation.
    pub fn with_capacity(burst: u32, per_second: f64, capacity: usize) -> Self {
        let burst = f64::from(burst.max(1));
        let refill = burst / per_second;
        // A rate of 0 or a refill longer than a day: a day, so that the
        // generations still turn over.
        let generation = Duration::try_from_secs_f64(refill)
            .unwrap_or(Duration::MAX)
            .clamp(Duration::from_secs(1), Duration::from_secs(86_400));
        Self {
            burst,
            per_second,
            generation,
            per_shard: capacity.div_ceil(SHARDS).max(1),
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
        }
    }

    /// Takes one token for `addr`'s source at `now`, or says how many
    /// seconds until one is there.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), u64> {
        let key = SourceKey::of(addr);
        let index = usize::try_from(self.hasher.hash_one(key) % SHARDS as u64).unwrap_or(0);
        let Some(shard) = self.shards.get(index) else {
            return Ok(());
        };
        let mut shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
        let dropped = self.turn_over(&mut shard, now);
        let bucket = match shard.current.get(&key) {
            Some(bucket) => *bucket,
            None => shard.previous.remove(&key).unwrap_or(Bucket {
                tokens: self.burst,
                at: now,
            }),
        };
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * self.per_second;
        let tokens = (bucket.tokens + refilled).min(self.burst);
        let (tokens, answer) = if tokens >= 1.0 {
            (tokens - 1.0, Ok(()))
        } else {
            let wait = (1.0 - tokens) / self.per_second;
            // Saturating: a rate near 0 gives a long wait, never a wrap.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            (tokens, Err(wait.ceil().max(1.0) as u64))
        };
        shard.current.insert(key, Bucket { tokens, at: now });
        drop(shard);
        // Freed here, outside the lock.
        drop(dropped);
        answer
    }

    /// Starts a new generation when the current one is old or full, and
    /// answers the maps dropped, to be freed after the lock is released.
    fn turn_over(&self, shard: &mut Shard, now: Instant) -> [HashMap<SourceKey, Bucket>; 2] {
        let age = shard
            .began
            .map_or(Duration::MAX, |began| now.saturating_duration_since(began));
        if age < self.generation && shard.current.len() < self.per_shard {
            return [HashMap::new(), HashMap::new()];
        }
        shard.began = Some(now);
        let current = std::mem::take(&mut shard.current);
        if age >= self.generation.saturating_mul(2) {
            // Both generations were idle for a refill time: all are full.
            return [current, std::mem::take(&mut shard.previous)];
        }
        [
            std::mem::replace(&mut shard.previous, current),
            HashMap::new(),
        ]
    }

    /// How many buckets are kept now, in every generation.
    pub fn tracked(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| {
                let shard = shard.lock().unwrap_or_else(PoisonError::into_inner);
                shard.current.len() + shard.previous.len()
            })
            .sum()
    }
}

/// One limiter per class of route.
#[derive(Debug)]
pub struct Limits([RateLimiter; Limit::ALL.len()]);

impl Limits {
    /// Limiters with these budgets: `(burst, per_second)` for each class.
    pub fn new(budget: impl Fn(Limit) -> (u32, f64)) -> Self {
        Self(Limit::ALL.map(|limit| {
            let (burst, per_second) = budget(limit);
            RateLimiter::new(burst, per_second)
        }))
    }

    /// The limiter of a class.
    pub fn of(&self, limit: Limit) -> &RateLimiter {
        let [request, lookup, verify, read, wait, statement, account] = &self.0;
        match limit {
            Limit::Request => request,
            Limit::Lookup => lookup,
            Limit::Verify => verify,
            Limit::Read => read,
            Limit::Wait => wait,
            Limit::Statement => statement,
            Limit::Account => account,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn allows_a_burst_then_refills() {
        let limiter = RateLimiter::new(2, 1.0);
        let addr = ip("192.0.2.1");
        let other = ip("192.0.2.2");
        let t = crate::clock::Clock::system().instant();
        assert_eq!(limiter.check(addr, t), Ok(()));
        assert_eq!(limiter.check(addr, t), Ok(()));
        assert_eq!(limiter.check(addr, t), Err(1));
        assert_eq!(limiter.check(other, t), Ok(()), "addresses are apart");
        assert_eq!(limiter.check(addr, t + Duration::from_secs(1)), Ok(()));
    }

    #[test]
    fn budgets_are_read_from_their_flag() {
        assert_eq!(
            Limit::parse_budget("statement=60/5"),
            Ok((Limit::Statement, (60, 5.0)))
        );
        assert_eq!(
            Limit::parse_budget(" wait = 10 / 0.5 "),
            Ok((Limit::Wait, (10, 0.5)))
        );
        for bad in [
            "statement",
            "nothing=1/1",
            "read=0/1",
            "read=1/0",
            "read=1",
            "read=x/1",
        ] {
            assert!(Limit::parse_budget(bad).is_err(), "{bad}");
        }
        for limit in Limit::ALL {
            let flag = format!("{}=1/1", limit.as_str());
            assert_eq!(Limit::parse_budget(&flag), Ok((limit, (1, 1.0))));
        }
    }

    #[test]
    fn an_ipv6_slash_64_is_one_source_and_mapped_ipv4_is_ipv4() {
        assert_eq!(
            SourceKey::of(ip("2001:db8:a:b:1:2:3:4")),
            SourceKey::of(ip("2001:db8:a:b:ffff::")),
        );
        assert_ne!(
            SourceKey::of(ip("2001:db8:a:b::1")),
            SourceKey::of(ip("2001:db8:a:c::1")),
        );
        assert_eq!(
            SourceKey::of(ip("::ffff:192.0.2.1")),
            SourceKey::of(ip("192.0.2.1"))
        );
        assert_ne!(
            SourceKey::of(ip("192.0.2.1")),
            SourceKey::of(ip("192.0.2.2"))
        );
    }

    /// A million sources, each seen once at the same moment: the buckets
    /// kept never pass twice the capacity.
    #[test]
    fn memory_stays_bounded_with_many_sources() {
        let limiter = RateLimiter::with_capacity(5, 1.0, 1_000);
        let t = crate::clock::Clock::system().instant();
        let mut most = 0;
        for i in 0..1_000_000_u32 {
            let addr = if i % 2 == 0 {
                IpAddr::from(i.to_be_bytes())
            } else {
                let mut octets = [0u8; 16];
                octets[..4].copy_from_slice(&[0x20, 0x01, 0x0d, 0xb8]);
                octets[4..8].copy_from_slice(&i.to_be_bytes());
                IpAddr::from(octets)
            };
            assert_eq!(limiter.check(addr, t), Ok(()));
            if i % 1_000 == 0 {
                most = most.max(limiter.tracked());
            }
        }
        let bound = 2 * 1_000_usize.div_ceil(SHARDS) * SHARDS;
        assert!(most <= bound, "{most} buckets kept, above {bound}");
        assert!(limiter.tracked() <= bound);
    }

    /// A source that keeps sending stays limited across generations, and
    /// one that stopped has its whole burst again.
    #[test]
    fn a_busy_source_stays_limited_across_generations() {
        let limiter = RateLimiter::new(2, 1.0);
        let busy = ip("192.0.2.1");
        let idle = ip("192.0.2.2");
        let start = crate::clock::Clock::system().instant();
        assert_eq!(limiter.check(idle, start), Ok(()));
        assert_eq!(limiter.check(idle, start), Ok(()));
        let mut refused = 0;
        for quarter in 0..40 {
            let t = start + Duration::from_millis(250 * quarter);
            if limiter.check(busy, t).is_err() {
                refused += 1;
            }
        }
        // Ten seconds at four a second: two at once, then one a second.
        assert_eq!(refused, 40 - 2 - 9);
        let later = start + Duration::from_secs(10);
        assert_eq!(limiter.check(idle, later), Ok(()));
        assert_eq!(limiter.check(idle, later), Ok(()));
        assert_eq!(limiter.check(idle, later), Err(1));
        assert!(limiter.tracked() <= 2);
    }
}
