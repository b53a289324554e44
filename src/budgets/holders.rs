//! Who references a budget object besides customers: keys and team memberships
//! (`budget_id`). A reference must name a budget that exists; a budget still referenced
//! cannot be deleted; and when the budget's period ends, the spend its holders counted
//! against it starts again (keys with a period of their own keep theirs). The holders'
//! SQL is in the budgets' store (`holders_of`, `reset_holders_spend`).

use crate::error::ApiError;
use crate::state::AppState;

/// Refuses a `budget_id` no budget has (or an empty one); `None` is no reference.
pub fn referenced(state: &AppState, budget_id: Option<&str>) -> Result<(), ApiError> {
    let Some(id) = budget_id else { return Ok(()) };
    if id.trim().is_empty() {
        return Err(ApiError::field("budget_id", "budget_id must not be empty"));
    }
    if state.budgets.get(id).is_none() {
        return Err(ApiError::field(
            "budget_id",
            format!("Budget not found, passed budget_id={id}: create it with /budget/new"),
        ));
    }
    Ok(())
}

/// [`super::store::reset_holders_spend`] in the in-memory tables, after its commit.
pub fn reset_in_memory(state: &AppState, budget_id: &str) {
    let named = |id: &Option<String>| id.as_deref() == Some(budget_id);
    for key in state.keys.all() {
        if named(&key.budget_id) && key.budget_duration.is_none() && key.spend != 0.0 {
            let mut key = (*key).clone();
            key.spend = 0.0;
            state.keys.put(key);
        }
    }
    for team in state.teams.all() {
        if team.members.iter().any(|m| named(&m.budget_id)) {
            let mut team = (*team).clone();
            for member in team.members.iter_mut().filter(|m| named(&m.budget_id)) {
                member.spend = 0.0;
            }
            state.teams.put(team);
        }
    }
}
