//! The `/user/*` routes that change users: new, update, delete. Creating a user may join
//! teams and create the user's first key in the same transaction; deleting a user
//! archives their keys and drops their memberships and invitations in one transaction.

use super::fields::{UserFields, blank};
use super::record::UserRecord;
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::policy::{self, Op, Permit};
use crate::auth::{Caller, generate_key};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::keys::{KeyRecord, store as key_store};
use crate::state::AppState;
use crate::teams::{Membership, TeamRecord, TeamRole, store as team_store};
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(new_user)).routes(routes!(update_user)).routes(routes!(delete_user))
}

/// Fields of `/user/new` beyond the user's own.
#[derive(Deserialize, Default)]
struct NewUserExtra {
    user_id: Option<String>,
    team_id: Option<String>,
    teams: Option<Vec<Value>>,
    auto_create_key: Option<bool>,
    duration: Option<String>,
    key_alias: Option<String>,
}

fn membership_list(state: &AppState, extra: &NewUserExtra) -> Result<Vec<(String, TeamRole, Option<f64>)>, ApiError> {
    let mut joins = Vec::new();
    if let Some(team) = &extra.team_id {
        joins.push((team.clone(), TeamRole::User, None));
    }
    for entry in extra.teams.iter().flatten() {
        match entry {
            Value::String(team) => joins.push((team.clone(), TeamRole::User, None)),
            Value::Object(map) => {
                let team = map.get("team_id").and_then(Value::as_str).ok_or_else(|| {
                    ApiError::field(
                        "teams",
                        "each entry of teams is a team id or {team_id, user_role, max_budget_in_team}",
                    )
                })?;
                let role = match map.get("user_role").and_then(Value::as_str) {
                    None | Some("user") => TeamRole::User,
                    Some("admin") => TeamRole::Admin,
                    Some(other) => {
                        return Err(ApiError::field(
                            "teams",
                            format!("`{other}` is not a team role: use admin or user"),
                        ));
                    }
                };
                let budget = map.get("max_budget_in_team").and_then(Value::as_f64);
                fields::budget("max_budget_in_team", budget)?;
                joins.push((team.to_string(), role, budget));
            }
            _ => return Err(ApiError::field("teams", "each entry of teams is a team id or an object")),
        }
    }
    // LiteLLM creates the user even when a team cannot be joined, and its answer's
    // `teams` lists only the teams joined: a caller sees the failed add there.
    joins.retain(|(team, _, _)| {
        let known = state.teams.get(team).is_some();
        if !known {
            tracing::warn!(team_id = %team, "/user/new: no such team, the user is created without it");
        }
        known
    });
    joins.dedup_by(|a, b| a.0 == b.0);
    Ok(joins)
}

/// Create a user (and, unless `auto_create_key` is false, a first key for them).
#[utoipa::path(post, path = "/user/new", tag = "users", request_body = crate::docs::schemas::users::UserNewRequest, responses((status = 200, body = crate::docs::schemas::users::UserCreated)))]
async fn new_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    new(&state, &caller, &body).await.map(Json)
}

