//! The `/customer/*` routes that read — info and list — and their `/end_user/*`
//! aliases, from the in-memory tables after due budget resets.

use super::view;
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::Value;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(customer_info))
        .routes(routes!(end_user_info))
        .routes(routes!(customer_list))
        .routes(routes!(end_user_list))
}

#[derive(Deserialize, IntoParams)]
pub struct InfoQuery {
    /// The customer's id.
    end_user_id: Option<String>,
}

/// A customer, with its spend and budget object.
#[utoipa::path(get, path = "/customer/info", tag = "customers", params(("end_user_id" = String, Query)), responses((status = 200, body = crate::docs::schemas::customers::CustomerObject)))]
async fn customer_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    info(&state, &caller, query, "/customer/info").await
}

/// `/customer/info` under LiteLLM's former name.
#[utoipa::path(get, path = "/end_user/info", tag = "customers", params(("end_user_id" = String, Query)), responses((status = 200, body = crate::docs::schemas::customers::CustomerObject)))]
async fn end_user_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    info(&state, &caller, query, "/end_user/info").await
}

async fn info(
    state: &AppState,
    caller: &Caller,
    query: InfoQuery,
    route: &'static str,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(state, caller, Op::CustomerRead { route })?;
    let id = query.end_user_id.ok_or_else(|| ApiError::field("end_user_id", "end_user_id is required"))?;
    crate::limits::reset::reset_if_due(state).await?;
    let customer = state.customers.get(&id).ok_or_else(|| super::routes::not_found(&id))?;
    Ok(Json(view::customer(state, &customer)))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// From 1.
    page: Option<i64>,
    /// 1 to 100, default 50.
    page_size: Option<i64>,
    /// Part of a customer's id or alias, any case.
    search: Option<String>,
}

/// Customers, by id, a page at a time.
#[utoipa::path(get, path = "/customer/list", tag = "customers", params(ListQuery), responses((status = 200, body = Vec<crate::docs::schemas::customers::CustomerObject>)))]
async fn customer_list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    list(&state, &caller, query, "/customer/list").await
}

/// `/customer/list` under LiteLLM's former name.
#[utoipa::path(get, path = "/end_user/list", tag = "customers", params(ListQuery), responses((status = 200, body = Vec<crate::docs::schemas::customers::CustomerObject>)))]
async fn end_user_list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    list(&state, &caller, query, "/end_user/list").await
}

async fn list(
    state: &AppState,
    caller: &Caller,
    query: ListQuery,
    route: &'static str,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(state, caller, Op::CustomerRead { route })?;
    let (page, size) = crate::fields::page(query.page, query.page_size, 50, 100)?;
    crate::limits::reset::reset_if_due(state).await?;
    let search = query.search.filter(|s| !s.is_empty()).map(|s| s.to_lowercase());
    let matches = |text: &str| search.as_deref().is_none_or(|s| text.to_lowercase().contains(s));
    let mut customers: Vec<_> = state
        .customers
        .all()
        .into_iter()
        .filter(|c| matches(&c.user_id) || c.alias.as_deref().is_some_and(matches))
        .collect();
    customers.sort_by(|a, b| a.user_id.cmp(&b.user_id));
    let skip = usize::try_from((page - 1) * size).unwrap_or(usize::MAX);
    let shown: Vec<Value> = customers.iter().skip(skip).take(size as usize).map(|c| view::customer(state, c)).collect();
    Ok(Json(Value::Array(shown)))
}
