//! `/key/regenerate` and `/key/{key}/regenerate`: a new secret for the same key row
//! (settings, spend, alias kept; the row moves to the new hash, the old row is archived).
//! With `grace_period` the old secret keeps working until then: `deprecated_keys` maps
//! its hash to the key's current hash, and the in-memory key table resolves it.

use super::fields::KeyFields;
use super::record::KeyRecord;
use super::routes::{alias_error, check_owner_and_team, clear_key, fields_after};
use super::view::{self, key_name, token_of};
use super::{hash_key, store};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op, Permit};
use crate::duration::Duration;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(regenerate)).routes(routes!(regenerate_path))
}

/// New secret, same settings. `grace_period` (e.g. `24h`) keeps the old secret working.
#[utoipa::path(post, path = "/key/regenerate", tag = "keys", request_body = crate::docs::schemas::keys::KeyRegenerateRequest, responses((status = 200, body = crate::docs::schemas::keys::KeyGenerated)))]
async fn regenerate(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    regenerate_key(&state, &caller, None, &body).await.map(|(key, clear)| Json(view::generated(&key, &clear, None)))
}

/// The same as `/key/regenerate`, with the key in the path.
#[utoipa::path(post, path = "/key/{key}/regenerate", tag = "keys", params(("key" = String, Path, description = "the clear key or its hash")), request_body = crate::docs::schemas::keys::KeyRegeneratePathRequest, responses((status = 200, body = crate::docs::schemas::keys::KeyGenerated)))]
async fn regenerate_path(
    State(state): State<AppState>,
    caller: Caller,
    Path(key): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    regenerate_key(&state, &caller, Some(key), &body)
        .await
        .map(|(key, clear)| Json(view::generated(&key, &clear, None)))
}

/// `/key/regenerate` for the JSON routes and the UI: the stored key and its new clear
/// secret (shown once).
pub async fn regenerate_key(
    state: &AppState,
    caller: &Caller,
    path_key: Option<String>,
    body: &Value,
) -> Result<(KeyRecord, String), ApiError> {
    let presented = fields::text(body, "key").or(path_key).ok_or_else(|| ApiError::field("key", "key is required"))?;
    let current = state
        .keys
        .get(&token_of(&presented))
        .ok_or_else(|| ApiError::NotFound(format!("Key {} not found.", key_name(&presented))))?;
    let mut request: KeyFields = fields::parse(body)?;
    let (new_owner, new_team) = (request.user_id(), request.team_id());
    let team = new_team.as_deref().and_then(|t| state.teams.get(t));
    let fields = fields_after(&current, body);
    let permit = policy::authorize(
        state,
        caller,
        Op::KeyChange {
            route: "/key/regenerate",
            verb: "regenerate",
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
    let clear = clear_key(fields::text(body, "new_key"), "new_key")?;
    let now = state.clock.now();
    let revoke_at = match fields::text(body, "grace_period") {
        Some(text) => Some(
            Duration::parse(&text)
                .map_err(|e| ApiError::field("grace_period", format!("grace_period: {e}")))?
                .after(now),
        ),
        None => None,
    };
    let key = swap_secret(state, &permit, current.token.clone(), clear.clone(), revoke_at, request, Actor::of(caller))
        .await?;
    Ok((key, clear))
}

async fn swap_secret(
    state: &AppState,
    _permit: &Permit,
    old_token: String,
    clear: String,
    revoke_at: Option<DateTime<Utc>>,
    request: KeyFields,
    actor: Actor,
) -> Result<KeyRecord, ApiError> {
    let now = state.clock.now();
    let now_text = crate::time::format(now);
    let cache = state.clone();
    let old = old_token.clone();
    state
        .db
        .write_then(
            move |tx| {
                let current = store::load(tx, &old_token)?.ok_or_else(|| ApiError::NotFound("Key not found".into()))?;
                let mut key = current.clone();
                key.token = hash_key(&clear);
                key.key_name = key_name(&clear);
                request.apply(&mut key, now)?;
                key.updated_at.clone_from(&now_text);
                key.updated_by = Some(actor.user_id.clone());
                if store::load(tx, &key.token)?.is_some() {
                    return Err(ApiError::field("new_key", "A key with this secret exists already"));
                }
                if let Some(alias) = &key.key_alias
                    && store::alias_taken(tx, alias, &old_token)?
                {
                    return Err(alias_error(alias));
                }
                // Earlier secrets still in their grace period follow the key to its new hash.
                store::follow_regenerated(tx, &old_token, &key.token)?;
                store::archive_and_delete(tx, &current, &actor.user_id, &now_text)?;
                store::save(tx, &key)?;
                if let Some(until) = revoke_at {
                    store::deprecate(tx, &old_token, &key.token, &crate::time::format(until))?;
                }
                let after = audit::json(&key);
                audit::record(
                    tx,
                    &actor,
                    &now_text,
                    "regenerated",
                    "keys",
                    &key.token,
                    Some(&audit::json(&current)),
                    Some(&after),
                )?;
                Ok(key)
            },
            move |key: &KeyRecord| {
                cache.keys.remove(&old);
                cache.keys.put(key.clone());
                cache.keys.deprecate(&old, &key.token, revoke_at);
            },
        )
        .await
}