/// `/user/new` for the JSON route and the UI: the answer LiteLLM gives (the user, and
/// the first key's clear secret unless `auto_create_key` is false).
pub async fn new(state: &AppState, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let permit = policy::authorize(state, caller, Op::UserNew)?;
    super::block::refuse_blocked_field(body)?;
    if body.get("password").is_some_and(|p| !p.is_null()) {
        return Err(ApiError::field(
            "password",
            "password cannot be set by /user/new: send the user an invitation link (/invitation/new)",
        ));
    }
    let mut request: UserFields = fields::parse(body)?;
    let extra: NewUserExtra = fields::parse(body)?;
    request.validate()?;
    fields::duration("duration", extra.duration.as_deref(), true)?;
    let role = request.apply_defaults(&state.config.settings.litellm_settings)?;
    let joins = membership_list(state, &extra)?;
    let user_id = match extra.user_id.as_deref().map(str::trim) {
        Some("") => return Err(ApiError::field("user_id", "user_id must not be empty")),
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let now = state.clock.now();
    let now_text = crate::time::format(now);
    let mut user = blank(&user_id, role, &now_text);
    request.apply(&mut user, now)?;
    let mut clear = None;
    let mut key = None;
    if extra.auto_create_key != Some(false) {
        let secret = generate_key();
        let mut record = KeyRecord::new(&secret, &now_text, caller.user_id.clone());
        record.user_id = Some(user_id.clone());
        // Never a team that does not exist: whoever creates it later would own this key.
        record.team_id = extra.team_id.clone().filter(|team| joins.iter().any(|(joined, _, _)| joined == team));
        record.models.clone_from(&user.models);
        record.key_alias.clone_from(&extra.key_alias);
        if let Some(duration) = extra.duration.as_deref().filter(|d| *d != "-1") {
            let d =
                crate::duration::Duration::parse(duration).map_err(|e| ApiError::field("duration", e.to_string()))?;
            record.expires = Some(crate::time::format(d.after(now)));
        }
        clear = Some(secret);
        key = Some(record);
    }
    let (user, key) = create(state, &permit, user, joins, key, Actor::of(caller)).await?;
    let mut answer = match (&key, clear) {
        (Some(key), Some(clear)) => json!({
            "key": clear,
            "key_name": key.key_name,
            "key_alias": key.key_alias,
            "expires": key.expires,
            "token_id": key.token,
            "token": key.token,
            "duration": extra.duration,
        }),
        _ => json!({"key": "", "key_name": null, "expires": null, "token_id": null, "token": null}),
    };
    if let (Some(map), Value::Object(user)) = (answer.as_object_mut(), view::user(state, &user)) {
        map.extend(user);
    }
    Ok(answer)
}

/// Stores a new user with their memberships and first key, in one transaction.
pub async fn create(
    state: &AppState,
    _permit: &Permit,
    user: UserRecord,
    joins: Vec<(String, TeamRole, Option<f64>)>,
    key: Option<KeyRecord>,
    actor: Actor,
) -> Result<(UserRecord, Option<KeyRecord>), ApiError> {
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    let (user, _, key) = state
        .db
        .write_then(
            move |tx| {
                if store::load(tx, &user.user_id)?.is_some() {
                    return Err(ApiError::Conflict(format!("User with id {} already exists", user.user_id)));
                }
                if let Some(email) = &user.user_email
                    && store::by_email(tx, email)?.is_some()
                {
                    return Err(ApiError::Conflict(format!("User with email {email} already exists")));
                }
                store::save(tx, &user)?;
                audit::record(tx, &actor, &now, "created", "users", &user.user_id, None, Some(&audit::json(&user)))?;
                let mut teams = Vec::new();
                for (team_id, role, budget) in joins {
                    let member = Membership {
                        user_id: user.user_id.clone(),
                        team_id: team_id.clone(),
                        role,
                        spend: 0.0,
                        max_budget_in_team: budget,
                        created_at: now.clone(),
                        budget_id: None,
                    };
                    team_store::add_member(tx, &member)?;
                    let object = format!("{team_id}:{}", user.user_id);
                    audit::record(
                        tx,
                        &actor,
                        &now,
                        "created",
                        "team_memberships",
                        &object,
                        None,
                        Some(&audit::json(&member)),
                    )?;
                    teams.extend(team_store::load(tx, &team_id)?);
                }
                if let Some(key) = &key {
                    if let Some(alias) = &key.key_alias
                        && key_store::alias_taken(tx, alias, &key.token)?
                    {
                        return Err(ApiError::field("key_alias", format!("Key with alias '{alias}' already exists.")));
                    }
                    key_store::save(tx, key)?;
                    audit::record(tx, &actor, &now, "created", "keys", &key.token, None, Some(&audit::json(key)))?;
                }
                Ok((user, teams, key))
            },
            move |(user, teams, key): &(UserRecord, Vec<TeamRecord>, Option<KeyRecord>)| {
                cache.users.put(user.clone());
                for team in teams {
                    cache.teams.put(team.clone());
                }
                if let Some(key) = key {
                    cache.keys.put(key.clone());
                }
            },
        )
        .await?;
    Ok((user, key))
}

/// Whom `/user/update` changes: a user found, or the id of one to create.
enum Target {
    Found(std::sync::Arc<UserRecord>),
    Create(String),
}

/// Change a user, found by `user_id` or `user_email`; a user nobody has is created.
#[utoipa::path(post, path = "/user/update", tag = "users", request_body = crate::docs::schemas::users::UserUpdateRequest, responses((status = 200, body = crate::docs::schemas::users::UserObject)))]
async fn update_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body).await.map(Json)
}

