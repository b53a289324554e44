//! The spend ledger: every spend write goes through here. Requests queue their spend rows;
//! whoever finds no commit running becomes the leader and commits everything queued in one
//! transaction (spend log rows, `spend += cost` on keys, users, teams and memberships, the
//! daily aggregate), then — still holding the writer, so caches change in commit order —
//! applies the same deltas to the in-memory tables, settles the budget reservations, and
//! wakes the waiting requests (group commit). A response is sent only after its row is
//! committed, so a crash (`kill -9`) loses no row of a delivered answer.
//!
//! The leader commits on its own task's thread rather than handing over to a writer thread:
//! a lone request then pays no thread switch at all. What a commit costs is mostly the
//! pages it writes to the WAL (a dozen b-tree pages, whether it carries one row or a
//! hundred), so under load the leader first gathers: while other admitted requests are
//! still to bring their rows (see [`Expected`]) it waits for them, at most
//! [`GATHER_LIMIT`]. A lone request never waits; under load one commit carries the rows of
//! every request in flight instead of one each.

use super::row::{Reset, SpendRow};
use crate::db::DbError;
use crate::error::ApiError;
use crate::limits::Reservation;
use crate::state::AppState;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, oneshot};

/// The largest number of rows one transaction takes.
const MAX_BATCH: usize = 1024;

/// The longest a leader waits for the rows of other requests in flight. Model requests
/// take hundreds of milliseconds and more, so this bound is lost in them; it only matters
/// when a request in flight waits for a slow upstream while others are done.
pub const GATHER_LIMIT: Duration = Duration::from_millis(1);

/// What the request learns once its row is committed.
#[derive(Debug, Clone, Copy)]
pub struct Committed {
    /// The key's running spend after this request.
    pub key_spend: Option<f64>,
}

struct Pending {
    row: Box<SpendRow>,
    reservation: Option<Arc<Reservation>>,
    reply: oneshot::Sender<Result<Committed, ApiError>>,
}

#[derive(Default)]
pub struct Ledger {
    spends: Mutex<Vec<Pending>>,
    resets: Mutex<Vec<Reset>>,
    /// Set while a request is committing (the leader).
    leading: AtomicBool,
    /// Admitted requests whose row is still to come or not yet committed.
    expected: AtomicUsize,
    /// Wakes a gathering leader once every expected row is queued.
    all_queued: Notify,
}

/// A request that will bring a spend row, counted from admission until it is dropped, so
/// that a leader knows whether more rows are on their way.
pub struct Expected(AppState);

impl Expected {
    pub fn new(state: &AppState) -> Self {
        state.ledger.expected.fetch_add(1, Ordering::AcqRel);
        Self(state.clone())
    }
}

impl Drop for Expected {
    fn drop(&mut self) {
        let ledger = &self.0.ledger;
        ledger.expected.fetch_sub(1, Ordering::AcqRel);
        ledger.wake_if_all_queued();
    }
}

/// Leadership, given up when dropped.
struct Leading<'a>(&'a AtomicBool);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// A leader that commits the queue when dropped: after gathering, and just as well when
/// its request is cancelled while gathering (a client that hung up), since the requests
/// that queued behind it rely on it.
struct Leader<'a> {
    state: &'a AppState,
    leading: Option<Leading<'a>>,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        let ledger = &self.state.ledger;
        ledger.commit_queued(self.state);
        drop(self.leading.take());
        ledger.drive(self.state);
    }
}

impl Ledger {
    /// Queues a row and returns once it is committed.
    pub async fn commit(
        &self,
        state: &AppState,
        row: SpendRow,
        reservation: Option<Arc<Reservation>>,
    ) -> Result<Committed, ApiError> {
        let (reply, answer) = oneshot::channel();
        self.spends.lock().push(Pending { row: Box::new(row), reservation, reply });
        self.wake_if_all_queued();
        if let Some(leading) = self.lead() {
            let leader = Leader { state, leading: Some(leading) };
            self.gather().await;
            drop(leader);
        }
        answer.await.map_err(|_| ApiError::internal("the spend ledger dropped a request"))?
    }

    /// Persists a budget reset that admission found due.
    pub fn reset(&self, state: &AppState, reset: Reset) {
        self.resets.lock().push(reset);
        self.drive(state);
    }

    /// Commits whatever is queued (on shutdown).
    pub fn flush(&self, state: &AppState) {
        self.drive(state);
    }

    /// Commits the queue now unless another request is doing so; that one re-checks the
    /// queue after it lets go, so no row is left behind.
    fn drive(&self, state: &AppState) {
        loop {
            let Some(leading) = self.lead() else { return };
            self.commit_queued(state);
            drop(leading);
            if self.spends.lock().is_empty() && self.resets.lock().is_empty() {
                return;
            }
        }
    }

