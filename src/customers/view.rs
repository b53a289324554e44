//! How customers look in answers: LiteLLM's `CustomerResponse`, the row with its budget
//! object nested as `litellm_budget_table` (null without one) and the object permissions
//! this proxy does not keep as `null`.

use super::record::CustomerRecord;
use crate::state::AppState;
use serde_json::{Value, json};

pub fn customer(state: &AppState, customer: &CustomerRecord) -> Value {
    let mut value = serde_json::to_value(customer).unwrap_or_else(|_| json!({}));
    let budget = customer.budget_id.as_deref().and_then(|id| state.budgets.get(id));
    if let Some(map) = value.as_object_mut() {
        map.insert("litellm_budget_table".into(), budget.map_or(Value::Null, |b| crate::budgets::view::budget(&b)));
        map.insert("object_permission_id".into(), Value::Null);
        map.insert("object_permission".into(), Value::Null);
    }
    value
}
