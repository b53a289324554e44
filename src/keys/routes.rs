//! The `/key/*` routes that change keys: generate, update, delete, block and unblock
//! (regenerate is in `regenerate.rs`). Each handler: caller, policy, validation, one write (row, audit row) whose
//! `then` updates the in-memory key table, answer.

use super::fields::KeyFields;
use super::record::KeyRecord;
use super::store;
use super::view::{self, key_name, token_of};
use crate::audit::{self, Actor};
use crate::auth::policy::{self, Op, Permit};
use crate::auth::{Caller, Role, generate_key};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(generate))
        .routes(routes!(update))
        .routes(routes!(delete))
        .routes(routes!(block))
        .routes(routes!(unblock))
}

pub(super) fn alias_error(alias: &str) -> ApiError {
    ApiError::field(
        "key_alias",
        format!("Key with alias '{alias}' already exists. Unique key aliases across all keys are required."),
    )
}

pub(super) fn not_found(presented: &str) -> ApiError {
    ApiError::NotFound(format!("Key not found in database: {}", key_name(presented)))
}

/// Refuses owners and teams that do not exist.
pub fn check_owner_and_team(state: &AppState, owner: Option<&str>, team: Option<&str>) -> Result<(), ApiError> {
    if let Some(user) = owner
        && state.users.get(user).is_none()
    {
        return Err(ApiError::field("user_id", format!("User not found for user_id={user}: create it with /user/new")));
    }
    if let Some(team) = team
        && state.teams.get(team).is_none()
    {
        return Err(ApiError::field("team_id", format!("Team not found for team_id={team}")));
    }
    Ok(())
}

/// The non-null fields a key will have after a change with `body`: what the team key
/// rules require of a key moved into a team.
pub(super) fn fields_after(key: &KeyRecord, body: &Value) -> Vec<String> {
    let mut names = fields::given(body);
    if let Value::Object(stored) = crate::audit::json(key) {
        names.extend(stored.into_iter().filter(|(_, v)| !v.is_null()).map(|(name, _)| name));
    }
    names
}

pub(super) fn clear_key(presented: Option<String>, field: &str) -> Result<String, ApiError> {
    match presented {
        Some(key) => super::fields::check_chosen_key(&key, field).map(|()| key),
        None => Ok(generate_key()),
    }
}

/// Stores a new key (alias and secret unique) with its audit row.
pub async fn create(state: &AppState, _permit: &Permit, key: KeyRecord, actor: Actor) -> Result<KeyRecord, ApiError> {
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                if let Some(alias) = &key.key_alias
                    && store::alias_taken(tx, alias, &key.token)?
                {
                    return Err(alias_error(alias));
                }
                if store::load(tx, &key.token)?.is_some() {
                    return Err(ApiError::field("key", "A key with this secret exists already"));
                }
                store::save(tx, &key)?;
                audit::record(tx, &actor, &now, "created", "keys", &key.token, None, Some(&audit::json(&key)))?;
                Ok(key)
            },
            move |key: &KeyRecord| cache.keys.put(key.clone()),
        )
        .await
}

/// Create a virtual key (`sk-...`). The clear key is in this answer only.
#[utoipa::path(post, path = "/key/generate", tag = "keys", request_body = crate::docs::schemas::keys::KeyGenerateRequest, responses((status = 200, body = crate::docs::schemas::keys::KeyGenerated)))]
async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let (key, clear, duration) = issue_key(&state, &caller, &body).await?;
    Ok(Json(view::generated(&key, &clear, duration)))
}

