//! The `/key/*` routes that read: `/key/info` and `/key/list`. Both read the in-memory
//! table (after due budget resets), and neither ever shows a clear key. UI session keys
//! are left out of lists.

use super::record::KeyRecord;
use super::view::{self, token_of};
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(info)).routes(routes!(list))
}

#[derive(Deserialize, IntoParams)]
pub struct InfoQuery {
    /// The clear key or its hash; without it, the calling key.
    key: Option<String>,
}

/// A key's settings and spend.
#[utoipa::path(get, path = "/key/info", tag = "keys", params(InfoQuery), responses((status = 200, body = crate::docs::schemas::keys::KeyInfoAnswer)))]
async fn info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    crate::limits::reset::reset_if_due(&state).await?;
    let (presented, key) = match query.key {
        Some(presented) => {
            let key = state.keys.get(&token_of(&presented));
            (presented, key)
        }
        None => match caller.key() {
            Some(own) => (own.token.clone(), state.keys.get(&own.token)),
            None => return Err(ApiError::field("key", "key is required when calling with the master key")),
        },
    };
    let key = key.ok_or_else(|| ApiError::NotFound("Key not found in database".into()))?;
    policy::authorize(&state, &caller, Op::KeyRead { key: &key })?;
    Ok(Json(json!({ "key": presented, "info": view::info(&key) })))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    page: Option<i64>,
    /// Keys per page (default 10, at most 100).
    size: Option<i64>,
    user_id: Option<String>,
    team_id: Option<String>,
    key_alias: Option<String>,
    key_hash: Option<String>,
    /// Full key objects instead of hashes.
    return_full_object: Option<bool>,
    /// Also the keys of teams the caller administers.
    include_team_keys: Option<bool>,
    /// spend, max_budget, created_at, updated_at, token or key_alias.
    sort_by: Option<String>,
    /// asc or desc (default desc).
    sort_order: Option<String>,
}

/// Keys, paginated. Admins and admin viewers see all; others their own.
#[utoipa::path(get, path = "/key/list", tag = "keys", params(ListQuery), responses((status = 200, body = crate::docs::schemas::keys::KeyListAnswer)))]
async fn list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let permit = policy::authorize(
        &state,
        &caller,
        Op::KeyList { user_id: query.user_id.as_deref(), team_id: query.team_id.as_deref() },
    )?;
    let (page, size) = fields::page(query.page, query.size, 10, 100)?;
    let descending = match query.sort_order.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(ApiError::field("sort_order", format!("sort_order must be asc or desc, not `{other}`")));
        }
    };
    let sort_by = query.sort_by.clone().unwrap_or_else(|| "created_at".into());
    if !["spend", "max_budget", "created_at", "updated_at", "token", "key_alias"].contains(&sort_by.as_str()) {
        return Err(ApiError::field(
            "sort_by",
            format!(
                "sort_by must be one of spend, max_budget, created_at, updated_at, token, key_alias; not `{sort_by}`"
            ),
        ));
    }
    crate::limits::reset::reset_if_due(&state).await?;
    let me = caller.user_id.clone();
    let admin_of: Vec<String> = match &me {
        Some(me) if query.include_team_keys == Some(true) => state
            .teams
            .of_user(me)
            .into_iter()
            .filter(|(_, m)| m.role == crate::teams::TeamRole::Admin)
            .map(|(t, _)| t.team_id.clone())
            .collect(),
        _ => Vec::new(),
    };
    let own_key = caller.key().map(|k| k.token.clone());
    let visible = |k: &KeyRecord| {
        permit.sees_all()
            || (me.is_some() && k.user_id == me)
            || k.team_id.as_ref().is_some_and(|t| admin_of.contains(t))
            || own_key.as_deref() == Some(k.token.as_str())
    };
    let key_hash = query.key_hash.as_deref().map(token_of);
    let mut keys: Vec<Arc<KeyRecord>> = state
        .keys
        .all()
        .into_iter()
        .filter(|k| !k.is_session_key && visible(k))
        .filter(|k| query.user_id.is_none() || k.user_id == query.user_id)
        .filter(|k| query.team_id.is_none() || k.team_id == query.team_id)
        .filter(|k| query.key_alias.is_none() || k.key_alias == query.key_alias)
        .filter(|k| key_hash.is_none() || key_hash.as_deref() == Some(k.token.as_str()))
        .collect();
    keys.sort_by(|a, b| {
        let order = match sort_by.as_str() {
            "spend" => a.spend.total_cmp(&b.spend),
            "max_budget" => a.max_budget.unwrap_or(-1.0).total_cmp(&b.max_budget.unwrap_or(-1.0)),
            "updated_at" => a.updated_at.cmp(&b.updated_at),
            "token" => a.token.cmp(&b.token),
            "key_alias" => a.key_alias.cmp(&b.key_alias),
            _ => a.created_at.cmp(&b.created_at),
        };
        let order = order.then_with(|| a.token.cmp(&b.token));
        if descending { order.reverse() } else { order }
    });
    let total = keys.len();
    let shown: Vec<Value> = keys
        .iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(|k| if query.return_full_object == Some(true) { view::full(k) } else { Value::String(k.token.clone()) })
        .collect();
    Ok(Json(json!({
        "keys": shown,
        "total_count": total,
        "current_page": page,
        "total_pages": fields::total_pages(total, size),
    })))
}
