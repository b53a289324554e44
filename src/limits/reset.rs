//! Budget period resets: a key, user, team or organization whose `budget_reset_at` has
//! come gets its running `spend` set back to 0 and its next reset time
//! (`period::next_reset`); a budget object (`budgets`) gets its next reset time and the
//! spend of its customers set back to 0. One function, `reset_if_due`, does it for all of
//! them in one write and updates the
//! in-memory tables after the commit; the management reads call it first (so spend is
//! never shown from a finished period), the gateway's admission calls it, and the
//! periodic job (`jobs/budget_reset.rs`) calls it for entities nobody reads.

use crate::db::Conn;
use crate::db::DbError;
use crate::keys::KeyRecord;
use crate::state::AppState;
use chrono::{DateTime, Utc};

/// What one reset pass changed: (id, next reset time) per table.
#[derive(Debug, Default)]
pub struct Resets {
    pub keys: Vec<(String, Option<String>)>,
    pub users: Vec<(String, Option<String>)>,
    pub teams: Vec<(String, Option<String>)>,
    pub budgets: Vec<(String, Option<String>)>,
    pub organizations: Vec<(String, Option<String>)>,
}

impl Resets {
    pub fn count(&self) -> usize {
        self.keys.len() + self.users.len() + self.teams.len() + self.budgets.len() + self.organizations.len()
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

/// Whether the budget of this key, its user or its team is due (for admission, which
/// should not scan every entity on each request).
pub fn due_for_key(state: &AppState, key: &KeyRecord, now: DateTime<Utc>) -> bool {
    let now = crate::time::format(now);
    let due = |at: &Option<String>| at.as_deref().is_some_and(|at| at <= now.as_str());
    due(&key.budget_reset_at)
        || key.user_id.as_deref().and_then(|u| state.users.get(u)).is_some_and(|u| due(&u.budget_reset_at))
        || key.team_id.as_deref().and_then(|t| state.teams.get(t)).is_some_and(|t| due(&t.budget_reset_at))
}

/// For admission: performs the due resets (all of them, in one write) when the budget of
/// this key, its user or its team is due; a no-op without a database access otherwise.
pub fn reset_if_due_for_key(state: &AppState, key: &KeyRecord) -> Result<usize, DbError> {
    if !due_for_key(state, key, state.clock.now()) {
        return Ok(0);
    }
    reset_if_due_blocking(state)
}

/// Resets every due budget in one transaction (the caller's).
pub fn reset_due(conn: &Conn<'_>, now: DateTime<Utc>) -> crate::db::Result<Resets> {
    let now_text = crate::time::format(now);
    let one = |table: &str, id: &str| -> crate::db::Result<Vec<(String, Option<String>)>> {
        let mut stmt = conn.prepare(&format!(
            "SELECT {id}, budget_duration FROM {table} WHERE budget_reset_at IS NOT NULL AND budget_reset_at <= ?1"
        ))?;
        let due = stmt
            .query_map([&now_text], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?
            .collect::<crate::db::Result<Vec<_>>>()?;
        let mut done = Vec::new();
        for (object, period) in due {
            // A period that no longer parses stops resetting rather than resetting always.
            let next =
                period.as_deref().and_then(|p| crate::limits::period::next_reset(p, now).ok()).map(crate::time::format);
            // A budget object keeps no spend: its customers do.
            let spend = if table == "budgets" { "" } else { "spend = 0, " };
            conn.execute(
                &format!("UPDATE {table} SET {spend}budget_reset_at = ?1 WHERE {id} = ?2"),
                crate::params![next, object],
            )?;
            if table == "budgets" {
                crate::customers::store::reset_spend_of_budget(conn, &object)?;
                crate::budgets::holders::reset_spend(conn, &object)?;
            }
            // A team's new period is its members' too (as admission's reset does): else a
            // member with an in-team budget stays refused for the whole new period.
            if table == "teams" {
                conn.execute("UPDATE team_memberships SET spend = 0 WHERE team_id = ?1", [&object])?;
            }
            done.push((object, next));
        }
        Ok(done)
    };
    Ok(Resets {
        keys: one("keys", "token")?,
        users: one("users", "user_id")?,
        teams: one("teams", "team_id")?,
        budgets: one("budgets", "budget_id")?,
        organizations: one("organizations", "organization_id")?,
    })
}

/// Puts the reset values into the in-memory tables (inside the write's `then`).
fn apply(state: &AppState, resets: &Resets) {
    for (token, next) in &resets.keys {
        if let Some(key) = state.keys.get(token) {
            let mut key = (*key).clone();
            key.spend = 0.0;
            key.budget_reset_at.clone_from(next);
            state.keys.put(key);
        }
    }
    for (user_id, next) in &resets.users {
        if let Some(user) = state.users.get(user_id) {
            let mut user = (*user).clone();
            user.spend = 0.0;
            user.budget_reset_at.clone_from(next);
            state.users.put(user);
        }
    }
    for (team_id, next) in &resets.teams {
        if let Some(team) = state.teams.get(team_id) {
            let mut team = (*team).clone();
            team.spend = 0.0;
            team.budget_reset_at.clone_from(next);
            for member in &mut team.members {
                member.spend = 0.0;
            }
            state.teams.put(team);
        }
    }
    for (budget_id, next) in &resets.budgets {
        if let Some(budget) = state.budgets.get(budget_id) {
            let mut budget = (*budget).clone();
            budget.budget_reset_at.clone_from(next);
            state.budgets.put(budget);
        }
        state.customers.reset_budget(budget_id);
        crate::budgets::holders::reset_in_memory(state, budget_id);
    }
    for (org_id, next) in &resets.organizations {
        if let Some(org) = state.organizations.get(org_id) {
            let mut org = (*org).clone();
            org.spend = 0.0;
            org.budget_reset_at.clone_from(next);
            state.organizations.put(org);
        }
    }
}

/// Performs the resets that are due now, if any; returns how many entities were reset.
pub fn reset_if_due_blocking(state: &AppState) -> Result<usize, DbError> {
    let now = state.clock.now();
    if !any_due(state, now) {
        return Ok(0);
    }
    let cache = state.clone();
    let resets = state.db.write_then_blocking(|tx| reset_due(tx, now), move |resets: &Resets| apply(&cache, resets))?;
    if resets.count() > 0 {
        tracing::info!(
            keys = resets.keys.len(),
            users = resets.users.len(),
            teams = resets.teams.len(),
            budgets = resets.budgets.len(),
            "budgets reset"
        );
    }
    Ok(resets.count())
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
