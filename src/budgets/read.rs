//! The `/budget/*` routes that read, from the in-memory table after due resets: info (by
//! ids), list, and the settings view LiteLLM's UI draws its budget form from.

use super::view;
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::{JsonBody, QueryParams};
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(budget_info)).routes(routes!(budget_list)).routes(routes!(budget_settings))
}

#[derive(Deserialize)]
struct InfoRequest {
    #[serde(default)]
    budgets: Vec<String>,
}

/// The budgets with these ids (ids no budget has are left out).
#[utoipa::path(post, path = "/budget/info", tag = "budgets", request_body = crate::docs::schemas::budgets::BudgetInfoRequest, responses((status = 200, body = Vec<crate::docs::schemas::budgets::BudgetObject>)))]
async fn budget_info(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::BudgetRead { route: "/budget/info" })?;
    let request: InfoRequest = fields::parse(&body)?;
    if request.budgets.is_empty() {
        return Err(ApiError::field("budgets", "Specify list of budget id's to query. Passed in=[]"));
    }
    crate::limits::reset::reset_if_due(&state).await?;
    let mut found: Vec<_> = request.budgets.iter().filter_map(|id| state.budgets.get(id)).collect();
    found.sort_by(|a, b| a.budget_id.cmp(&b.budget_id));
    found.dedup_by(|a, b| a.budget_id == b.budget_id);
    Ok(Json(found.iter().map(|b| view::budget(b)).collect()))
}

/// Every budget, by id.
#[utoipa::path(get, path = "/budget/list", tag = "budgets", responses((status = 200, body = Vec<crate::docs::schemas::budgets::BudgetObject>)))]
async fn budget_list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::BudgetRead { route: "/budget/list" })?;
    crate::limits::reset::reset_if_due(&state).await?;
    let mut budgets = state.budgets.all();
    budgets.sort_by(|a, b| a.budget_id.cmp(&b.budget_id));
    Ok(Json(budgets.iter().map(|b| view::budget(b)).collect()))
}

#[derive(Deserialize, IntoParams)]
pub struct SettingsQuery {
    budget_id: Option<String>,
}

/// The settable fields of a budget, each with its type, description and current value
/// (LiteLLM's `ConfigList`).
#[utoipa::path(get, path = "/budget/settings", tag = "budgets", params(("budget_id" = String, Query)), responses((status = 200, body = Vec<crate::docs::schemas::budgets::BudgetSetting>)))]
async fn budget_settings(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<SettingsQuery>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::BudgetRead { route: "/budget/settings" })?;
    let budget_id = query.budget_id.ok_or_else(|| ApiError::field("budget_id", "budget_id is required"))?;
    let current = state.budgets.get(&budget_id).map(|b| view::budget(&b)).unwrap_or_else(|| json!({}));
    let settings: Vec<Value> = SETTINGS
        .iter()
        .map(|(name, kind, description)| {
            json!({
                "field_name": name,
                "field_type": kind,
                "field_description": description,
                "field_value": current.get(*name).cloned().unwrap_or(Value::Null),
                "stored_in_db": true,
                "field_default_value": null,
            })
        })
        .collect();
    Ok(Json(Value::Array(settings)))
}

/// LiteLLM's order and descriptions of the budget settings.
const SETTINGS: [(&str, &str, &str); 8] = [
    ("max_budget", "Float", "Requests will fail if this budget (in USD) is exceeded."),
    ("soft_budget", "Float", "Requests will NOT fail if this is exceeded. Will fire alerting though."),
    ("max_parallel_requests", "Integer", "Max concurrent requests allowed for this budget id."),
    ("tpm_limit", "Integer", "Max tokens per minute, allowed for this budget id."),
    ("rpm_limit", "Integer", "Max requests per minute, allowed for this budget id."),
    ("tpd_limit", "Integer", "Max tokens per day, charged by batch submissions, allowed for this budget id."),
    ("budget_duration", "String", "Max duration budget should be set for (e.g. '1hr', '1d', '28d')"),
    (
        "model_max_budget",
        "Object",
        "Max budget for each model (e.g. {'gpt-4o': {'max_budget': '0.0000001', 'budget_duration': '1d', 'tpm_limit': 1000, 'rpm_limit': 1000}})",
    ),
];
