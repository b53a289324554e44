//! The spend ledger: every spend write goes through here. Requests queue their spend rows
//! and one committer at a time commits everything queued in one transaction (the rows go
//! into their tables, or for a lone request into the spend journal), then — still holding the writer, so
//! caches change in commit order — applies the same deltas to the in-memory tables,
//! settles the budget reservations, and wakes the waiting requests (group commit). A
//! response is sent only after its row is committed, so a crash (`kill -9`) loses no row
//! of a delivered answer.
//!
//! Who commits: a lone request (no other one in flight) commits on its own thread, so it
//! pays no thread switch. Under load the rows go to the ledger's writer thread instead:
//! the serving threads go on serving while it commits; it waits briefly for the rows of
//! the other requests in flight ([`GATHER_LIMIT`]), and whatever queued during one commit
//! goes into the next.

use super::row::{Reset, SpendRow};
use crate::db::DbError;
use crate::error::ApiError;
use crate::limits::Reservation;
use crate::limits::reset;
use crate::state::{AppState, WeakState};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::oneshot;

/// The largest number of rows one transaction takes.
const MAX_BATCH: usize = 1024;

/// The longest the writer thread waits for the rows of other requests in flight before it
/// commits. A commit writes about a dozen pages (spend_rows and its indexes, the running
/// spends, the daily and weekly sums) whether it carries one row or fifty, so waiting a
/// little under load saves about a tenth of the CPU of a request (bench/run.sh). Model
/// requests take hundreds of milliseconds and more; this is lost in them.
const GATHER_LIMIT: Duration = Duration::from_micros(500);

/// How often an idle writer thread checks whether the state it serves is gone.
const WRITER_IDLE_CHECK: Duration = Duration::from_millis(200);

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
    /// Set while someone commits.
    committing: AtomicBool,
    /// Model requests whose row is still to come or not yet committed.
    in_flight: AtomicUsize,
    /// Set while the writer thread waits for the rows of requests in flight.
    gathering: AtomicBool,
    /// The writer thread, started by the first commit (None if it could not start).
    writer: OnceLock<Option<std::thread::Thread>>,
    /// Closed while the disk is too full to commit spend rows.
    gate: super::gate::Gate,
}

/// A request that will bring a spend row (answered or failed), counted until it is dropped, so
/// that the ledger knows whether a request is alone.
pub struct Expected(AppState);

impl Expected {
    pub fn new(state: &AppState) -> Self {
        state.ledger.in_flight.fetch_add(1, Ordering::AcqRel);
        Self(state.clone())
    }
}

impl Drop for Expected {
    fn drop(&mut self) {
        self.0.ledger.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The right to commit, given up when dropped.
struct Committing<'a>(&'a AtomicBool);

impl Drop for Committing<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

impl Ledger {
    /// Queues a row and returns once it is committed. The row is committed even when the
    /// caller stops waiting (a client that hung up).
    pub async fn commit(
        &self,
        state: &AppState,
        row: SpendRow,
        reservation: Option<Arc<Reservation>>,
    ) -> Result<Committed, ApiError> {
        let (reply, answer) = oneshot::channel();
        let queued = {
            let mut queue = self.spends.lock();
            queue.push(Pending { row: Box::new(row), reservation, reply });
            queue.len()
        };
        let in_flight = self.in_flight.load(Ordering::Acquire);
        match self.writer(state) {
            // A gathering writer is woken only by the last row it waits for.
            Some(writer) if in_flight > 1 => {
                if !self.gathering.load(Ordering::Acquire) || queued >= in_flight {
                    writer.unpark();
                }
            }
            _ => self.drive(state, Mode::Journal),
        }
        answer.await.map_err(|_| ApiError::internal("the spend ledger dropped a request"))?
    }

    /// Whether a model request may call the upstream: not while spend rows cannot be
    /// committed for lack of space (see `gate`).
    pub fn admit_model_request(&self, state: &AppState) -> Result<(), ApiError> {
        self.gate.admit(|| super::gate::probe(&state.db))
    }

    /// Persists a budget reset that admission found due.
    pub fn reset(&self, state: &AppState, reset: Reset) {
        self.resets.lock().push(reset);
        self.drive(state, Mode::Journal);
    }

    /// Commits whatever is queued (on shutdown).
    pub fn flush(&self, state: &AppState) {
        self.drive(state, Mode::Tables);
    }

    /// Commits the queue now unless someone else is committing; that one re-checks the
    /// queue after it lets go, so no row is left behind.
    fn drive(&self, state: &AppState, mode: Mode) {
        loop {
            let Some(committing) = self.take_turn() else { return };
            self.commit_queued(state, mode);
            drop(committing);
            if self.spends.lock().is_empty() && self.resets.lock().is_empty() {
                return;
            }
        }
    }

    fn take_turn(&self) -> Option<Committing<'_>> {
        self.committing
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            .then_some(Committing(&self.committing))
    }

