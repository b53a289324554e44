//! A budget as stored (`budgets`) and held in memory.

use crate::db::Row;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BudgetRecord {
    pub budget_id: String,
    pub max_budget: Option<f64>,
    pub soft_budget: Option<f64>,
    pub max_parallel_requests: Option<i64>,
    pub tpm_limit: Option<i64>,
    pub rpm_limit: Option<i64>,
    /// LiteLLM's per-model budgets, kept and shown as given (not enforced).
    pub model_max_budget: Option<Value>,
    pub budget_duration: Option<String>,
    pub budget_reset_at: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

pub const COLUMNS: &str = "budget_id, max_budget, soft_budget, max_parallel_requests, tpm_limit, rpm_limit, \
     model_max_budget, budget_duration, budget_reset_at, created_at, created_by, updated_at, updated_by";

impl BudgetRecord {
    pub fn from_row(row: &Row<'_>) -> crate::db::Result<Self> {
        let model_max_budget: Option<String> = row.get(6)?;
        Ok(Self {
            budget_id: row.get(0)?,
            max_budget: row.get(1)?,
            soft_budget: row.get(2)?,
            max_parallel_requests: row.get(3)?,
            tpm_limit: row.get(4)?,
            rpm_limit: row.get(5)?,
            model_max_budget: model_max_budget.and_then(|text| serde_json::from_str(&text).ok()),
            budget_duration: row.get(7)?,
            budget_reset_at: row.get(8)?,
            created_at: row.get(9)?,
            created_by: row.get(10)?,
            updated_at: row.get(11)?,
            updated_by: row.get(12)?,
        })
    }

    /// A budget with nothing set, made now by `by`.
    pub fn blank(budget_id: &str, now: &str, by: &str) -> Self {
        Self {
            budget_id: budget_id.to_string(),
            max_budget: None,
            soft_budget: None,
            max_parallel_requests: None,
            tpm_limit: None,
            rpm_limit: None,
            model_max_budget: None,
            budget_duration: None,
            budget_reset_at: None,
            created_at: now.to_string(),
            created_by: by.to_string(),
            updated_at: now.to_string(),
            updated_by: by.to_string(),
        }
    }
}
