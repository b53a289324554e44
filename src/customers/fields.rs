//! The settable fields of a customer (`/customer/new`, `/customer/update`) and their
//! checks. As in LiteLLM, a field sent as `null` leaves the customer as it is; the budget
//! fields (`max_budget`, `budget_duration`, limits) go to the customer's budget object
//! (see `routes.rs`).

use super::record::CustomerRecord;
use crate::budgets::fields::BudgetFields;
use crate::error::ApiError;
use crate::state::AppState;
use serde::Deserialize;

/// The regions a customer can be held to (LiteLLM's `AllowedModelRegion`).
pub const REGIONS: [&str; 2] = ["eu", "us"];

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CustomerFields {
    /// A name to show.
    pub alias: Option<String>,
    /// Refuse every request naming this customer.
    pub blocked: Option<bool>,
    /// A budget object (`/budget/new`) whose budget and limits apply. Give either this or
    /// `max_budget`, not both.
    pub budget_id: Option<String>,
    /// `eu` or `us`: requests go only to deployments whose `litellm_params.region_name` is
    /// that region.
    pub allowed_model_region: Option<String>,
    /// A model to fall back on; must be a model of the proxy. Kept and shown.
    pub default_model: Option<String>,
    /// The models the customer may use (empty: any the caller may).
    pub models: Option<Vec<String>>,
}

impl CustomerFields {
    pub fn validate(&self, state: &AppState, budget: &BudgetFields) -> Result<(), ApiError> {
        if let Some(region) = &self.allowed_model_region
            && !REGIONS.contains(&region.as_str())
        {
            return Err(ApiError::field(
                "allowed_model_region",
                format!("allowed_model_region must be 'eu' or 'us'; got '{region}'"),
            ));
        }
        if let Some(model) = &self.default_model
            && state.router().resolve(model).is_none()
        {
            return Err(ApiError::field(
                "default_model",
                format!(
                    "Default Model not on proxy. Configure via `/model/new` or config.yaml. Default_model={model}, proxy_model_names={:?}",
                    state.router().public_names()
                ),
            ));
        }
        if let Some(budget_id) = &self.budget_id {
            if budget.max_budget.flatten().is_some() {
                return Err(ApiError::field("budget_id", "Set either 'max_budget' or 'budget_id', not both."));
            }
            if state.budgets.get(budget_id).is_none() {
                return Err(ApiError::field(
                    "budget_id",
                    format!("Budget not found, passed budget_id={budget_id}. Create it with /budget/new first."),
                ));
            }
        }
        if let Some(models) = &self.models
            && models.iter().any(|m| m.trim().is_empty())
        {
            return Err(ApiError::field("models", "models must be model names"));
        }
        Ok(())
    }

    /// Applies the fields given a value.
    pub fn apply(&self, customer: &mut CustomerRecord) {
        let set = |target: &mut Option<String>, value: &Option<String>| {
            if let Some(v) = value {
                *target = Some(v.clone());
            }
        };
        set(&mut customer.alias, &self.alias);
        set(&mut customer.budget_id, &self.budget_id);
        set(&mut customer.allowed_model_region, &self.allowed_model_region);
        set(&mut customer.default_model, &self.default_model);
        if let Some(blocked) = self.blocked {
            customer.blocked = blocked;
        }
        if let Some(models) = &self.models {
            customer.models.clone_from(models);
        }
    }
}

/// A customer id as given: a non-empty string.
pub fn user_id(body: &serde_json::Value) -> Result<String, ApiError> {
    match body.get("user_id") {
        Some(serde_json::Value::String(id)) if !id.trim().is_empty() => Ok(id.trim().to_string()),
        None | Some(serde_json::Value::Null) => Err(ApiError::field("user_id", "user_id is required")),
        Some(_) => Err(ApiError::field("user_id", "user_id must be a non-empty string")),
    }
}