/// `/user/update` for the JSON route and the UI.
pub async fn update(state: &AppState, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let permit = policy::authorize(state, caller, Op::UserUpdate)?;
    super::block::refuse_blocked_field(body)?;
    let mut request: UserFields = fields::parse(body)?;
    request.validate()?;
    // As LiteLLM's upsert: a user_id or email nobody has names a user to create.
    let target = match (fields::text(body, "user_id"), request.email()) {
        (Some(id), _) if id.trim().is_empty() => return Err(ApiError::field("user_id", "user_id must not be empty")),
        (Some(id), _) => state.users.get(&id).map_or(Target::Create(id), Target::Found),
        (None, Some(email)) => match state.users.by_email(&email) {
            Some(found) => {
                // Looked up by its email, the email is the key, not a change.
                request.user_email = None;
                Target::Found(found)
            }
            None => Target::Create(uuid::Uuid::new_v4().to_string()),
        },
        (None, None) => return Err(ApiError::field("user_id", "user_id or user_email is required")),
    };
    let password = match fields::text(body, "password") {
        Some(p) if p.chars().count() < state.config.settings.general_settings.min_password_length => {
            let min_length = state.config.settings.general_settings.min_password_length;
            return Err(ApiError::field("password", format!("password must have at least {min_length} characters")));
        }
        Some(p) => Some(crate::auth::password::hash(&p).map_err(ApiError::internal)?),
        None => None,
    };
    let settings = state.config.settings.litellm_settings.clone();
    let target = match target {
        Target::Found(target) => target,
        Target::Create(new_id) => {
            let role = request.apply_defaults(&settings)?;
            let now = state.clock.now();
            let mut user = blank(&new_id, role, &crate::time::format(now));
            request.apply(&mut user, now)?;
            user.password_hash = password;
            let (user, _) = create(state, &permit, user, Vec::new(), None, Actor::of(caller)).await?;
            return Ok(view::user(state, &user));
        }
    };
    if request.role()? == Some(crate::auth::Role::InternalUser)
        && target.user_role != crate::auth::Role::InternalUser
        && target.max_budget.is_none()
        && request.max_budget.is_none()
        && settings.max_internal_user_budget.is_some()
    {
        request.max_budget = Some(settings.max_internal_user_budget);
        if target.budget_duration.is_none() && request.budget_duration.is_none() {
            request.budget_duration = Some(settings.internal_user_budget_duration.clone());
        }
    }
    let user = change(state, &permit, &target.user_id, Actor::of(caller), move |user, now| {
        request.apply(user, now)?;
        if let Some(hash) = password {
            user.password_hash = Some(hash);
            user.session_epoch += 1;
        }
        Ok(())
    })
    .await?;
    Ok(view::user(state, &user))
}

