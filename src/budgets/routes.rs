//! The `/budget/*` routes that change budgets: new, update, delete. Proxy admins only
//! (see `auth::policy`); each change writes its audit row in the same transaction.

use super::fields::BudgetFields;
use super::record::BudgetRecord;
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(new_budget)).routes(routes!(update_budget)).routes(routes!(delete_budget))
}

pub fn not_found(budget_id: &str) -> ApiError {
    ApiError::NotFound(format!("Budget not found, passed budget_id={budget_id}"))
}

/// The budget's id as given: absent is `None`, anything but a non-empty string a 400.
fn budget_id(body: &Value) -> Result<Option<String>, ApiError> {
    match body.get("budget_id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) if !id.trim().is_empty() => Ok(Some(id.trim().to_string())),
        Some(_) => Err(ApiError::field("budget_id", "budget_id must be a non-empty string")),
    }
}

/// Create a budget that customers can reference by `budget_id`.
#[utoipa::path(post, path = "/budget/new", tag = "budgets", request_body = crate::docs::schemas::budgets::BudgetNewRequest, responses((status = 200, body = crate::docs::schemas::budgets::BudgetObject)))]
async fn new_budget(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(&state, &caller, Op::BudgetWrite { route: "/budget/new" })?;
    let request: BudgetFields = fields::parse(&body)?;
    request.validate()?;
    let id = budget_id(&body)?.unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let now = state.clock.now();
    let actor = Actor::of(&caller);
    let mut budget = BudgetRecord::blank(&id, &crate::time::format(now), &actor.user_id);
    request.apply(&mut budget, now)?;
    let budget = create(&state, actor, budget).await?;
    Ok(Json(view::budget(&budget)))
}

/// Stores a new budget (refused when the id is taken) with its audit row.
async fn create(state: &AppState, actor: Actor, budget: BudgetRecord) -> Result<BudgetRecord, ApiError> {
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                if store::load(tx, &budget.budget_id)?.is_some() {
                    return Err(ApiError::field(
                        "budget_id",
                        format!("Budget with id '{}' already exists.", budget.budget_id),
                    ));
                }
                store::save(tx, &budget)?;
                let after = audit::json(&budget);
                audit::record(
                    tx,
                    &actor,
                    &budget.created_at,
                    "created",
                    "budgets",
                    &budget.budget_id,
                    None,
                    Some(&after),
                )?;
                Ok::<_, ApiError>(budget)
            },
            move |budget: &BudgetRecord| cache.budgets.put(budget.clone()),
        )
        .await
}

/// Change a budget: the fields sent (`null` clears one). A new `budget_duration` starts
/// its period now unless `budget_reset_at` is sent too.
#[utoipa::path(post, path = "/budget/update", tag = "budgets", request_body = crate::docs::schemas::budgets::BudgetUpdateRequest, responses((status = 200, body = crate::docs::schemas::budgets::BudgetObject)))]
async fn update_budget(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(&state, &caller, Op::BudgetWrite { route: "/budget/update" })?;
    let id = budget_id(&body)?.ok_or_else(|| ApiError::field("budget_id", "budget_id is required"))?;
    let request: BudgetFields = fields::parse(&body)?;
    request.validate()?;
    if state.budgets.get(&id).is_none() {
        return Err(not_found(&id));
    }
    let budget = change(&state, &id, Actor::of(&caller), move |budget, now| request.apply(budget, now)).await?;
    Ok(Json(view::budget(&budget)))
}

/// Read-modify-write of one budget in one transaction, with its audit row.
pub async fn change(
    state: &AppState,
    budget_id: &str,
    actor: Actor,
    modify: impl FnOnce(&mut BudgetRecord, chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> + Send + 'static,
) -> Result<BudgetRecord, ApiError> {
    let now = state.clock.now();
    let budget_id = budget_id.to_string();
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut budget = store::load(tx, &budget_id)?.ok_or_else(|| not_found(&budget_id))?;
                let before = audit::json(&budget);
                modify(&mut budget, now)?;
                budget.updated_at = crate::time::format(now);
                budget.updated_by.clone_from(&actor.user_id);
                store::save(tx, &budget)?;
                let after = audit::json(&budget);
                audit::record(
                    tx,
                    &actor,
                    &budget.updated_at,
                    "updated",
                    "budgets",
                    &budget_id,
                    Some(&before),
                    Some(&after),
                )?;
                Ok::<_, ApiError>(budget)
            },
            move |budget: &BudgetRecord| cache.budgets.put(budget.clone()),
        )
        .await
}

/// The refusal to delete a budget that `holders` (at most six of them) still reference.
fn still_used(id: &str, who: &str, holders: &[String], route: &str) -> ApiError {
    let shown = holders.iter().take(5).cloned().collect::<Vec<_>>().join(", ");
    let more = if holders.len() > 5 { ", ..." } else { "" };
    ApiError::field(
        "id",
        format!(
            "Budget {id} is used by {who} ({shown}{more}): give them another budget_id (or null) with {route} before deleting it"
        ),
    )
}

#[derive(Deserialize)]
struct DeleteBudget {
    id: Option<String>,
}

/// Delete a budget. One that customers, keys or team members still reference is refused:
/// move them to another budget (or none) first.
#[utoipa::path(post, path = "/budget/delete", tag = "budgets", request_body = crate::docs::schemas::budgets::BudgetDeleteRequest, responses((status = 200, body = crate::docs::schemas::budgets::BudgetObject)))]
async fn delete_budget(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(&state, &caller, Op::BudgetWrite { route: "/budget/delete" })?;
    let DeleteBudget { id } = fields::parse(&body)?;
    let id = id.ok_or_else(|| ApiError::field("id", "id (the budget's id) is required"))?;
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    let deleted = state
        .db
        .write_then(
            move |tx| {
                let budget = store::load(tx, &id)?.ok_or_else(|| not_found(&id))?;
                let users = store::customers_of(tx, &id, 6)?;
                if !users.is_empty() {
                    return Err(still_used(&id, "customers", &users, "/customer/update"));
                }
                let (keys, members) = super::store::holders_of(tx, &id, 6)?;
                if !keys.is_empty() {
                    return Err(still_used(&id, "keys", &keys, "/key/update"));
                }
                if !members.is_empty() {
                    return Err(still_used(&id, "team members (team:user)", &members, "/team/member_update"));
                }
                store::delete(tx, &id)?;
                audit::record(tx, &actor, &now, "deleted", "budgets", &id, Some(&audit::json(&budget)), None)?;
                Ok::<_, ApiError>(budget)
            },
            move |budget: &BudgetRecord| cache.budgets.remove(&budget.budget_id),
        )
        .await?;
    Ok(Json(view::budget(&deleted)))
}
