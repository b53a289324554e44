//! Blocking users: `POST /user/block` and `POST /user/unblock` with `{"user_ids": [...]}`,
//! proxy admins only. A blocked user cannot sign in (password or SSO), their sessions end
//! at the next request (the session check reads `blocked` from the user table, and blocking
//! also bumps `session_epoch`, so unblocking does not revive an old cookie), and their
//! virtual keys are refused with 401 (`auth::caller`). Nothing is deleted: unblocking
//! restores the keys as they were.

use super::record::UserRecord;
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op, Permit};
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
    OpenApiRouter::new().routes(routes!(block_users)).routes(routes!(unblock_users))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserIds {
    user_ids: Vec<String>,
}

/// Block users: no sign-in, sessions end, keys refused, until they are unblocked.
#[utoipa::path(post, path = "/user/block", tag = "users", request_body = crate::docs::schemas::users::UserIdsRequest, responses((status = 200, body = crate::docs::schemas::users::UsersAnswer)))]
async fn block_users(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    set_blocked(&state, &caller, &body, true).await.map(Json)
}

/// Unblock users.
#[utoipa::path(post, path = "/user/unblock", tag = "users", request_body = crate::docs::schemas::users::UserIdsRequest, responses((status = 200, body = crate::docs::schemas::users::UsersAnswer)))]
async fn unblock_users(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    set_blocked(&state, &caller, &body, false).await.map(Json)
}

/// `/user/block` and `/user/unblock` for the JSON routes and the UI: `{"users": [...]}`,
/// each user as `/user/info` shows them.
pub async fn set_blocked(state: &AppState, caller: &Caller, body: &Value, blocked: bool) -> Result<Value, ApiError> {
    let route = if blocked { "/user/block" } else { "/user/unblock" };
    let permit = policy::authorize(state, caller, Op::UserBlock { route })?;
    let request: UserIds = fields::parse(body)?;
    if request.user_ids.is_empty() {
        return Err(ApiError::field("user_ids", "user_ids must name at least one user"));
    }
    if let Some(missing) = request.user_ids.iter().find(|id| state.users.get(id).is_none()) {
        return Err(ApiError::NotFound(format!("User not found, passed user_id={missing}")));
    }
    if blocked {
        // Blocking these would lock the admins out of their own proxy.
        let admin = state.admin_user_id();
        if let Some(id) = request.user_ids.iter().find(|id| *id == admin || caller.user_id.as_deref() == Some(id)) {
            return Err(ApiError::field(
                "user_ids",
                format!("user_id={id} cannot be blocked: it is you, or the built-in admin"),
            ));
        }
    }
    let users = store_blocked(state, &permit, request.user_ids, blocked, Actor::of(caller)).await?;
    Ok(json!({ "users": users.iter().map(|u| view::user(state, u)).collect::<Vec<_>>() }))
}

/// `/user/new` and `/user/update` ignore fields they do not know, as LiteLLM does; a
/// `blocked` there would be silently dropped and the admin would believe the user blocked.
pub fn refuse_blocked_field(body: &Value) -> Result<(), ApiError> {
    match body.get("blocked") {
        Some(value) if !value.is_null() => {
            Err(ApiError::field("blocked", "blocked is set with /user/block and /user/unblock"))
        }
        _ => Ok(()),
    }
}

/// Sets `blocked` on the users in one transaction, with an audit row each; blocking also
/// bumps their `session_epoch`. The user table in memory follows after the commit.
pub async fn store_blocked(
    state: &AppState,
    _permit: &Permit,
    ids: Vec<String>,
    blocked: bool,
    actor: Actor,
) -> Result<Vec<UserRecord>, ApiError> {
    let now = crate::time::format(state.clock.now());
    let action = if blocked { "blocked" } else { "unblocked" };
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut changed = Vec::new();
                for id in ids {
                    let mut user = store::load(tx, &id)?
                        .ok_or_else(|| ApiError::NotFound(format!("User not found, passed user_id={id}")))?;
                    let before = audit::json(&user);
                    if blocked && !user.blocked {
                        user.session_epoch += 1;
                    }
                    user.blocked = blocked;
                    user.updated_at.clone_from(&now);
                    store::save(tx, &user)?;
                    audit::record(tx, &actor, &now, action, "users", &id, Some(&before), Some(&audit::json(&user)))?;
                    changed.push(user);
                }
                Ok::<_, ApiError>(changed)
            },
            move |users: &Vec<UserRecord>| {
                for user in users {
                    cache.users.put(user.clone());
                }
            },
        )
        .await
}
