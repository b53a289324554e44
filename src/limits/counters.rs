//! The in-memory counters admission decides on, all behind one mutex so a check and the
//! reservation it makes are one step: requests and tokens per 60-second window
//! (`rpm_limit`, `tpm_limit`), requests in flight (`max_parallel_requests`), and the cost
//! reserved against each budget by requests not yet settled. Entries are never evicted by
//! size (LiteLLM's counter cache forgets limits past a few hundred keys); an entry is a few
//! dozen bytes, so 10,000 keys cost well under a megabyte.
//!
//! Budgets: a request is refused when `spend + reserved >= max_budget` — nothing is left
//! once the requests in flight are paid — and otherwise admitted with its estimate
//! reserved. So a request the remaining budget covers is never refused, and parallel
//! requests overshoot by at most one request's cost when the estimates are good.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(60);

/// What a counter or budget belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    Key(String),
    User(String),
    Team(String),
    Member {
        team: String,
        user: String,
    },
    /// A customer (end user) named by the request, with its budget object's limits.
    Customer(String),
    /// The organization of the key's team.
    Organization(String),
}

impl Scope {
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Key(_) => "key",
            Scope::User(_) => "user",
            Scope::Team(_) => "team",
            Scope::Member { .. } => "team_member",
            Scope::Customer(_) => "end_user",
            Scope::Organization(_) => "organization",
        }
    }

    /// Whether `used` (spend plus reservations) leaves nothing of `max`. LiteLLM refuses a
    /// customer only once its spend is above its budget (`spend > max_budget`), everyone
    /// else once it reaches it.
    pub fn exhausted(&self, used: f64, max: f64) -> bool {
        match self {
            Scope::Customer(_) => used > max,
            Scope::Key(_) | Scope::User(_) | Scope::Team(_) | Scope::Member { .. } | Scope::Organization(_) => {
                used >= max
            }
        }
    }
}

/// A budget to check, with the spend read under the limiter's lock.
#[derive(Debug, Clone)]
pub struct BudgetCheck {
    pub scope: Scope,
    pub spend: f64,
    pub max_budget: f64,
}

/// The rate limits of one scope.
#[derive(Debug, Clone)]
pub struct LimitCheck {
    pub scope: Scope,
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    pub parallel: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    Requests,
    Tokens,
    Parallel,
}

impl LimitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LimitKind::Requests => "requests",
            LimitKind::Tokens => "tokens",
            LimitKind::Parallel => "max_parallel_requests",
        }
    }
}

/// Why admission said no.
#[derive(Debug, Clone)]
pub enum Refusal {
    Budget { check: BudgetCheck, reserved: f64 },
    Rate { scope: Scope, kind: LimitKind, current: u64, limit: u64, retry_after: u64 },
}

#[derive(Default)]
struct Counter {
    window_start: Option<Instant>,
    requests: u64,
    tokens: u64,
    in_flight: u64,
    reserved: f64,
}

impl Counter {
    fn roll(&mut self, now: Instant) {
        if self.window_start.is_none_or(|start| now.duration_since(start) >= WINDOW) {
            self.window_start = Some(now);
            self.requests = 0;
            self.tokens = 0;
        }
    }

    fn retry_after(&self, now: Instant) -> u64 {
        let end = self.window_start.map_or(now, |s| s + WINDOW);
        end.saturating_duration_since(now).as_secs_f64().ceil().max(1.0) as u64
    }
}

#[derive(Default)]
struct State {
    counters: HashMap<Scope, Counter>,
    /// Recent real cost per (key, model group), for estimates.
    recent_cost: HashMap<(String, String), f64>,
}

#[derive(Default)]
pub struct Limiter {
    state: Mutex<State>,
}

/// What one admitted request holds: its in-flight slots and its budget reservation.
pub struct Reservation {
    budgets: Vec<(Scope, f64)>,
    rate_scopes: Vec<Scope>,
    settled: AtomicBool,
}

/// Remaining requests/tokens of the first limited scope, for `x-ratelimit-*` headers.
#[derive(Debug, Clone, Copy, Default)]
pub struct Remaining {
    pub requests: Option<(u64, u64)>,
    pub tokens: Option<(u64, u64)>,
}