/// `/key/generate` for the JSON route and the UI's form alike: owner defaulting, the
/// policy, checks, upper bounds, then the write. Returns the stored key, its clear
/// secret (shown once) and the lifetime asked for.
pub async fn issue_key(
    state: &AppState,
    caller: &Caller,
    body: &Value,
) -> Result<(KeyRecord, String, Option<String>), ApiError> {
    let given = fields::given(body);
    let mut request: KeyFields = fields::parse(body)?;
    let owner = request.user_id().or_else(|| match caller.role {
        Some(Role::ProxyAdmin) | None => None,
        Some(_) => caller.user_id.clone(),
    });
    let team_id = request.team_id();
    let team = team_id.as_deref().and_then(|t| state.teams.get(t));
    let permit = policy::authorize(
        state,
        caller,
        Op::KeyGenerate {
            team_id: team_id.as_deref(),
            team: team.as_deref(),
            for_user: owner.as_deref(),
            fields: &given,
        },
    )?;
    request.validate()?;
    crate::budgets::referenced(state, request.budget_id.clone().flatten().as_deref())?;
    // LiteLLM accepts an owner without a user row (the key belongs to that id and no row
    // is made). Only a proxy admin, or that id itself, may: anyone else could plant a key
    // for an id that a user with more rights is given later.
    let may_name_unknown_owner = caller.role == Some(Role::ProxyAdmin) || (owner.is_some() && owner == caller.user_id);
    let checked_owner = owner.as_deref().filter(|_| !may_name_unknown_owner);
    check_owner_and_team(state, checked_owner, team_id.as_deref())?;
    let clear = clear_key(fields::text(body, "key"), "key")?;
    request.clamp(&state.config.settings.litellm_settings.upperbound_key_generate_params, true);
    request.user_id = Some(owner);
    let now = state.clock.now();
    let mut key = KeyRecord::new(&clear, &crate::time::format(now), caller.user_id.clone());
    request.apply(&mut key, now)?;
    let key = create(state, &permit, key, Actor::of(caller)).await?;
    Ok((key, clear, request.duration.flatten()))
}

/// Update a key's settings (`key` is the clear key or its hash).
#[utoipa::path(post, path = "/key/update", tag = "keys", request_body = crate::docs::schemas::keys::KeyUpdateRequest, responses((status = 200, body = crate::docs::schemas::keys::KeyUpdated)))]
async fn update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let key = update_key(&state, &caller, &body).await?;
    let mut answer = view::info(&key);
    answer["key"] = body.get("key").cloned().unwrap_or(Value::Null);
    answer["token"] = Value::String(key.token.clone());
    Ok(Json(answer))
}

/// `/key/update` for the JSON route and the UI's edit form: the policy, checks, upper
/// bounds, then the write. Returns the stored key.
pub async fn update_key(state: &AppState, caller: &Caller, body: &Value) -> Result<KeyRecord, ApiError> {
    let presented = fields::text(body, "key").ok_or_else(|| ApiError::field("key", "key is required"))?;
    let current = state.keys.get(&token_of(&presented)).ok_or_else(|| not_found(&presented))?;
    let mut request: KeyFields = fields::parse(body)?;
    let (new_owner, new_team) = (request.user_id(), request.team_id());
    let team = new_team.as_deref().and_then(|t| state.teams.get(t));
    let fields = fields_after(&current, body);
    let permit = policy::authorize(
        state,
        caller,
        Op::KeyChange {
            route: "/key/update",
            verb: "update",
            key: &current,
            new_owner: new_owner.as_deref(),
            new_team: new_team.as_deref(),
            team: team.as_deref(),
            fields: &fields,
            sets_spend: request.spend.is_some(),
        },
    )?;
    request.validate()?;
    crate::budgets::referenced(state, request.budget_id.clone().flatten().as_deref())?;
    check_owner_and_team(state, new_owner.as_deref(), new_team.as_deref())?;
    request.clamp(&state.config.settings.litellm_settings.upperbound_key_generate_params, false);
    change(state, &permit, &current.token, Actor::of(caller), "updated", move |key, now| request.apply(key, now)).await
}

/// Read-modify-write of one key in one transaction, with its audit row.
async fn change(
    state: &AppState,
    _permit: &Permit,
    token: &str,
    actor: Actor,
    action: &'static str,
    modify: impl FnOnce(&mut KeyRecord, DateTime<Utc>) -> Result<(), ApiError> + Send + 'static,
) -> Result<KeyRecord, ApiError> {
    let now = state.clock.now();
    let token = token.to_string();
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut key = store::load(tx, &token)?.ok_or_else(|| ApiError::NotFound("Key not found".into()))?;
                let before = audit::json(&key);
                modify(&mut key, now)?;
                if let Some(alias) = &key.key_alias
                    && store::alias_taken(tx, alias, &key.token)?
                {
                    return Err(alias_error(alias));
                }
                let now = crate::time::format(now);
                key.updated_at.clone_from(&now);
                key.updated_by = Some(actor.user_id.clone());
                store::save(tx, &key)?;
                audit::record(tx, &actor, &now, action, "keys", &key.token, Some(&before), Some(&audit::json(&key)))?;
                Ok(key)
            },
            move |key: &KeyRecord| cache.keys.put(key.clone()),
        )
        .await
}

