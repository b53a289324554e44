//! Sign-in throttling, in memory. Failures are counted per (account, client address) and
//! per client address; either reaching its threshold locks that pair or that address for
//! `login_lockout_duration`. An account is never locked as a whole: anyone can type the
//! admin's name, so a lock per account would let a stranger lock the owner out. Failures
//! against an account from any address only slow its further attempts down (a few seconds
//! at most), which costs the owner little and a guesser a lot.
//!
//! The same answer is given whether or not the account exists, so a lock reveals nothing.
//! One process owns the database, so a process-local table is the whole truth; it holds at
//! most `MAX_ENTRIES` entries, forgetting the quietest first.

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::collections::HashMap;

/// Failures before attempts start to slow down.
const SLOW_AFTER: u32 = 2;
/// Added wait per failure past `SLOW_AFTER`, capped at `MAX_DELAY_MS`.
const DELAY_STEP_MS: u64 = 250;
const MAX_DELAY_MS: u64 = 2_000;
/// Entries kept at most; past it the quietest tenth is forgotten.
const MAX_ENTRIES: usize = 100_000;
/// Longest account name kept in a key (an email is at most 254 characters); longer names
/// share an entry rather than grow the table.
const MAX_ACCOUNT_CHARS: usize = 320;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Failures for one account from one address before that pair is locked.
    pub per_account: u32,
    /// Failures from one address, whatever the accounts, before the address is locked.
    pub per_address: u32,
    pub lockout_seconds: i64,
}

/// What a count is kept for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// One account tried from one address: locks.
    Pair { account: String, address: String },
    /// Every account tried from one address: locks.
    Address(String),
    /// One account tried from anywhere: slows down, never locks.
    Account(String),
}

#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct LoginLimiter {
    entries: Mutex<HashMap<Key, Entry>>,
}

/// What to do with an attempt before checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead, after waiting this long (milliseconds).
    Proceed { delay_ms: u64 },
    /// Locked: try again in this many seconds.
    Locked { retry_after: u64 },
}

fn account_name(account: &str) -> String {
    account.trim().chars().take(MAX_ACCOUNT_CHARS).collect::<String>().to_lowercase()
}

impl LoginLimiter {
    /// The pair's, the address's and the account's keys, in that order.
    fn keys(account: &str, address: &str) -> [Key; 3] {
        let account = account_name(account);
        [
            Key::Pair { account: account.clone(), address: address.to_string() },
            Key::Address(address.to_string()),
            Key::Account(account),
        ]
    }

    pub fn admit(&self, account: &str, address: &str, now: DateTime<Utc>, limits: Limits) -> Admission {
        let mut entries = self.entries.lock();
        let mut failures = 0;
        for key in Self::keys(account, address) {
            let Some(entry) = entries.get_mut(&key) else { continue };
            // A quiet lockout period forgives the past failures.
            if entry.last_failure.is_some_and(|t| (now - t).num_seconds() >= limits.lockout_seconds) {
                entries.remove(&key);
                continue;
            }
            if let Some(until) = entry.locked_until.filter(|until| *until > now) {
                return Admission::Locked { retry_after: (until - now).num_seconds().max(1) as u64 };
            }
            failures = failures.max(entry.failures);
        }
        let delay_ms = u64::from(failures.saturating_sub(SLOW_AFTER)) * DELAY_STEP_MS;
        Admission::Proceed { delay_ms: delay_ms.min(MAX_DELAY_MS) }
    }

    /// Records a failed attempt; returns the lock's length in seconds when it locked now.
    pub fn failed(&self, account: &str, address: &str, now: DateTime<Utc>, limits: Limits) -> Option<u64> {
        let mut entries = self.entries.lock();
        let mut locked = None;
        let thresholds = [Some(limits.per_account), Some(limits.per_address), None];
        for (key, threshold) in Self::keys(account, address).into_iter().zip(thresholds) {
            if !entries.contains_key(&key) && entries.len() >= MAX_ENTRIES {
                forget_quietest(&mut entries);
            }
            let entry = entries.entry(key).or_default();
            entry.failures = entry.failures.saturating_add(1);
            entry.last_failure = Some(now);
            if let Some(threshold) = threshold
                && entry.failures >= threshold.max(1)
            {
                entry.locked_until = Some(now + chrono::Duration::seconds(limits.lockout_seconds));
                entry.failures = 0;
                locked = Some(limits.lockout_seconds.max(1) as u64);
            }
        }
        locked
    }