/// Read-modify-write of one user in one transaction, with its audit row.
pub async fn change(
    state: &AppState,
    _permit: &Permit,
    user_id: &str,
    actor: Actor,
    modify: impl FnOnce(&mut UserRecord, chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> + Send + 'static,
) -> Result<UserRecord, ApiError> {
    let now = state.clock.now();
    let user_id = user_id.to_string();
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut user = store::load(tx, &user_id)?
                    .ok_or_else(|| ApiError::NotFound(format!("User not found, passed user_id={user_id}")))?;
                let before = audit::json(&user);
                let old_password = user.password_hash.clone();
                modify(&mut user, now)?;
                if let Some(email) = &user.user_email
                    && store::by_email(tx, email)?.is_some_and(|other| other.user_id != user.user_id)
                {
                    return Err(ApiError::Conflict(format!("User with email {email} already exists")));
                }
                let now = crate::time::format(now);
                user.updated_at.clone_from(&now);
                store::save(tx, &user)?;
                // A password set here must not be replaceable through an older invitation.
                if user.password_hash != old_password {
                    for revoked in crate::invitations::store::revoke_open(tx, &user.user_id, None)? {
                        audit::record(tx, &actor, &now, "revoked", "invitations", &revoked, None, None)?;
                    }
                }
                audit::record(
                    tx,
                    &actor,
                    &now,
                    "updated",
                    "users",
                    &user.user_id,
                    Some(&before),
                    Some(&audit::json(&user)),
                )?;
                Ok(user)
            },
            move |user: &UserRecord| cache.users.put(user.clone()),
        )
        .await
}

#[derive(Deserialize)]
struct DeleteUsers {
    user_ids: Vec<String>,
}

/// Delete users with their keys (archived), memberships and invitations. Answers the
/// number of users deleted, as LiteLLM does.
#[utoipa::path(post, path = "/user/delete", tag = "users", request_body = crate::docs::schemas::users::UserIdsRequest, responses((status = 200, description = "the number of users deleted", body = u64)))]
async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    delete(&state, &caller, &body).await.map(Json)
}

/// `/user/delete` for the JSON route and the UI: the number of users deleted.
pub async fn delete(state: &AppState, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let permit = policy::authorize(state, caller, Op::UserDelete)?;
    let request: DeleteUsers = fields::parse(body)?;
    if request.user_ids.is_empty() {
        return Err(ApiError::field("user_ids", "user_ids must name at least one user"));
    }
    if let Some(missing) = request.user_ids.iter().find(|id| state.users.get(id).is_none()) {
        return Err(ApiError::NotFound(format!("User not found, passed user_id={missing}")));
    }
    let count = delete_users(state, &permit, request.user_ids, Actor::of(caller)).await?;
    Ok(json!(count))
}

pub async fn delete_users(
    state: &AppState,
    _permit: &Permit,
    ids: Vec<String>,
    actor: Actor,
) -> Result<usize, ApiError> {
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    let (users, _, _) = state
        .db
        .write_then(
            move |tx| {
                let mut users = Vec::new();
                let mut tokens = Vec::new();
                let mut team_ids = Vec::new();
                for id in ids {
                    let Some(user) = store::load(tx, &id)? else { continue };
                    for token in key_store::tokens_of_user(tx, &id, None)? {
                        if let Some(key) = key_store::load(tx, &token)? {
                            key_store::archive_and_delete(tx, &key, &actor.user_id, &now)?;
                            audit::record(tx, &actor, &now, "deleted", "keys", &token, Some(&audit::json(&key)), None)?;
                            tokens.push(token);
                        }
                    }
                    team_ids.extend(team_store::team_ids_of_user(tx, &id)?);
                    store::delete(tx, &id)?;
                    audit::record(tx, &actor, &now, "deleted", "users", &id, Some(&audit::json(&user)), None)?;
                    users.push(id);
                }
                let mut teams = Vec::new();
                team_ids.sort();
                team_ids.dedup();
                for team in team_ids {
                    teams.extend(team_store::load(tx, &team)?);
                }
                Ok::<_, ApiError>((users, tokens, teams))
            },
            move |(users, tokens, teams): &(Vec<String>, Vec<String>, Vec<TeamRecord>)| {
                for token in tokens {
                    cache.keys.remove(token);
                    cache.keys.forget_deprecated(token);
                }
                for team in teams {
                    cache.teams.put(team.clone());
                }
                for user in users {
                    cache.users.remove(user);
                    cache.organizations.forget_user(user);
                }
            },
        )
        .await?;
    Ok(users.len())
}
