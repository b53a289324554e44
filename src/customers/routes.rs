//! The `/customer/*` routes that change customers — new, update, delete — and their
//! `/end_user/*` aliases. Proxy admins only (see `auth::policy`). Budget fields in a
//! request go to the customer's budget object: a new one (with a generated id) when the
//! customer has none, else the one it references, as LiteLLM does (a budget shared by
//! several customers changes for all of them).

use super::fields::{CustomerFields, user_id};
use super::record::CustomerRecord;
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::budgets::fields::BudgetFields;
use crate::budgets::{BudgetRecord, store as budget_store};
use crate::db::Tx;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_customer))
        .routes(routes!(new_end_user))
        .routes(routes!(update_customer))
        .routes(routes!(update_end_user))
        .routes(routes!(delete_customer))
        .routes(routes!(delete_end_user))
}

pub fn not_found(user_id: &str) -> ApiError {
    ApiError::NotFound(format!("End User Id={user_id} does not exist in db"))
}

/// The request's customer and budget fields, checked.
fn parse(state: &AppState, body: &Value) -> Result<(CustomerFields, BudgetFields), ApiError> {
    let customer: CustomerFields = fields::parse(body)?;
    let budget = fields::parse::<BudgetFields>(body)?.values_only();
    budget.validate()?;
    if customer.budget_id.is_some() && budget.any_given() && budget.max_budget.is_none() {
        return Err(ApiError::field(
            "budget_id",
            "Set either budget fields (max_budget, budget_duration, limits) or 'budget_id', not both.",
        ));
    }
    customer.validate(state, &budget)?;
    Ok((customer, budget))
}

/// Creates a budget object from a customer request's budget fields, with its audit row.
fn new_budget(
    tx: &Tx<'_>,
    actor: &Actor,
    now: chrono::DateTime<chrono::Utc>,
    fields: &BudgetFields,
) -> Result<BudgetRecord, ApiError> {
    let now_text = crate::time::format(now);
    let mut budget = BudgetRecord::blank(&uuid::Uuid::new_v4().to_string(), &now_text, &actor.user_id);
    fields.apply(&mut budget, now)?;
    budget_store::save(tx, &budget)?;
    audit::record(tx, actor, &now_text, "created", "budgets", &budget.budget_id, None, Some(&audit::json(&budget)))?;
    Ok(budget)
}

/// Refuses a `budget_id` no budget has (checked again inside the write).
fn budget_exists(tx: &Tx<'_>, budget_id: Option<&str>) -> Result<(), ApiError> {
    match budget_id {
        Some(id) if budget_store::load(tx, id)?.is_none() => {
            Err(ApiError::field("budget_id", format!("Budget not found, passed budget_id={id}")))
        }
        _ => Ok(()),
    }
}

#[derive(Deserialize, Default)]
struct NewExtra {
    spend: Option<f64>,
}

/// Create a customer; budget fields make it a budget object of its own.
#[utoipa::path(post, path = "/customer/new", tag = "customers", request_body = crate::docs::schemas::customers::CustomerNewRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomerObject)))]
async fn new_customer(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    new(&state, &caller, &body, "/customer/new").await
}

/// `/customer/new` under LiteLLM's former name.
#[utoipa::path(post, path = "/end_user/new", tag = "customers", request_body = crate::docs::schemas::customers::CustomerNewRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomerObject)))]
async fn new_end_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    new(&state, &caller, &body, "/end_user/new").await
}

async fn new(state: &AppState, caller: &Caller, body: &Value, route: &'static str) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(state, caller, Op::CustomerWrite { route })?;
    let id = user_id(body)?;
    let (request, budget_fields) = parse(state, body)?;
    let NewExtra { spend } = fields::parse(body)?;
    fields::budget("spend", spend)?;
    let mut customer = CustomerRecord::blank(&id);
    request.apply(&mut customer);
    customer.spend = spend.unwrap_or(0.0);
    let actor = Actor::of(caller);
    let now = state.clock.now();
    let cache = state.clone();
    let (customer, budget) = state
        .db
        .write_then(
            move |tx| {
                if store::load(tx, &customer.user_id)?.is_some() {
                    return Err(ApiError::field(
                        "user_id",
                        format!(
                            "Customer already exists, passed user_id={}. Please pass a new user_id.",
                            customer.user_id
                        ),
                    ));
                }
                budget_exists(tx, customer.budget_id.as_deref())?;
                let budget = if budget_fields.any_given() {
                    let budget = new_budget(tx, &actor, now, &budget_fields)?;
                    customer.budget_id = Some(budget.budget_id.clone());
                    Some(budget)
                } else {
                    None
                };
                store::save(tx, &customer)?;
                let now_text = crate::time::format(now);
                audit::record(
                    tx,
                    &actor,
                    &now_text,
                    "created",
                    "end_users",
                    &customer.user_id,
                    None,
                    Some(&audit::json(&customer)),
                )?;
                Ok::<_, ApiError>((customer, budget))
            },
            move |(customer, budget): &(CustomerRecord, Option<BudgetRecord>)| {
                if let Some(budget) = budget {
                    cache.budgets.put(budget.clone());
                }
                cache.customers.put(customer.clone());
            },
        )
        .await?;
    drop(budget);
    Ok(Json(view::customer(state, &customer)))
}

