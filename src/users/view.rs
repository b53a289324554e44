//! How users look in answers: the row (never the password hash) with LiteLLM's `teams`
//! list of team ids.

use super::record::UserRecord;
use crate::state::AppState;
use serde_json::{Value, json};

pub fn user(state: &AppState, user: &UserRecord) -> Value {
    let mut value = serde_json::to_value(user).unwrap_or_else(|_| json!({}));
    let mut teams: Vec<String> =
        state.teams.of_user(&user.user_id).into_iter().map(|(t, _)| t.team_id.clone()).collect();
    teams.sort();
    if let Some(map) = value.as_object_mut() {
        map.insert("teams".into(), json!(teams));
        map.insert("model_spend".into(), json!({}));
        map.insert("model_max_budget".into(), json!({}));
        map.insert("organization_memberships".into(), json!([]));
    }
    value
}