/// Delete keys, given as `keys` (clear or hashes) or `key_aliases`.
#[utoipa::path(post, path = "/key/delete", tag = "keys", request_body = crate::docs::schemas::keys::KeyDeleteRequest, responses((status = 200, body = crate::docs::schemas::keys::KeyDeleted)))]
async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    delete_by(&state, &caller, &body).await.map(Json)
}

/// `/key/delete` for the JSON route and the UI: every named key must be the caller's to
/// delete, then all go in one transaction.
pub async fn delete_by(state: &AppState, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let list = |field: &str| -> Result<Option<Vec<String>>, ApiError> {
        match body.get(field) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => fields::parse::<Vec<String>>(v)
                .map(Some)
                .map_err(|_| ApiError::field(field, format!("{field} must be a list of strings"))),
        }
    };
    let (sent, field, found): (Vec<String>, &str, Vec<std::sync::Arc<KeyRecord>>) =
        match (list("keys")?, list("key_aliases")?) {
            (Some(keys), _) => {
                let found = keys.iter().filter_map(|k| state.keys.get(&token_of(k))).collect();
                (keys, "keys", found)
            }
            (None, Some(aliases)) => {
                let all = state.keys.all();
                let found =
                    all.into_iter().filter(|k| k.key_alias.as_ref().is_some_and(|a| aliases.contains(a))).collect();
                (aliases, "key_aliases", found)
            }
            (None, None) => return Err(ApiError::field("keys", "keys or key_aliases is required")),
        };
    if found.is_empty() {
        return Err(ApiError::NotFound(format!("No keys found for {field}")));
    }
    let mut permit = None;
    for key in &found {
        permit = Some(policy::authorize(state, caller, Op::key_change("/key/delete", "delete", key))?);
    }
    let Some(permit) = permit else { return Err(ApiError::NotFound("No keys found".into())) };
    let tokens: Vec<String> = found.iter().map(|k| k.token.clone()).collect();
    delete_keys(state, &permit, tokens, Actor::of(caller)).await?;
    Ok(json!({ "deleted_keys": sent }))
}

/// Archives and deletes keys in one transaction.
pub async fn delete_keys(
    state: &AppState,
    _permit: &Permit,
    tokens: Vec<String>,
    actor: Actor,
) -> Result<(), ApiError> {
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut deleted = Vec::new();
                for token in tokens {
                    if let Some(key) = store::load(tx, &token)? {
                        store::archive_and_delete(tx, &key, &actor.user_id, &now)?;
                        audit::record(tx, &actor, &now, "deleted", "keys", &key.token, Some(&audit::json(&key)), None)?;
                        deleted.push(token);
                    }
                }
                Ok::<_, ApiError>(deleted)
            },
            move |deleted: &Vec<String>| {
                for token in deleted {
                    cache.keys.remove(token);
                    cache.keys.forget_deprecated(token);
                }
            },
        )
        .await?;
    Ok(())
}

/// Block a key: every request with it is refused until it is unblocked.
#[utoipa::path(post, path = "/key/block", tag = "keys", request_body = crate::docs::schemas::keys::KeyRef, responses((status = 200, body = crate::docs::schemas::keys::KeyObject)))]
async fn block(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    set_blocked(&state, &caller, &body, true).await.map(|key| Json(view::full(&key)))
}

/// Unblock a key.
#[utoipa::path(post, path = "/key/unblock", tag = "keys", request_body = crate::docs::schemas::keys::KeyRef, responses((status = 200, body = crate::docs::schemas::keys::KeyObject)))]
async fn unblock(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    set_blocked(&state, &caller, &body, false).await.map(|key| Json(view::full(&key)))
}

/// `/key/block` and `/key/unblock` for the JSON routes and the UI.
pub async fn set_blocked(
    state: &AppState,
    caller: &Caller,
    body: &Value,
    blocked: bool,
) -> Result<KeyRecord, ApiError> {
    let presented = fields::text(body, "key").ok_or_else(|| ApiError::field("key", "key is required"))?;
    let current = state.keys.get(&token_of(&presented)).ok_or_else(|| not_found(&presented))?;
    let route = if blocked { "/key/block" } else { "/key/unblock" };
    let permit = policy::authorize(state, caller, Op::KeyBlock { route, key: &current })?;
    let action = if blocked { "blocked" } else { "unblocked" };
    change(state, &permit, &current.token, Actor::of(caller), action, move |key, _| {
        key.blocked = blocked;
        Ok(())
    })
    .await
}
