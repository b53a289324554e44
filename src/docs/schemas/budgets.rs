//! The `/budget/*` bodies and answers. The settable fields are the handlers' own
//! `BudgetFields`.

use crate::budgets::fields::BudgetFields;
use serde_json::Value;
use utoipa::ToSchema;

/// `POST /budget/new`.
#[derive(ToSchema)]
pub struct BudgetNewRequest {
    /// Generated (a UUID) when not given.
    budget_id: Option<String>,
    #[serde(flatten)]
    settings: BudgetFields,
}

/// `POST /budget/update`: the fields to change (`null` clears one; a field not sent
/// stays).
#[derive(ToSchema)]
pub struct BudgetUpdateRequest {
    budget_id: String,
    #[serde(flatten)]
    settings: BudgetFields,
}

/// `POST /budget/delete`.
#[derive(ToSchema)]
pub struct BudgetDeleteRequest {
    /// The budget's id.
    id: String,
}

/// `POST /budget/info`.
#[derive(ToSchema)]
pub struct BudgetInfoRequest {
    #[schema(min_items = 1)]
    budgets: Vec<String>,
}

/// A budget object (LiteLLM's `LiteLLM_BudgetTable`).
#[derive(ToSchema)]
pub struct BudgetObject {
    budget_id: String,
    max_budget: Option<f64>,
    soft_budget: Option<f64>,
    max_parallel_requests: Option<i64>,
    tpm_limit: Option<i64>,
    rpm_limit: Option<i64>,
    /// Not kept: always `null`.
    tpd_limit: Option<i64>,
    #[schema(value_type = Option<Object>)]
    model_max_budget: Option<Value>,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
}

/// One settable field of a budget, with its current value (`/budget/settings`).
#[derive(ToSchema)]
pub struct BudgetSetting {
    field_name: String,
    /// `Float`, `Integer`, `String` or `Object`.
    field_type: String,
    field_description: String,
    field_value: Option<Value>,
    stored_in_db: bool,
    field_default_value: Option<Value>,
}