/// An admitted request. Dropping it frees its slots and, if the ledger has not settled
/// it, its reservation (a request that failed costs nothing).
pub struct Admission {
    limiter: Arc<Limiter>,
    pub reservation: Arc<Reservation>,
    slots: Vec<Scope>,
    pub remaining: Remaining,
}

impl Limiter {
    /// Checks every budget and limit and, when all pass, reserves `estimate` against every
    /// budget and takes a request slot in every limited scope. `budgets` runs under the
    /// lock, so the spend it reads cannot change under the decision.
    pub fn admit(
        self: &Arc<Self>,
        budgets: impl FnOnce() -> Vec<BudgetCheck>,
        limits: &[LimitCheck],
        estimate: f64,
    ) -> Result<Admission, Refusal> {
        let now = Instant::now();
        let mut state = self.state.lock();
        let budgets = budgets();
        for check in &budgets {
            let reserved = state.counters.get(&check.scope).map_or(0.0, |c| c.reserved);
            if check.scope.exhausted(check.spend + reserved, check.max_budget) {
                return Err(Refusal::Budget { check: check.clone(), reserved });
            }
        }
        for limit in limits {
            let counter = state.counters.entry(limit.scope.clone()).or_default();
            counter.roll(now);
            if let Some(max) = limit.parallel
                && counter.in_flight >= max
            {
                return Err(Refusal::Rate {
                    scope: limit.scope.clone(),
                    kind: LimitKind::Parallel,
                    current: counter.in_flight,
                    limit: max,
                    retry_after: 1,
                });
            }
            if let Some(max) = limit.rpm
                && counter.requests >= max
            {
                return Err(Refusal::Rate {
                    scope: limit.scope.clone(),
                    kind: LimitKind::Requests,
                    current: counter.requests,
                    limit: max,
                    retry_after: counter.retry_after(now),
                });
            }
            if let Some(max) = limit.tpm
                && counter.tokens >= max
            {
                return Err(Refusal::Rate {
                    scope: limit.scope.clone(),
                    kind: LimitKind::Tokens,
                    current: counter.tokens,
                    limit: max,
                    retry_after: counter.retry_after(now),
                });
            }
        }
        let mut remaining = Remaining::default();
        for (index, limit) in limits.iter().enumerate() {
            let counter = state.counters.entry(limit.scope.clone()).or_default();
            counter.requests += 1;
            counter.in_flight += 1;
            if index == 0 {
                remaining.requests = limit.rpm.map(|max| (max.saturating_sub(counter.requests), max));
                remaining.tokens = limit.tpm.map(|max| (max.saturating_sub(counter.tokens), max));
            }
        }
        let estimate = if estimate.is_finite() { estimate.max(0.0) } else { 0.0 };
        for check in &budgets {
            state.counters.entry(check.scope.clone()).or_default().reserved += estimate;
        }
        let reservation = Reservation {
            budgets: budgets.into_iter().map(|b| (b.scope, estimate)).collect(),
            rate_scopes: limits.iter().map(|l| l.scope.clone()).collect(),
            settled: AtomicBool::new(false),
        };
        let slots = limits.iter().map(|l| l.scope.clone()).collect();
        Ok(Admission { limiter: self.clone(), reservation: Arc::new(reservation), slots, remaining })
    }

    /// Settles reservations once their costs are committed: `apply` (which adds the real
    /// costs to the in-memory spend) runs under the same lock that releases the estimates,
    /// so no admission ever sees a cost twice or not at all. Tokens count towards `tpm_limit`.
    pub fn settle<'a>(&self, settled: impl IntoIterator<Item = (&'a Reservation, u64)>, apply: impl FnOnce()) {
        let mut state = self.state.lock();
        apply();
        for (reservation, tokens) in settled {
            if reservation.settled.swap(true, Ordering::AcqRel) {
                continue;
            }
            release_budgets(&mut state, reservation);
            for scope in &reservation.rate_scopes {
                if let Some(counter) = state.counters.get_mut(scope) {
                    counter.tokens += tokens;
                }
            }
        }
    }

    /// Applies a change to the in-memory spend under the lock (budget resets).
    pub fn with_lock(&self, apply: impl FnOnce()) {
        let _state = self.state.lock();
        apply();
    }

    /// What this key's requests to this model have really cost lately (a moving average).
    pub fn recent_cost(&self, key: &str, model: &str) -> Option<f64> {
        self.state.lock().recent_cost.get(&(key.to_string(), model.to_string())).copied()
    }

    pub fn record_cost(&self, key: &str, model: &str, cost: f64) {
        let mut state = self.state.lock();
        let entry = state.recent_cost.entry((key.to_string(), model.to_string())).or_insert(cost);
        // Leans on the latest request while smoothing out one odd answer.
        *entry = 0.5 * *entry + 0.5 * cost;
    }
}

