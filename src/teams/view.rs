//! How teams look in answers, with LiteLLM's field names: `members_with_roles` (with the
//! members' emails), the legacy `admins` / `members` id lists as given at `/team/new`
//! (LiteLLM keeps them apart from the memberships), and the memberships and
//! keys that `/team/list` and `/user/info` add.

use super::record::TeamRecord;
use crate::state::AppState;
use serde_json::{Value, json};

pub fn team(state: &AppState, team: &TeamRecord) -> Value {
    let mut value = serde_json::to_value(team).unwrap_or_else(|_| json!({}));
    let members: Vec<Value> = team
        .members
        .iter()
        .map(|m| {
            let email = state.users.get(&m.user_id).and_then(|u| u.user_email.clone());
            json!({"user_id": m.user_id, "user_email": email, "role": m.role.as_str()})
        })
        .collect();
    if let Some(map) = value.as_object_mut() {
        for internal in ["members", "listed_admins", "listed_members"] {
            map.remove(internal);
        }
        map.insert("members_with_roles".into(), Value::Array(members));
        map.insert("admins".into(), json!(team.listed_admins));
        map.insert("members".into(), json!(team.listed_members));
        for extra in ["model_id", "object_permission_id"] {
            map.insert(extra.into(), Value::Null);
        }
        // LiteLLM keeps a team's aliases in a joined model table row and shows it.
        let has_aliases = team.model_aliases.as_object().is_some_and(|m| !m.is_empty());
        let table = has_aliases.then(|| json!({"model_aliases": team.model_aliases}));
        map.insert("litellm_model_table".into(), table.unwrap_or(Value::Null));
        map.insert("model_spend".into(), json!({}));
        map.insert("model_max_budget".into(), json!({}));
    }
    value
}

/// LiteLLM's `team_memberships` entries: per-member spend and budget.
/// With a budget object (`budget_id`), `litellm_budget_table` is that budget, its max
/// budget overridden by `max_budget_in_team` when set.
pub fn memberships(state: &AppState, team: &TeamRecord) -> Vec<Value> {
    team.members
        .iter()
        .map(|m| {
            let object = m.budget_id.as_deref().and_then(|id| state.budgets.get(id));
            let budget = match (object, m.max_budget_in_team) {
                (Some(object), own) => {
                    let mut shown = crate::budgets::view::budget(&object);
                    if let Some(own) = own {
                        shown["max_budget"] = json!(own);
                    }
                    Some(shown)
                }
                (None, own) => own.map(|b| json!({"max_budget": b})),
            };
            json!({
                "user_id": m.user_id,
                "team_id": m.team_id,
                "role": m.role.as_str(),
                "spend": m.spend,
                "budget_id": m.budget_id,
                "litellm_budget_table": budget,
            })
        })
        .collect()
}

/// The team's keys (not the UI's session keys), oldest first.
pub fn team_keys(state: &AppState, team: &TeamRecord) -> Vec<Value> {
    let mut keys: Vec<_> = state
        .keys
        .all()
        .into_iter()
        .filter(|k| k.team_id.as_deref() == Some(team.team_id.as_str()) && !k.is_session_key)
        .collect();
    keys.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.token.cmp(&b.token)));
    keys.iter().map(|k| crate::keys::view::info(k)).collect()
}

/// A team as `/team/list` and `/user/info`'s `teams` show it: with its memberships and
/// keys. Whoever may see the team sees these too.
pub fn with_memberships_and_keys(state: &AppState, team: &TeamRecord) -> Value {
    let mut shown = self::team(state, team);
    shown["team_memberships"] = json!(memberships(state, team));
    shown["keys"] = json!(team_keys(state, team));
    shown
}
