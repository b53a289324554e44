//! Budget period resets, done one way: a key, user, team or organization whose
//! `budget_reset_at` has come gets its running `spend` set back to 0 and its next reset
//! time (`period::next_reset`); a team's members their in-team spend too; a budget object
//! (`budgets`) its next reset time, and its customers and holders their spend.
//!
//! One reset of one entity is a [`Planned`] reset, written by [`write`] (the SQL is in
//! `reset_store.rs`; it changes nothing unless the stored reset time has really passed, so
//! two paths noticing the same reset reset once) and put into the in-memory tables after the
//! commit by [`apply`]. Two paths use them:
//! - admission notices a due budget of the request's key, user, team, organization or
//!   budget object, and the ledger writes the reset with the request's spend
//!   (`spend::ledger`, planned from the in-memory record by [`plan`]);
//! - [`reset_if_due`] resets every due entity in one write: the management reads call it
//!   first (so spend is never shown from a finished period), and the periodic job
//!   (`jobs/budget_reset.rs`) calls it for entities nobody reads.

use super::reset_store;
use crate::db::{Conn, DbError};
use crate::keys::KeyRecord;
use crate::state::AppState;
use chrono::{DateTime, Utc};

/// An entity whose budget period has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reset {
    Key(String),
    User(String),
    Team(String),
    /// A budget object's period: the spend of its customers and holders starts again.
    Budget(String),
    Organization(String),
}

/// A reset with the entity's next reset time (`None`: no further resets).
#[derive(Debug, Clone, PartialEq)]
pub struct Planned {
    pub reset: Reset,
    pub next: Option<String>,
}

/// The reset time after `now` for a period; a period that no longer parses stops resetting
/// rather than resetting always.
fn next_after(period: Option<&str>, now: DateTime<Utc>) -> Option<String> {
    period.and_then(|p| super::period::next_reset(p, now).ok()).map(crate::time::format)
}

/// Plans a reset from the period the in-memory record holds (admission's way); `None`
/// when the entity is gone.
pub fn plan(state: &AppState, reset: &Reset, now: DateTime<Utc>) -> Option<Planned> {
    let period = match reset {
        Reset::Key(id) => state.keys.get(id)?.budget_duration.clone(),
        Reset::User(id) => state.users.get(id)?.budget_duration.clone(),
        Reset::Team(id) => state.teams.get(id)?.budget_duration.clone(),
        Reset::Budget(id) => state.budgets.get(id)?.budget_duration.clone(),
        Reset::Organization(id) => state.organizations.get(id)?.budget_duration.clone(),
    };
    Some(Planned { reset: reset.clone(), next: next_after(period.as_deref(), now) })
}

/// Writes the reset, in the caller's transaction; true when the entity was due and changed.
pub fn write(conn: &Conn<'_>, plan: &Planned, now: DateTime<Utc>) -> crate::db::Result<bool> {
    reset_store::reset_one(conn, &plan.reset, plan.next.as_deref(), &crate::time::format(now))
}

/// Puts a written reset into the in-memory tables (inside the write's `then`).
pub fn apply(state: &AppState, plan: &Planned) {
    let next = &plan.next;
    match &plan.reset {
        Reset::Key(id) => {
            if let Some(key) = state.keys.get(id) {
                let mut key = (*key).clone();
                key.spend = 0.0;
                key.budget_reset_at.clone_from(next);
                state.keys.put(key);
            }
        }
        Reset::User(id) => {
            if let Some(user) = state.users.get(id) {
                let mut user = (*user).clone();
                user.spend = 0.0;
                user.budget_reset_at.clone_from(next);
                state.users.put(user);
            }
        }
        Reset::Team(id) => {
            if let Some(team) = state.teams.get(id) {
                let mut team = (*team).clone();
                team.spend = 0.0;
                team.budget_reset_at.clone_from(next);
                for member in &mut team.members {
                    member.spend = 0.0;
                }
                state.teams.put(team);
            }
        }
        Reset::Budget(id) => {
            // Its holders' spend first: an admission that already sees the new period must
            // not see them still at the old period's spend (and refuse a key the reset frees).
            state.customers.reset_budget(id);
            crate::budgets::holders::reset_in_memory(state, id);
            if let Some(budget) = state.budgets.get(id) {
                let mut budget = (*budget).clone();
                budget.budget_reset_at.clone_from(next);
                state.budgets.put(budget);
            }
        }
        Reset::Organization(id) => {
            if let Some(org) = state.organizations.get(id) {
                let mut org = (*org).clone();
                org.spend = 0.0;
                org.budget_reset_at.clone_from(next);
                state.organizations.put(org);
            }
        }
    }
}