    fn lead(&self) -> Option<Leading<'_>> {
        self.leading
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            .then_some(Leading(&self.leading))
    }

    /// Waits until every expected row is queued, at most [`GATHER_LIMIT`].
    async fn gather(&self) {
        let deadline = tokio::time::Instant::now() + GATHER_LIMIT;
        loop {
            let woken = self.all_queued.notified();
            tokio::pin!(woken);
            // Registered before the check, so a wake between the two is not lost.
            woken.as_mut().enable();
            if self.all_queued_now() {
                return;
            }
            if tokio::time::timeout_at(deadline, woken).await.is_err() {
                return;
            }
        }
    }

    fn all_queued_now(&self) -> bool {
        self.spends.lock().len() >= self.expected.load(Ordering::Acquire)
    }

    fn wake_if_all_queued(&self) {
        if self.leading.load(Ordering::Acquire) && self.all_queued_now() {
            self.all_queued.notify_waiters();
        }
    }

    /// Commits everything queued; the caller leads.
    fn commit_queued(&self, state: &AppState) {
        loop {
            let resets = std::mem::take(&mut *self.resets.lock());
            let spends: Vec<Pending> = {
                let mut queue = self.spends.lock();
                let take = queue.len().min(MAX_BATCH);
                queue.drain(..take).collect()
            };
            if spends.is_empty() && resets.is_empty() {
                return;
            }
            commit_batch(state, spends, &resets);
        }
    }
}

/// Per-entity sums of one batch.
#[derive(Default)]
pub(super) struct Deltas {
    pub(super) keys: HashMap<String, f64>,
    pub(super) users: HashMap<String, f64>,
    pub(super) teams: HashMap<String, f64>,
    pub(super) members: HashMap<(String, String), f64>,
}

impl Deltas {
    pub(super) fn of<'a>(rows: impl Iterator<Item = &'a SpendRow>) -> Self {
        let mut deltas = Deltas::default();
        for row in rows {
            let (charge, cost) = (&row.charge, row.cost);
            if let Some(key) = &charge.key {
                *deltas.keys.entry(key.clone()).or_default() += cost;
            }
            if let Some(user) = &charge.user {
                *deltas.users.entry(user.clone()).or_default() += cost;
            }
            if let Some(team) = &charge.team {
                *deltas.teams.entry(team.clone()).or_default() += cost;
            }
            if let Some(member) = &charge.member {
                *deltas.members.entry(member.clone()).or_default() += cost;
            }
        }
        deltas
    }
}

fn commit_batch(state: &AppState, spends: Vec<Pending>, resets: &[Reset]) {
    let deltas = Deltas::of(spends.iter().map(|p| p.row.as_ref()));
    let now = state.clock.now();
    let reset_plans: Vec<super::reset::Planned> =
        resets.iter().filter_map(|r| super::reset::plan(state, r, now)).collect();
    let timer = std::time::Instant::now();
    let rows: Vec<&SpendRow> = spends.iter().map(|p| p.row.as_ref()).collect();
    let write = |tx: &rusqlite::Transaction<'_>| {
        let mut applied = Vec::new();
        for plan in &reset_plans {
            if super::reset::apply(tx, plan, now)? {
                applied.push(plan.clone());
            }
        }
        if !rows.is_empty() {
            state.journal.append(tx, &rows)?;
        }
        Ok::<_, DbError>(applied)
    };
    let then = |applied: &Vec<super::reset::Planned>| {
        let settled = spends
            .iter()
            .filter_map(|p| p.reservation.as_deref().map(|r| (r, p.row.prompt_tokens + p.row.completion_tokens)));
        state.limiter.settle(settled, || {
            for plan in applied {
                super::reset::apply_to_cache(state, plan);
            }
            apply_to_caches(state, &deltas, &now);
        });
    };
    // A reset needs the rows before it folded first, which an ordinary write does.
    let result = if reset_plans.is_empty() {
        state.db.write_deferred_then_blocking(write, then)
    } else {
        state.db.write_then_blocking(write, then)
    };
    tracing::debug!(rows = spends.len(), micros = timer.elapsed().as_micros() as u64, "spend batch committed");
    match result {
        Ok(_) => {
            for pending in spends {
                let row = &pending.row;
                if let (Some(key), true) = (&row.charge.key, row.status_ok) {
                    state.limiter.record_cost(key, &row.model_group, row.cost);
                }
                let key_spend = row.charge.key.as_deref().and_then(|k| state.keys.get(k)).map(|k| k.spend);
                let _ = pending.reply.send(Ok(Committed { key_spend }));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, rows = spends.len(), "could not commit spend rows; the requests fail");
            let error = ApiError::from(e);
            for pending in spends {
                let _ = pending.reply.send(Err(error.clone()));
            }
        }
    }
}

fn apply_to_caches(state: &AppState, deltas: &Deltas, now: &chrono::DateTime<chrono::Utc>) {
    let now = crate::time::format(*now);
    for (token, delta) in &deltas.keys {
        if let Some(key) = state.keys.get(token) {
            let mut key = (*key).clone();
            key.spend += delta;
            key.last_active = Some(now.clone());
            state.keys.put(key);
        }
    }
    for (id, delta) in &deltas.users {
        if let Some(user) = state.users.get(id) {
            let mut user = (*user).clone();
            user.spend += delta;
            state.users.put(user);
        }
    }
    let mut teams: HashMap<&str, crate::teams::TeamRecord> = HashMap::new();
    for (id, delta) in &deltas.teams {
        if let Some(team) = state.teams.get(id) {
            teams.entry(id).or_insert_with(|| (*team).clone()).spend += delta;
        }
    }
    for ((team_id, user_id), delta) in &deltas.members {
        let Some(team) =
            teams.get(team_id.as_str()).cloned().or_else(|| state.teams.get(team_id).map(|t| (*t).clone()))
        else {
            continue;
        };
        let team = teams.entry(team_id).or_insert(team);
        if let Some(member) = team.members.iter_mut().find(|m| &m.user_id == user_id) {
            member.spend += delta;
        }
    }
    for (_, team) in teams {
        state.teams.put(team);
    }
}
