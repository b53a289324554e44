//! Throttling of failed key lookups, per client address, in memory. An address that
//! presents `MAX_FAILURES` unknown keys within `WINDOW` is locked for `LOCK`: its unknown
//! keys are answered 429 without saying whether they exist.
//!
//! A lock that let every valid key through would still tell a guesser which guess was
//! right (200 instead of 429), so during a lock only the keys that already worked from
//! that address while it was being watched (since its first failure) keep working; a key
//! the address never used before waits for the lock to end like an unknown one. People
//! behind one address with an attacker keep using their keys; the attacker learns nothing.
//!
//! The hot path is a valid key from an address with no failures: one atomic load while no
//! address has failures at all, one map lookup under a short lock otherwise, and no
//! allocation in either case.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Unknown keys from one address within `WINDOW` before it is locked.
pub const MAX_FAILURES: u32 = 20;
const WINDOW: Duration = Duration::from_secs(60);
/// How long a locked address waits.
pub const LOCK: Duration = Duration::from_secs(60);
/// Keys remembered per watched address as having worked from it.
const KNOWN_PER_ADDRESS: usize = 32;
/// Addresses watched at most; past it the oldest tenth is forgotten.
const MAX_ENTRIES: usize = 100_000;

#[derive(Debug)]
struct Entry {
    failures: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
    /// Hashes of keys that worked from this address while it was watched.
    known: Vec<Box<str>>,
}

impl Entry {
    fn new(now: Instant) -> Self {
        Entry { failures: 0, window_start: now, locked_until: None, known: Vec::new() }
    }

    fn locked(&self, now: Instant) -> Option<Duration> {
        self.locked_until.filter(|until| *until > now).map(|until| until - now)
    }

    /// Whether the entry says nothing any more: its window and its lock are over.
    fn expired(&self, now: Instant) -> bool {
        self.locked(now).is_none() && now.duration_since(self.window_start) >= WINDOW
    }
}

#[derive(Default)]
pub struct KeyGuessLimiter {
    /// How many addresses are watched; read without the lock on every valid key.
    watched: AtomicUsize,
    entries: Mutex<HashMap<IpAddr, Entry>>,
}

impl KeyGuessLimiter {
    /// Records an unknown key from `address`; returns the seconds to wait when the
    /// address is locked (now or already).
    pub fn failed(&self, address: IpAddr, now: Instant) -> Option<u64> {
        let mut entries = self.entries.lock();
        // A new window starts afresh; the keys the old one knew are forgotten with it.
        if entries.get(&address).is_some_and(|e| e.expired(now)) {
            entries.remove(&address);
        }
        if !entries.contains_key(&address) && entries.len() >= MAX_ENTRIES {
            forget_oldest(&mut entries, now);
        }
        let entry = entries.entry(address).or_insert_with(|| Entry::new(now));
        let wait = match entry.locked(now) {
            Some(wait) => Some(wait),
            None => {
                entry.failures += 1;
                if entry.failures >= MAX_FAILURES {
                    entry.locked_until = Some(now + LOCK);
                    entry.failures = 0;
                    entry.window_start = now;
                    tracing::warn!(%address, lock_seconds = LOCK.as_secs(), "too many unknown API keys from one address; its unknown keys are refused for a while");
                    Some(LOCK)
                } else {
                    None
                }
            }
        };
        self.watched.store(entries.len(), Ordering::Relaxed);
        wait.map(|w| w.as_secs().max(1))
    }

    /// Whether a key found by its hash may be used from `address` (`address` is asked
    /// for only when some address is watched). Refused only while the address is locked
    /// and the key did not work from it before; returns the seconds to wait then.
    pub fn refuses_found(&self, key_hash: &str, address: impl FnOnce() -> Option<IpAddr>, now: Instant) -> Option<u64> {
        if self.watched.load(Ordering::Relaxed) == 0 {
            return None;
        }
        let address = address()?;
        let mut entries = self.entries.lock();
        // Whoever asks sweeps, so the table empties (and this path goes back to one atomic
        // load) once the failures are old.
        if entries.values().next().is_some_and(|e| e.expired(now)) || entries.len() == 1 {
            entries.retain(|_, e| !e.expired(now));
            self.watched.store(entries.len(), Ordering::Relaxed);
        }
        let entry = entries.get_mut(&address)?;
        let known = entry.known.iter().any(|k| &**k == key_hash);
        match entry.locked(now) {
            Some(wait) if !known => Some(wait.as_secs().max(1)),
            Some(_) => None,
            None => {
                if !known && entry.known.len() < KNOWN_PER_ADDRESS {
                    entry.known.push(key_hash.into());
                }
                None
            }
        }
    }
}

/// Drops expired entries, then, if that was not enough, the tenth watched longest.
fn forget_oldest(entries: &mut HashMap<IpAddr, Entry>, now: Instant) {
    entries.retain(|_, e| !e.expired(now));
    if entries.len() < MAX_ENTRIES {
        return;
    }
    let mut starts: Vec<Instant> = entries.values().map(|e| e.window_start).collect();
    let excess = (MAX_ENTRIES / 10).min(starts.len());
    if excess == 0 {
        return;
    }
    let (_, cutoff, _) = starts.select_nth_unstable(excess - 1);
    let cutoff = *cutoff;
    entries.retain(|_, e| e.window_start > cutoff);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn an_address_is_locked_after_many_unknown_keys_and_released_later() {
        let limiter = KeyGuessLimiter::default();
        let now = Instant::now();
        let (attacker, other) = (ip("10.0.0.1"), ip("10.0.0.2"));
        for _ in 1..MAX_FAILURES {
            assert_eq!(limiter.failed(attacker, now), None);
        }
        assert_eq!(limiter.failed(attacker, now), Some(LOCK.as_secs()));
        assert!(limiter.failed(attacker, now).is_some(), "still locked");
        assert_eq!(limiter.failed(other, now), None, "other addresses are not");
        let later = now + LOCK + Duration::from_secs(1);
        assert_eq!(limiter.failed(attacker, later), None);
    }

    #[test]
    fn during_a_lock_only_keys_that_worked_before_keep_working() {
        let limiter = KeyGuessLimiter::default();
        let now = Instant::now();
        let address = ip("10.0.0.1");
        assert_eq!(limiter.refuses_found("h-used", || Some(address), now), None, "nothing watched");
        limiter.failed(address, now);
        assert_eq!(limiter.refuses_found("h-used", || Some(address), now), None, "remembered");
        for _ in 1..MAX_FAILURES {
            limiter.failed(address, now);
        }
        assert_eq!(limiter.refuses_found("h-used", || Some(address), now), None);
        assert_eq!(limiter.refuses_found("h-guessed", || Some(address), now), Some(LOCK.as_secs()));
        assert_eq!(limiter.refuses_found("h-guessed", || Some(ip("10.0.0.9")), now), None);
        assert_eq!(limiter.refuses_found("h-guessed", || None, now), None, "no address: not limited");
    }

    #[test]
    fn the_table_stays_bounded() {
        let limiter = KeyGuessLimiter::default();
        let now = Instant::now();
        for i in 0..(MAX_ENTRIES as u32 + 10) {
            limiter.failed(IpAddr::from(i.to_be_bytes()), now + Duration::from_millis(u64::from(i)));
        }
        assert!(limiter.entries.lock().len() <= MAX_ENTRIES);
    }
}
