//! The settable fields of a budget (`/budget/new`, `/budget/update`, and the budget
//! fields of `/customer/new`), their checks, and how they are applied. A field sent as
//! `null` clears it, a field not sent stays (LiteLLM's `exclude_unset`).

use super::record::BudgetRecord;
use crate::error::ApiError;
use crate::fields::{self, double};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct BudgetFields {
    /// Requests fail once this budget (USD) is spent.
    #[serde(default, deserialize_with = "double")]
    pub max_budget: Option<Option<f64>>,
    /// Alerts only: requests still pass.
    #[serde(default, deserialize_with = "double")]
    pub soft_budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double")]
    pub max_parallel_requests: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub tpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub rpm_limit: Option<Option<i64>>,
    /// The reset period (`30s`, `1h`, `1d`, `7d`, `1mo`): spend goes back to 0 on calendar
    /// boundaries in UTC.
    #[serde(default, deserialize_with = "double")]
    pub budget_duration: Option<Option<String>>,
    /// Per-model budgets, kept as given.
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<Object>)]
    pub model_max_budget: Option<Option<Value>>,
    /// When the budget next resets (RFC 3339); by default the end of the first period.
    #[serde(default, deserialize_with = "double")]
    pub budget_reset_at: Option<Option<String>>,
}

impl BudgetFields {
    pub fn validate(&self) -> Result<(), ApiError> {
        for (name, value) in [("max_budget", self.max_budget.flatten()), ("soft_budget", self.soft_budget.flatten())] {
            if let Some(v) = value
                && (!v.is_finite() || v < 0.0)
            {
                return Err(ApiError::field(
                    name,
                    format!("{name} must be a non-negative finite number. Received: {v}"),
                ));
            }
        }
        fields::limit("tpm_limit", self.tpm_limit.flatten())?;
        fields::limit("rpm_limit", self.rpm_limit.flatten())?;
        fields::limit("max_parallel_requests", self.max_parallel_requests.flatten())?;
        fields::duration("budget_duration", self.budget_duration.clone().flatten().as_deref(), false)?;
        if let Some(Some(m)) = &self.model_max_budget
            && !m.is_object()
        {
            return Err(ApiError::field("model_max_budget", "model_max_budget must be a JSON object"));
        }
        if let Some(Some(at)) = &self.budget_reset_at
            && crate::time::parse(at).is_none()
        {
            return Err(ApiError::field(
                "budget_reset_at",
                format!("budget_reset_at must be a date and time (RFC 3339); got {at}"),
            ));
        }
        Ok(())
    }

    /// Only the fields given a value: for the budget fields of a customer request, where
    /// `null` leaves things as they are (LiteLLM's customer routes).
    pub fn values_only(&self) -> BudgetFields {
        fn value<T: Clone>(field: &Option<Option<T>>) -> Option<Option<T>> {
            field.clone().filter(Option::is_some)
        }
        BudgetFields {
            max_budget: value(&self.max_budget),
            soft_budget: value(&self.soft_budget),
            max_parallel_requests: value(&self.max_parallel_requests),
            tpm_limit: value(&self.tpm_limit),
            rpm_limit: value(&self.rpm_limit),
            budget_duration: value(&self.budget_duration),
            model_max_budget: value(&self.model_max_budget),
            budget_reset_at: value(&self.budget_reset_at),
        }
    }

    /// Whether any budget field is given a value (a customer made with one gets a budget).
    pub fn any_given(&self) -> bool {
        self.max_budget.flatten().is_some()
            || self.soft_budget.flatten().is_some()
            || self.max_parallel_requests.flatten().is_some()
            || self.tpm_limit.flatten().is_some()
            || self.rpm_limit.flatten().is_some()
            || self.budget_duration.as_ref().is_some_and(Option::is_some)
            || self.model_max_budget.as_ref().is_some_and(Option::is_some)
            || self.budget_reset_at.as_ref().is_some_and(Option::is_some)
    }

    /// Applies the given fields. A new period starts its reset clock now unless the call
    /// pins `budget_reset_at`; clearing the period clears the reset time.
    pub fn apply(&self, budget: &mut BudgetRecord, now: DateTime<Utc>) -> Result<(), ApiError> {
        fields::set(&mut budget.max_budget, &self.max_budget);
        fields::set(&mut budget.soft_budget, &self.soft_budget);
        fields::set(&mut budget.max_parallel_requests, &self.max_parallel_requests);
        fields::set(&mut budget.tpm_limit, &self.tpm_limit);
        fields::set(&mut budget.rpm_limit, &self.rpm_limit);
        fields::set(&mut budget.model_max_budget, &self.model_max_budget);
        fields::set_budget_period(
            &mut budget.budget_duration,
            &mut budget.budget_reset_at,
            &self.budget_duration,
            now,
        )?;
        if let Some(at) = &self.budget_reset_at {
            budget.budget_reset_at = at.as_deref().and_then(crate::time::parse).map(crate::time::format);
        }
        Ok(())
    }
}
