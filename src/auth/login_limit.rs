//! Sign-in throttling, in memory: failures are counted per account (the name typed in) and
//! per client address. After a few failures each further attempt waits a little longer;
//! at the threshold the account or address is locked for `login_lockout_duration`. The
//! same answer is given whether or not the account exists, so the lock reveals nothing.
//! One process owns the database, so a process-local table is the whole truth.

use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use std::collections::HashMap;

/// Failures before attempts start to slow down.
const SLOW_AFTER: u32 = 2;
/// Added wait per failure past `SLOW_AFTER`, capped at `MAX_DELAY_MS`.
const DELAY_STEP_MS: u64 = 250;
const MAX_DELAY_MS: u64 = 2_000;

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_account: u32,
    pub per_address: u32,
    pub lockout_seconds: i64,
}

#[derive(Debug, Default, Clone, Copy)]
struct Entry {
    failures: u32,
    last_failure: Option<DateTime<Utc>>,
    locked_until: Option<DateTime<Utc>>,
}

#[derive(Default)]
pub struct LoginLimiter {
    entries: Mutex<HashMap<String, Entry>>,
}

/// What to do with an attempt before checking the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Go ahead, after waiting this long (milliseconds).
    Proceed { delay_ms: u64 },
    /// Locked: try again in this many seconds.
    Locked { retry_after: u64 },
}

impl LoginLimiter {
    fn keys(account: &str, address: &str) -> [String; 2] {
        [format!("account:{}", account.trim().to_lowercase()), format!("address:{address}")]
    }

    pub fn admit(&self, account: &str, address: &str, now: DateTime<Utc>, limits: Limits) -> Admission {
        let mut entries = self.entries.lock();
        let mut failures = 0;
        for key in Self::keys(account, address) {
            let Some(entry) = entries.get_mut(&key) else { continue };
            // A quiet lockout period forgives the past failures.
            if entry.last_failure.is_some_and(|t| (now - t).num_seconds() >= limits.lockout_seconds) {
                *entry = Entry::default();
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
        for (key, threshold) in Self::keys(account, address).into_iter().zip([limits.per_account, limits.per_address]) {
            let entry = entries.entry(key).or_default();
            entry.failures += 1;
            entry.last_failure = Some(now);
            if entry.failures >= threshold.max(1) {
                entry.locked_until = Some(now + chrono::Duration::seconds(limits.lockout_seconds));
                entry.failures = 0;
                locked = Some(limits.lockout_seconds.max(1) as u64);
            }
        }
        if entries.len() > 100_000 {
            // Bounded memory under a spray of names: old entries go first.
            entries.retain(|_, e| e.locked_until.is_some_and(|u| u > now));
        }
        locked
    }

    /// A success clears the account's count (the address keeps its own).
    pub fn succeeded(&self, account: &str) {
        let [account_key, _] = Self::keys(account, "");
        self.entries.lock().remove(&account_key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { per_account: 3, per_address: 10, lockout_seconds: 60 };

    #[test]
    fn locks_an_account_after_repeated_failures_then_forgives() {
        let limiter = LoginLimiter::default();
        let now = Utc::now();
        assert_eq!(limiter.admit("a@x", "1.1.1.1", now, LIMITS), Admission::Proceed { delay_ms: 0 });
        assert_eq!(limiter.failed("a@x", "1.1.1.1", now, LIMITS), None);
        assert_eq!(limiter.failed("A@x", "2.2.2.2", now, LIMITS), None);
        assert_eq!(limiter.failed("a@x", "3.3.3.3", now, LIMITS), Some(60));
        assert!(matches!(limiter.admit("a@x", "4.4.4.4", now, LIMITS), Admission::Locked { .. }));
        // Another account from the same address is not locked.
        assert!(matches!(limiter.admit("b@x", "1.1.1.1", now, LIMITS), Admission::Proceed { .. }));
        let later = now + chrono::Duration::seconds(61);
        assert_eq!(limiter.admit("a@x", "4.4.4.4", later, LIMITS), Admission::Proceed { delay_ms: 0 });
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
}
