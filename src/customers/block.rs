//! `/customer/block` and `/customer/unblock` (and their `/end_user/*` aliases): a blocked
//! customer's requests are refused at admission. Blocking an id nobody created creates
//! the customer, blocked, as LiteLLM does; unblocking one is a 404.

use super::record::CustomerRecord;
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
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(block_customer))
        .routes(routes!(block_end_user))
        .routes(routes!(unblock_customer))
        .routes(routes!(unblock_end_user))
}

#[derive(Deserialize)]
struct UserIds {
    #[serde(default)]
    user_ids: Vec<String>,
}

fn ids(body: &Value) -> Result<Vec<String>, ApiError> {
    let UserIds { user_ids } = fields::parse(body)?;
    if user_ids.is_empty() || user_ids.iter().any(|id| id.trim().is_empty()) {
        return Err(ApiError::field("user_ids", "user_ids must name at least one customer, each a non-empty id"));
    }
    Ok(user_ids)
}

/// Refuse every request naming these customers (creating those not known yet).
#[utoipa::path(post, path = "/customer/block", tag = "customers", request_body = crate::docs::schemas::customers::CustomerIdsRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomersBlocked)))]
async fn block_customer(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    block(&state, &caller, &body, "/customer/block").await
}

/// `/customer/block` under LiteLLM's former name.
#[utoipa::path(post, path = "/end_user/block", tag = "customers", request_body = crate::docs::schemas::customers::CustomerIdsRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomersBlocked)))]
async fn block_end_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    block(&state, &caller, &body, "/end_user/block").await
}

async fn block(state: &AppState, caller: &Caller, body: &Value, route: &'static str) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(state, caller, Op::CustomerWrite { route })?;
    let user_ids = ids(body)?;
    let changed = set_blocked(state, caller, user_ids, true).await?;
    Ok(Json(json!({ "blocked_users": changed.iter().map(|c| view::customer(state, c)).collect::<Vec<_>>() })))
}

/// Serve these customers again. The answer lists the customers still blocked.
#[utoipa::path(post, path = "/customer/unblock", tag = "customers", request_body = crate::docs::schemas::customers::CustomerIdsRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomersUnblocked)))]
async fn unblock_customer(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    unblock(&state, &caller, &body, "/customer/unblock").await
}

/// `/customer/unblock` under LiteLLM's former name.
#[utoipa::path(post, path = "/end_user/unblock", tag = "customers", request_body = crate::docs::schemas::customers::CustomerIdsRequest, responses((status = 200, body = crate::docs::schemas::customers::CustomersUnblocked)))]
async fn unblock_end_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    unblock(&state, &caller, &body, "/end_user/unblock").await
}

async fn unblock(
    state: &AppState,
    caller: &Caller,
    body: &Value,
    route: &'static str,
) -> Result<Json<Value>, ApiError> {
    let _permit = policy::authorize(state, caller, Op::CustomerWrite { route })?;
    let user_ids = ids(body)?;
    if let Some(missing) = user_ids.iter().find(|id| state.customers.get(id).is_none()) {
        return Err(super::routes::not_found(missing));
    }
    set_blocked(state, caller, user_ids, false).await?;
    let mut still: Vec<String> =
        state.customers.all().iter().filter(|c| c.blocked).map(|c| c.user_id.clone()).collect();
    still.sort();
    Ok(Json(json!({ "blocked_users": still })))
}

/// Sets `blocked` on each customer (creating unknown ones), in one transaction.
async fn set_blocked(
    state: &AppState,
    caller: &Caller,
    user_ids: Vec<String>,
    blocked: bool,
) -> Result<Vec<CustomerRecord>, ApiError> {
    let actor = Actor::of(caller);
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut changed = Vec::new();
                for id in user_ids {
                    let before = store::load(tx, &id)?;
                    let mut customer = before.clone().unwrap_or_else(|| CustomerRecord::blank(&id));
                    customer.blocked = blocked;
                    store::save(tx, &customer)?;
                    let action = if before.is_some() { "updated" } else { "created" };
                    let old = before.as_ref().map(audit::json);
                    audit::record(
                        tx,
                        &actor,
                        &now,
                        action,
                        "end_users",
                        &id,
                        old.as_ref(),
                        Some(&audit::json(&customer)),
                    )?;
                    changed.push(customer);
                }
                Ok::<_, ApiError>(changed)
            },
            move |changed: &Vec<CustomerRecord>| {
                for customer in changed {
                    cache.customers.put(customer.clone());
                }
            },
        )
        .await
}