/// Change a customer: the fields given a value (`null` leaves one as it is).
#[utoipa::path(post, path = "/customer/update", tag = "customers", request_body = crate::docs::schemas::customers::CustomerUpdateRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomerObject)))]
async fn update_customer(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body, "/customer/update").await
}

/// `/customer/update` under LiteLLM's former name.
#[utoipa::path(post, path = "/end_user/update", tag = "customers", request_body = crate::docs::schemas::customers::CustomerUpdateRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomerObject)))]
async fn update_end_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body, "/end_user/update").await
}

async fn update(state: &AppState, caller: &Caller, body: &Value, route: &'static str) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(state, caller, Op::CustomerWrite { route })?;
    let id = user_id(body)?;
    let (request, budget_fields) = parse(state, body)?;
    if state.customers.get(&id).is_none() {
        return Err(not_found(&id));
    }
    let actor = Actor::of(caller);
    let now = state.clock.now();
    let cache = state.clone();
    let (customer, budget) = state
        .db
        .write_then(
            move |tx| {
                let mut customer = store::load(tx, &id)?.ok_or_else(|| not_found(&id))?;
                let before = audit::json(&customer);
                request.apply(&mut customer);
                budget_exists(tx, request.budget_id.as_deref())?;
                let current = match customer.budget_id.as_deref() {
                    Some(budget_id) => budget_store::load(tx, budget_id)?,
                    None => None,
                };
                let budget = match (budget_fields.any_given(), current) {
                    (false, _) => None,
                    (true, Some(mut budget)) => {
                        let old = audit::json(&budget);
                        budget_fields.apply(&mut budget, now)?;
                        budget.updated_at = crate::time::format(now);
                        budget.updated_by.clone_from(&actor.user_id);
                        budget_store::save(tx, &budget)?;
                        let after = audit::json(&budget);
                        audit::record(
                            tx,
                            &actor,
                            &budget.updated_at,
                            "updated",
                            "budgets",
                            &budget.budget_id,
                            Some(&old),
                            Some(&after),
                        )?;
                        Some(budget)
                    }
                    (true, None) => {
                        let budget = new_budget(tx, &actor, now, &budget_fields)?;
                        customer.budget_id = Some(budget.budget_id.clone());
                        Some(budget)
                    }
                };
                store::save(tx, &customer)?;
                let now_text = crate::time::format(now);
                audit::record(
                    tx,
                    &actor,
                    &now_text,
                    "updated",
                    "end_users",
                    &customer.user_id,
                    Some(&before),
                    Some(&audit::json(&customer)),
                )?;
                Ok::<_, ApiError>((customer, budget))
            },
            move |(customer, budget): &(CustomerRecord, Option<BudgetRecord>)| {
                if let Some(budget) = budget {
                    cache.budgets.put(budget.clone());
                }
                cache.customers.put(customer.clone());
            },
        )
        .await?;
    drop(budget);
    Ok(Json(view::customer(state, &customer)))
}

#[derive(Deserialize)]
struct DeleteCustomers {
    #[serde(default)]
    user_ids: Vec<String>,
}

/// Delete customers (their budget objects stay).
#[utoipa::path(post, path = "/customer/delete", tag = "customers", request_body = crate::docs::schemas::customers::CustomerIdsRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomersDeleted)))]
async fn delete_customer(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    delete(&state, &caller, &body, "/customer/delete").await
}

/// `/customer/delete` under LiteLLM's former name.
#[utoipa::path(post, path = "/end_user/delete", tag = "customers", request_body = crate::docs::schemas::customers::CustomerIdsRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomersDeleted)))]
async fn delete_end_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    delete(&state, &caller, &body, "/end_user/delete").await
}

async fn delete(state: &AppState, caller: &Caller, body: &Value, route: &'static str) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(state, caller, Op::CustomerWrite { route })?;
    let DeleteCustomers { user_ids } = fields::parse(body)?;
    if user_ids.is_empty() {
        return Err(ApiError::field("user_ids", "user_ids must name at least one customer"));
    }
    let missing: Vec<&str> =
        user_ids.iter().filter(|id| state.customers.get(id).is_none()).map(String::as_str).collect();
    if !missing.is_empty() {
        return Err(ApiError::NotFound(format!("End User Id(s)={} do not exist in db", missing.join(", "))));
    }
    let actor = Actor::of(caller);
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    let ids = user_ids.clone();
    let deleted = state
        .db
        .write_then(
            move |tx| {
                let mut deleted = Vec::new();
                for id in &ids {
                    let Some(customer) = store::load(tx, id)? else { continue };
                    store::delete(tx, id)?;
                    audit::record(tx, &actor, &now, "deleted", "end_users", id, Some(&audit::json(&customer)), None)?;
                    deleted.push(id.clone());
                }
                Ok::<_, ApiError>(deleted)
            },
            move |deleted: &Vec<String>| {
                for id in deleted {
                    cache.customers.remove(id);
                }
            },
        )
        .await?;
    let listed: Vec<String> = user_ids.iter().map(|id| format!("'{id}'")).collect();
    Ok(Json(json!({
        "deleted_customers": deleted.len(),
        "message": format!("Successfully deleted customers with ids: [{}]", listed.join(", ")),
    })))
}
