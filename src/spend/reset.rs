//! Persisting a budget reset found due at admission (see `limits::budget`): spend back to
//! 0 and the next calendar-aligned reset time, only if the stored reset time has really
//! passed (so several requests noticing it reset once).

use super::row::Reset;
use crate::db::Tx;
use crate::state::AppState;
use chrono::{DateTime, Utc};

#[derive(Debug, Clone)]
pub struct Planned {
    reset: Reset,
    next: Option<String>,
}

/// The next reset time, from the period the in-memory record holds.
pub fn plan(state: &AppState, reset: &Reset, now: DateTime<Utc>) -> Option<Planned> {
    let duration = match reset {
        Reset::Key(id) => state.keys.get(id)?.budget_duration.clone(),
        Reset::User(id) => state.users.get(id)?.budget_duration.clone(),
        Reset::Team(id) => state.teams.get(id)?.budget_duration.clone(),
        Reset::Budget(id) => state.budgets.get(id)?.budget_duration.clone(),
        Reset::Organization(id) => state.organizations.get(id)?.budget_duration.clone(),
    };
    let next = duration.and_then(|d| crate::limits::period::next_reset(&d, now).ok()).map(crate::time::format);
    Some(Planned { reset: reset.clone(), next })
}

/// Writes the reset; true when the row was due and changed.
pub fn apply(tx: &Tx<'_>, plan: &Planned, now: DateTime<Utc>) -> crate::db::Result<bool> {
    let (table, column, id) = match &plan.reset {
        Reset::Key(id) => ("keys", "token", id),
        Reset::User(id) => ("users", "user_id", id),
        Reset::Team(id) => ("teams", "team_id", id),
        Reset::Budget(id) => ("budgets", "budget_id", id),
        Reset::Organization(id) => ("organizations", "organization_id", id),
    };
    // A budget object keeps no spend: its customers do.
    let spend = if table == "budgets" { "" } else { "spend = 0, " };
    let sql = format!(
        "UPDATE {table} SET {spend}budget_reset_at = ?1 WHERE {column} = ?2 AND budget_reset_at IS NOT NULL AND budget_reset_at <= ?3"
    );
    let changed = tx.execute(&sql, crate::params![plan.next, id, crate::time::format(now)])?;
    if changed > 0 && matches!(plan.reset, Reset::Team(_)) {
        // A team's period also restarts its members' budgets inside the team.
        tx.execute("UPDATE team_memberships SET spend = 0 WHERE team_id = ?1", [id])?;
    }
    if changed > 0 && matches!(plan.reset, Reset::Budget(_)) {
        crate::customers::store::reset_spend_of_budget(tx, id)?;
        crate::budgets::holders::reset_spend(tx, id)?;
    }
    Ok(changed > 0)
}

pub fn apply_to_cache(state: &AppState, plan: &Planned) {
    match &plan.reset {
        Reset::Key(id) => {
            if let Some(key) = state.keys.get(id) {
                let mut key = (*key).clone();
                key.spend = 0.0;
                key.budget_reset_at = plan.next.clone();
                state.keys.put(key);
            }
        }
        Reset::User(id) => {
            if let Some(user) = state.users.get(id) {
                let mut user = (*user).clone();
                user.spend = 0.0;
                user.budget_reset_at = plan.next.clone();
                state.users.put(user);
            }
        }
        Reset::Team(id) => {
            if let Some(team) = state.teams.get(id) {
                let mut team = (*team).clone();
                team.spend = 0.0;
                team.budget_reset_at = plan.next.clone();
                for member in &mut team.members {
                    member.spend = 0.0;
                }
                state.teams.put(team);
            }
        }
        Reset::Budget(id) => {
            if let Some(budget) = state.budgets.get(id) {
                let mut budget = (*budget).clone();
                budget.budget_reset_at = plan.next.clone();
                state.budgets.put(budget);
            }
            state.customers.reset_budget(id);
            crate::budgets::holders::reset_in_memory(state, id);
        }
        Reset::Organization(id) => {
            if let Some(org) = state.organizations.get(id) {
                let mut org = (*org).clone();
                org.spend = 0.0;
                org.budget_reset_at = plan.next.clone();
                state.organizations.put(org);
            }
        }
    }
}