    /// The writer thread. It holds the state weakly: it ends once the state is dropped,
    /// so it never keeps the database open.
    fn writer(&self, state: &AppState) -> Option<&std::thread::Thread> {
        let writer = self.writer.get_or_init(|| {
            let weak = state.downgrade();
            let spawned = std::thread::Builder::new().name("spend-writer".into()).spawn(move || write_loop(&weak));
            match spawned {
                Ok(handle) => Some(handle.thread().clone()),
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the spend writer thread; requests commit their own rows");
                    None
                }
            }
        });
        writer.as_ref()
    }

    /// Commits everything queued; the caller has the turn.
    fn commit_queued(&self, state: &AppState, mode: Mode) {
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
            commit_batch(state, spends, &resets, mode);
        }
    }
}

fn write_loop(weak: &WeakState) {
    loop {
        std::thread::park_timeout(WRITER_IDLE_CHECK);
        let Some(state) = weak.upgrade() else { return };
        state.ledger.gather();
        state.ledger.drive(&state, Mode::Tables);
    }
}

impl Ledger {
    /// Waits, at most [`GATHER_LIMIT`], while rows of requests in flight are still to come.
    fn gather(&self) {
        if self.spends.lock().is_empty() {
            return;
        }
        let deadline = std::time::Instant::now() + GATHER_LIMIT;
        self.gathering.store(true, Ordering::Release);
        loop {
            let now = std::time::Instant::now();
            if now >= deadline || self.spends.lock().len() >= self.in_flight.load(Ordering::Acquire) {
                break;
            }
            std::thread::park_timeout(deadline - now);
        }
        self.gathering.store(false, Ordering::Release);
    }
}

/// Where a commit puts its rows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Appended to the spend journal, folded later: a page or two, what a lone request
    /// waits for.
    Journal,
    /// Straight into their tables (after folding the journal, which keeps the order). The
    /// writer thread's batches are large enough that the dozen pages pay off, and it
    /// spares the rows the journal's second pass.
    Tables,
}

/// Per-entity sums of one batch.
#[derive(Default)]
pub(super) struct Deltas {
    pub(super) keys: HashMap<String, f64>,
    pub(super) users: HashMap<String, f64>,
    pub(super) teams: HashMap<String, f64>,
    pub(super) members: HashMap<(String, String), f64>,
    pub(super) customers: HashMap<String, f64>,
    pub(super) organizations: HashMap<String, f64>,
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
            if let Some(customer) = &charge.customer {
                *deltas.customers.entry(customer.clone()).or_default() += cost;
            }
            if let Some(org) = &charge.organization {
                *deltas.organizations.entry(org.clone()).or_default() += cost;
            }
        }
        deltas
    }
}

fn commit_batch(state: &AppState, spends: Vec<Pending>, resets: &[Reset], mode: Mode) {
    let deltas = Deltas::of(spends.iter().map(|p| p.row.as_ref()));
    let now = state.clock.now();
    let reset_plans: Vec<reset::Planned> = resets.iter().filter_map(|r| reset::plan(state, r, now)).collect();
    let timer = std::time::Instant::now();
    let rows: Vec<&SpendRow> = spends.iter().map(|p| p.row.as_ref()).collect();
    let write = |tx: &crate::db::Tx<'_>| {
        let mut applied = Vec::new();
        for plan in &reset_plans {
            if reset::write(tx, plan, now)? {
                applied.push(plan.clone());
            }
        }
        match mode {
            _ if rows.is_empty() => {}
            Mode::Journal => state.journal.append(tx, &rows)?,
            Mode::Tables => super::write::write_rows(tx, &rows, &deltas, state.journal.logs())?,
        }
        // Whichever table the rows went to: a payload is committed with its row or not at all.
        super::payloads::write(tx, &rows)?;
        Ok::<_, DbError>(applied)
    };
    let then = |applied: &Vec<reset::Planned>| {
        let settled = spends
            .iter()
            .filter_map(|p| p.reservation.as_deref().map(|r| (r, p.row.prompt_tokens + p.row.completion_tokens)));
        state.limiter.settle(settled, || {
            for plan in applied {
                reset::apply(state, plan);
            }
            apply_to_caches(state, &deltas, &now);
        });
    };
    // A reset needs the rows before it folded first, which an ordinary write does.
    let result = if reset_plans.is_empty() && mode == Mode::Journal {
        state.db.write_deferred_then_blocking(write, then)
    } else {
        state.db.write_then_blocking(write, then)
    };
    tracing::debug!(rows = spends.len(), micros = timer.elapsed().as_micros() as u64, "spend batch committed");
    match result {
        Ok(_) => {
            state.ledger.gate.committed();
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
            state.ledger.gate.commit_failed(&e);
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
    for (id, delta) in &deltas.customers {
        state.customers.add_spend(id, *delta);
    }
    for (id, delta) in &deltas.organizations {
        if let Some(org) = state.organizations.get(id) {
            let mut org = (*org).clone();
            org.spend += delta;
            state.organizations.put(org);
        }
    }
}