/// Whether any entity in memory has a reset due (cheap: no database access).
pub fn any_due(state: &AppState, now: DateTime<Utc>) -> bool {
    let now = crate::time::format(now);
    let due = |at: &Option<String>| at.as_deref().is_some_and(|at| at <= now.as_str());
    state.keys.all().iter().any(|k| due(&k.budget_reset_at))
        || state.users.all().iter().any(|u| due(&u.budget_reset_at))
        || state.teams.all().iter().any(|t| due(&t.budget_reset_at))
        || state.budgets.all().iter().any(|b| due(&b.budget_reset_at))
        || state.organizations.all().iter().any(|o| due(&o.budget_reset_at))
}

/// Whether the budget of this key, its user or its team is due (without scanning every
/// entity).
pub fn due_for_key(state: &AppState, key: &KeyRecord, now: DateTime<Utc>) -> bool {
    let now = crate::time::format(now);
    let due = |at: &Option<String>| at.as_deref().is_some_and(|at| at <= now.as_str());
    due(&key.budget_reset_at)
        || key.user_id.as_deref().and_then(|u| state.users.get(u)).is_some_and(|u| due(&u.budget_reset_at))
        || key.team_id.as_deref().and_then(|t| state.teams.get(t)).is_some_and(|t| due(&t.budget_reset_at))
}

/// Performs the due resets (all of them, in one write) when the budget of this key, its
/// user or its team is due; a no-op without a database access otherwise.
pub fn reset_if_due_for_key(state: &AppState, key: &KeyRecord) -> Result<usize, DbError> {
    if !due_for_key(state, key, state.clock.now()) {
        return Ok(0);
    }
    reset_if_due_blocking(state)
}

/// Resets every due entity in the caller's transaction, each planned from its stored
/// period; the resets written.
pub fn reset_due(conn: &Conn<'_>, now: DateTime<Utc>) -> crate::db::Result<Vec<Planned>> {
    let mut done = Vec::new();
    for (reset, period) in reset_store::due(conn, &crate::time::format(now))? {
        let plan = Planned { reset, next: next_after(period.as_deref(), now) };
        if write(conn, &plan, now)? {
            done.push(plan);
        }
    }
    Ok(done)
}

/// Performs the resets that are due now, if any; returns how many entities were reset.
pub fn reset_if_due_blocking(state: &AppState) -> Result<usize, DbError> {
    let now = state.clock.now();
    if !any_due(state, now) {
        return Ok(0);
    }
    let cache = state.clone();
    let done = state.db.write_then_blocking(
        |tx| reset_due(tx, now),
        move |done: &Vec<Planned>| {
            for plan in done {
                apply(&cache, plan);
            }
        },
    )?;
    if !done.is_empty() {
        let count = |kind: fn(&Reset) -> bool| done.iter().filter(|p| kind(&p.reset)).count();
        tracing::info!(
            keys = count(|r| matches!(r, Reset::Key(_))),
            users = count(|r| matches!(r, Reset::User(_))),
            teams = count(|r| matches!(r, Reset::Team(_))),
            budgets = count(|r| matches!(r, Reset::Budget(_))),
            "budgets reset"
        );
    }
    Ok(done.len())
}

/// `reset_if_due_blocking` off the async runtime (only when something is due).
pub async fn reset_if_due(state: &AppState) -> Result<usize, DbError> {
    if !any_due(state, state.clock.now()) {
        return Ok(0);
    }
    let state = state.clone();
    tokio::task::spawn_blocking(move || reset_if_due_blocking(&state))
        .await
        .map_err(|e| DbError::Other(format!("reset task failed: {e}")))?
}

#[cfg(test)]
#[path = "reset_tests.rs"]
mod tests;