    /// A success clears the account's counts, from this address and overall (the address
    /// keeps its own: other accounts tried from it still count).
    pub fn succeeded(&self, account: &str, address: &str) {
        let [pair, _, account] = Self::keys(account, address);
        let mut entries = self.entries.lock();
        entries.remove(&pair);
        entries.remove(&account);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.lock().len()
    }
}

/// Forgets the tenth of the entries with the oldest last failure, so the next
/// `MAX_ENTRIES / 10` new entries cost nothing.
fn forget_quietest(entries: &mut HashMap<Key, Entry>) {
    let mut ages: Vec<DateTime<Utc>> = entries.values().filter_map(|e| e.last_failure).collect();
    let excess = (MAX_ENTRIES / 10).min(ages.len());
    if excess == 0 {
        return;
    }
    let (_, cutoff, _) = ages.select_nth_unstable(excess - 1);
    let cutoff = *cutoff;
    entries.retain(|_, e| e.last_failure.is_some_and(|t| t > cutoff));
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { per_account: 3, per_address: 10, lockout_seconds: 60 };

    #[test]
    fn locks_an_account_from_one_address_only_then_forgives() {
        let limiter = LoginLimiter::default();
        let now = Utc::now();
        assert_eq!(limiter.admit("a@x", "1.1.1.1", now, LIMITS), Admission::Proceed { delay_ms: 0 });
        assert_eq!(limiter.failed("a@x", "1.1.1.1", now, LIMITS), None);
        assert_eq!(limiter.failed("A@x", "1.1.1.1", now, LIMITS), None);
        assert_eq!(limiter.failed("a@x", "1.1.1.1", now, LIMITS), Some(60));
        assert!(matches!(limiter.admit("a@x", "1.1.1.1", now, LIMITS), Admission::Locked { .. }));
        // The owner, elsewhere, is slowed down a little but not locked out.
        assert!(matches!(limiter.admit("a@x", "4.4.4.4", now, LIMITS), Admission::Proceed { .. }));
        // Another account from the same address is not locked.
        assert!(matches!(limiter.admit("b@x", "1.1.1.1", now, LIMITS), Admission::Proceed { .. }));
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(limiter.admit("a@x", "1.1.1.1", later, LIMITS), Admission::Proceed { delay_ms: 0 });
    }

    #[test]
    fn failures_spread_over_addresses_never_lock_the_account() {
        let limiter = LoginLimiter::default();
        let now = Utc::now();
        for i in 0..50 {
            assert_eq!(limiter.failed("admin", &format!("10.0.0.{i}"), now, LIMITS), None);
        }
        assert_eq!(limiter.admit("admin", "10.0.1.1", now, LIMITS), Admission::Proceed { delay_ms: MAX_DELAY_MS });
        limiter.succeeded("admin", "10.0.1.1");
        assert_eq!(limiter.admit("admin", "10.0.1.1", now, LIMITS), Admission::Proceed { delay_ms: 0 });
    }

    #[test]
    fn an_address_trying_many_accounts_is_locked() {
        let limiter = LoginLimiter::default();
        let now = Utc::now();
        let locks: Vec<Option<u64>> =
            (0..10).map(|i| limiter.failed(&format!("user{i}@x"), "6.6.6.6", now, LIMITS)).collect();
        assert_eq!(locks.last(), Some(&Some(60)));
        assert!(matches!(limiter.admit("fresh@x", "6.6.6.6", now, LIMITS), Admission::Locked { .. }));
    }

    #[test]
    fn slows_down_before_locking() {
        let limiter = LoginLimiter::default();
        let limits = Limits { per_account: 10, ..LIMITS };
        let now = Utc::now();
        for _ in 0..4 {
            limiter.failed("a@x", "1.1.1.1", now, limits);
        }
        assert_eq!(limiter.admit("a@x", "1.1.1.1", now, limits), Admission::Proceed { delay_ms: 500 });
    }

    #[test]
    fn the_table_stays_bounded() {
        let limiter = LoginLimiter::default();
        let limits = Limits { per_account: 1_000, per_address: 1_000, lockout_seconds: 60 };
        let start = Utc::now();
        for i in 0..(MAX_ENTRIES / 3 + 1_000) {
            let now = start + chrono::Duration::milliseconds(i as i64);
            limiter.failed(&format!("u{i}"), &format!("a{i}"), now, limits);
        }
        assert!(limiter.len() <= MAX_ENTRIES, "{}", limiter.len());
    }
}
