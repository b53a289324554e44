//! The `/user/*` routes that read: `/user/info` (a user with their keys and teams) and
//! `/user/list` (paginated, filtered by role, ids, email and team). Both read the
//! in-memory tables after due budget resets.

use super::record::UserRecord;
use super::view;
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
    OpenApiRouter::new().routes(routes!(user_info)).routes(routes!(user_list))
}

#[derive(Deserialize, IntoParams)]
pub struct InfoQuery {
    /// Without it, the caller.
    user_id: Option<String>,
}

/// A user, their keys (hashes, never clear keys) and their teams.
#[utoipa::path(get, path = "/user/info", tag = "users", params(InfoQuery), responses((status = 200, body = crate::docs::schemas::users::UserInfoAnswer)))]
async fn user_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::UserRead { user_id: query.user_id.as_deref() })?;
    crate::limits::reset::reset_if_due(&state).await?;
    let user_id = query
        .user_id
        .or_else(|| caller.user_id.clone())
        .ok_or_else(|| ApiError::field("user_id", "user_id is required for a key that belongs to no user"))?;
    let user = state.users.get(&user_id).ok_or_else(|| ApiError::NotFound(format!("User {user_id} not found")))?;
    let mut keys: Vec<_> = state
        .keys
        .all()
        .into_iter()
        .filter(|k| k.user_id.as_deref() == Some(user_id.as_str()) && !k.is_session_key)
        .collect();
    keys.sort_by(|a, b| a.created_at.cmp(&b.created_at).then_with(|| a.token.cmp(&b.token)));
    let keys: Vec<Value> = keys
        .iter()
        .map(|k| {
            let mut v = crate::keys::view::full(k);
            let alias = k.team_id.as_deref().and_then(|t| state.teams.get(t)).and_then(|t| t.team_alias.clone());
            v["team_alias"] = json!(alias);
            v
        })
        .collect();
    let mut teams: Vec<_> = state.teams.of_user(&user_id).into_iter().map(|(t, _)| t).collect();
    teams.sort_by(|a, b| a.team_alias.cmp(&b.team_alias).then_with(|| a.team_id.cmp(&b.team_id)));
    let teams: Vec<Value> = teams.iter().map(|t| crate::teams::view::with_memberships_and_keys(&state, t)).collect();
    Ok(Json(json!({
        "user_id": user_id,
        "user_info": view::user(&state, &user),
        "keys": keys,
        "teams": teams,
    })))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only users with this role.
    role: Option<String>,
    /// Comma-separated user ids.
    user_ids: Option<String>,
    /// Part of the email, any case.
    user_email: Option<String>,
    /// Only members of this team.
    team: Option<String>,
    page: Option<i64>,
    /// Users per page (default 25, at most 100).
    page_size: Option<i64>,
    /// user_id, user_email, created_at, spend or user_alias.
    sort_by: Option<String>,
    /// asc (default) or desc.
    sort_order: Option<String>,
}

/// Users, paginated (proxy admins and admin viewers).
#[utoipa::path(get, path = "/user/list", tag = "users", params(ListQuery), responses((status = 200, body = crate::docs::schemas::users::UserListAnswer)))]
async fn user_list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    policy::authorize(&state, &caller, Op::UserList)?;
    let (page, size) = fields::page(query.page, query.page_size, 25, 100)?;
    let role = query.role.as_deref().map(|r| fields::role("role", r)).transpose()?;
    let descending = match query.sort_order.as_deref() {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(other) => {
            return Err(ApiError::field("sort_order", format!("sort_order must be asc or desc, not `{other}`")));
        }
    };
    crate::limits::reset::reset_if_due(&state).await?;
    let ids: Option<Vec<&str>> = query.user_ids.as_deref().map(|ids| ids.split(',').map(str::trim).collect());
    let email = query.user_email.as_deref().map(str::to_lowercase);
    let members: Option<Vec<String>> = match &query.team {
        Some(team) => Some(
            state.teams.get(team).map(|t| t.members.iter().map(|m| m.user_id.clone()).collect()).unwrap_or_default(),
        ),
        None => None,
    };
    let mut users: Vec<Arc<UserRecord>> = state
        .users
        .all()
        .into_iter()
        .filter(|u| role.is_none_or(|r| u.user_role == r))
        .filter(|u| ids.as_ref().is_none_or(|ids| ids.contains(&u.user_id.as_str())))
        .filter(|u| {
            email.as_ref().is_none_or(|e| u.user_email.as_deref().is_some_and(|ue| ue.to_lowercase().contains(e)))
        })
        .filter(|u| members.as_ref().is_none_or(|m| m.contains(&u.user_id)))
        .collect();
    let sort_by = query.sort_by.as_deref().unwrap_or("created_at");
    users.sort_by(|a, b| {
        let order = match sort_by {
            "user_id" => a.user_id.cmp(&b.user_id),
            "user_email" => a.user_email.cmp(&b.user_email),
            "user_alias" => a.user_alias.cmp(&b.user_alias),
            "spend" => a.spend.total_cmp(&b.spend),
            _ => a.created_at.cmp(&b.created_at),
        }
        .then_with(|| a.user_id.cmp(&b.user_id));
        if descending { order.reverse() } else { order }
    });
    let keys = state.keys.all();
    let total = users.len();
    let shown: Vec<Value> = users
        .iter()
        .skip(((page - 1) * size) as usize)
        .take(size as usize)
        .map(|u| {
            let mut v = view::user(&state, u);
            let count =
                keys.iter().filter(|k| k.user_id.as_deref() == Some(u.user_id.as_str()) && !k.is_session_key).count();
            v["key_count"] = json!(count);
            v
        })
        .collect();
    Ok(Json(json!({
        "users": shown,
        "total": total,
        "page": page,
        "page_size": size,
        "total_pages": fields::total_pages(total, size),
    })))
}
