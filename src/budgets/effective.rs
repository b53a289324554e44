//! What a key or a team membership has from the budget object it references
//! (`budget_id`), read from the in-memory tables on every request: each setting it leaves
//! unset comes from the budget (LiteLLM's `litellm_budget_table_*` columns joined on the
//! key), and a key without its own `budget_duration` spends in the budget's periods. A
//! budget changed with `/budget/update` applies to the next request.

use super::record::BudgetRecord;
use crate::keys::KeyRecord;
use crate::spend::Reset;
use crate::state::AppState;
use crate::teams::{Membership, TeamRecord};
use std::sync::Arc;

/// A key's budget and limits after its budget object filled the ones it leaves unset.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    pub max_budget: Option<f64>,
    pub rpm_limit: Option<i64>,
    pub tpm_limit: Option<i64>,
    pub max_parallel_requests: Option<i64>,
    /// When the spend counted against `max_budget` next starts again, and the reset that
    /// does it once due.
    pub reset_at: Option<String>,
    pub reset: Option<Reset>,
}

fn budget_of(state: &AppState, budget_id: Option<&str>) -> Option<Arc<BudgetRecord>> {
    state.budgets.get(budget_id?)
}

/// The key's own settings, else its budget object's. Its spend resets in its own period
/// when it has one, else in the budget's.
pub fn of_key(state: &AppState, key: &KeyRecord) -> Limits {
    let budget = budget_of(state, key.budget_id.as_deref());
    let from = |own: Option<i64>, theirs: fn(&BudgetRecord) -> Option<i64>| own.or(budget.as_deref().and_then(theirs));
    let (reset_at, reset) = match &budget {
        Some(b) if key.budget_duration.is_none() && b.budget_reset_at.is_some() => {
            (b.budget_reset_at.clone(), Some(Reset::Budget(b.budget_id.clone())))
        }
        _ => (key.budget_reset_at.clone(), Some(Reset::Key(key.token.clone()))),
    };
    Limits {
        max_budget: key.max_budget.or(budget.as_ref().and_then(|b| b.max_budget)),
        rpm_limit: from(key.rpm_limit, |b| b.rpm_limit),
        tpm_limit: from(key.tpm_limit, |b| b.tpm_limit),
        max_parallel_requests: from(key.max_parallel_requests, |b| b.max_parallel_requests),
        reset_at,
        reset,
    }
}

/// A member's budget in the team (`max_budget_in_team`, else the budget object's) and the
/// budget object's rate limits. The spend resets with the team's period, or the budget's
/// when it has one.
pub fn of_member(state: &AppState, team: &TeamRecord, member: &Membership) -> Limits {
    let budget = budget_of(state, member.budget_id.as_deref());
    let (reset_at, reset) = match &budget {
        Some(b) if b.budget_reset_at.is_some() => (b.budget_reset_at.clone(), Some(Reset::Budget(b.budget_id.clone()))),
        _ => (team.budget_reset_at.clone(), None),
    };
    Limits {
        max_budget: member.max_budget_in_team.or(budget.as_ref().and_then(|b| b.max_budget)),
        rpm_limit: budget.as_ref().and_then(|b| b.rpm_limit),
        tpm_limit: budget.as_ref().and_then(|b| b.tpm_limit),
        max_parallel_requests: budget.as_ref().and_then(|b| b.max_parallel_requests),
        reset_at,
        reset,
    }
}
