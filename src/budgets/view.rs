//! How budgets look in answers: LiteLLM's `LiteLLM_BudgetTable` row, with the fields this
//! proxy does not keep (`tpd_limit`, temporary increases) as `null`.

use super::record::BudgetRecord;
use serde_json::{Value, json};

pub fn budget(budget: &BudgetRecord) -> Value {
    let mut value = serde_json::to_value(budget).unwrap_or_else(|_| json!({}));
    if let Some(map) = value.as_object_mut() {
        for absent in ["tpd_limit", "allowed_models", "temp_budget_increase", "temp_budget_expiry"] {
            map.insert(absent.into(), Value::Null);
        }
    }
    value
}