fn release_budgets(state: &mut State, reservation: &Reservation) {
    for (scope, amount) in &reservation.budgets {
        if let Some(counter) = state.counters.get_mut(scope) {
            counter.reserved = (counter.reserved - amount).max(0.0);
        }
    }
}

impl Admission {
    /// Frees the in-flight slots now (before the last byte goes out, so a client that
    /// sends its next request as soon as it has the answer is not refused).
    pub fn release_slots(&mut self) {
        if self.slots.is_empty() {
            return;
        }
        let mut state = self.limiter.state.lock();
        for scope in self.slots.drain(..) {
            if let Some(counter) = state.counters.get_mut(&scope) {
                counter.in_flight = counter.in_flight.saturating_sub(1);
            }
        }
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        self.release_slots();
        if !self.reservation.settled.swap(true, Ordering::AcqRel) {
            let mut state = self.limiter.state.lock();
            release_budgets(&mut state, &self.reservation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(spend: f64) -> Vec<BudgetCheck> {
        vec![BudgetCheck { scope: Scope::Key("k".into()), spend, max_budget: 1.0 }]
    }

    #[test]
    fn reservations_admit_what_fits_and_stop_at_the_budget() {
        let limiter = Arc::new(Limiter::default());
        // Room for four requests of 0.25: the fifth finds the budget reserved.
        let held: Vec<Admission> = (0..4).map(|_| limiter.admit(|| budget(0.0), &[], 0.25).unwrap()).collect();
        assert!(matches!(limiter.admit(|| budget(0.0), &[], 0.25), Err(Refusal::Budget { .. })));
        // A request that fails releases its reservation.
        drop(held);
        let admitted = limiter.admit(|| budget(0.0), &[], 0.25).unwrap();
        // Settled: the real cost is now spend, the estimate is released.
        limiter.settle([(admitted.reservation.as_ref(), 10)], || {});
        drop(admitted);
        assert!(limiter.admit(|| budget(0.9), &[], 0.25).is_ok(), "0.1 left: still served");
        assert!(limiter.admit(|| budget(1.0), &[], 0.0).is_err(), "spend >= max_budget");
    }

    #[test]
    fn a_customer_is_refused_above_its_budget_not_at_it() {
        let limiter = Arc::new(Limiter::default());
        let check = |spend| vec![BudgetCheck { scope: Scope::Customer("c".into()), spend, max_budget: 1.0 }];
        assert!(limiter.admit(|| check(1.0), &[], 0.0).is_ok(), "spend == max_budget still passes");
        assert!(matches!(limiter.admit(|| check(1.01), &[], 0.0), Err(Refusal::Budget { .. })));
        // Reservations count: two requests of 0.6 fit under 1.0 only once.
        let first = limiter.admit(|| check(0.0), &[], 0.6).unwrap();
        let _second = limiter.admit(|| check(0.0), &[], 0.6).unwrap();
        assert!(limiter.admit(|| check(0.0), &[], 0.6).is_err(), "1.2 reserved is above the budget");
        drop(first);
    }

    #[test]
    fn parallel_and_rpm_limits() {
        let limiter = Arc::new(Limiter::default());
        let limits = [LimitCheck { scope: Scope::Key("k".into()), rpm: Some(3), tpm: None, parallel: Some(1) }];
        let mut first = limiter.admit(Vec::new, &limits, 0.0).unwrap();
        assert!(matches!(limiter.admit(Vec::new, &limits, 0.0), Err(Refusal::Rate { kind: LimitKind::Parallel, .. })));
        first.release_slots();
        drop(limiter.admit(Vec::new, &limits, 0.0).unwrap());
        drop(limiter.admit(Vec::new, &limits, 0.0).unwrap());
        match limiter.admit(Vec::new, &limits, 0.0) {
            Err(Refusal::Rate { kind: LimitKind::Requests, limit: 3, retry_after, .. }) => {
                assert!((1..=60).contains(&retry_after));
            }
            _ => panic!("the fourth request in a minute passed"),
        }
    }
}
