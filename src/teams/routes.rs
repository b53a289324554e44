//! The `/team/*` routes that change teams: new, update, delete. Members are changed by
//! `members.rs`.

use super::fields::{TeamFields, blank};
use super::members::{Member, MemberBudget, join, resolve};
use super::record::TeamRecord;
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op, Permit};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::keys::store as key_store;
use crate::organizations::OrgRecord;
use crate::organizations::bounds::TeamSettings;
use crate::state::AppState;
use crate::users::UserRecord;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(new_team)).routes(routes!(update_team)).routes(routes!(delete_team))
}

/// The id LiteLLM keeps for its UI's session keys.
const RESERVED_TEAM_ID: &str = "litellm-dashboard";

#[derive(Deserialize, Default)]
struct NewTeamExtra {
    team_id: Option<String>,
    #[serde(default)]
    members_with_roles: Vec<Member>,
    /// LiteLLM's legacy id lists, kept and shown as given.
    #[serde(default)]
    admins: Vec<String>,
    #[serde(default)]
    members: Vec<String>,
}

/// Create a team, optionally with members.
#[utoipa::path(post, path = "/team/new", tag = "teams", request_body = crate::docs::schemas::teams::TeamNewRequest, responses((status = 200, body = crate::docs::schemas::teams::TeamObject)))]
async fn new_team(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    new(&state, &caller, &body).await.map(|team| Json(view::team(&state, &team)))
}

/// `/team/new` for the JSON route and the UI: the stored team.
pub async fn new(state: &AppState, caller: &Caller, body: &Value) -> Result<TeamRecord, ApiError> {
    let organization_id = fields::text(body, "organization_id").filter(|o| !o.is_empty());
    let _permit = policy::authorize(state, caller, Op::TeamNew { organization_id: organization_id.as_deref() })?;
    let request: TeamFields = fields::parse(body)?;
    let extra: NewTeamExtra = fields::parse(body)?;
    request.validate()?;
    served_alias_targets(state, &request)?;
    let organization = organization_id.as_deref().map(|id| organization_of(state, id)).transpose()?;
    let team_id = match extra.team_id.as_deref().map(str::trim) {
        Some("") => return Err(ApiError::field("team_id", "team_id must not be empty")),
        Some(RESERVED_TEAM_ID) => {
            return Err(ApiError::field("team_id", format!("team_id={RESERVED_TEAM_ID} is reserved for the UI")));
        }
        Some(id) => id.to_string(),
        None => uuid::Uuid::new_v4().to_string(),
    };
    let mut named = extra.members_with_roles.clone();
    if let Some(creator) = creator_to_add(state, caller, &named) {
        named.push(Member { role: Some("admin".into()), user_id: Some(creator), user_email: None });
    }
    let members = named.iter().map(|m| resolve(state, m)).collect::<Result<Vec<_>, _>>()?;
    let now = state.clock.now();
    let now_text = crate::time::format(now);
    let mut team = blank(&team_id, &now_text);
    request.apply(&mut team, now)?;
    if let Some(org) = &organization {
        crate::organizations::bounds::check_team(org, settings_of(&team))?;
        team.organization_id = Some(org.organization_id.clone());
    }
    team.listed_admins = extra.admins;
    team.listed_members = extra.members;
    let actor = Actor::of(caller);
    let cache = state.clone();
    let (team, _) = state
        .db
        .write_then(
            move |tx| {
                if store::load(tx, &team.team_id)?.is_some() {
                    return Err(ApiError::field(
                        "team_id",
                        format!("Team id = {} already exists. Please use a different team id.", team.team_id),
                    ));
                }
                store::save(tx, &team)?;
                audit::record(
                    tx,
                    &actor,
                    &now_text,
                    "created",
                    "teams",
                    &team.team_id,
                    None,
                    Some(&audit::json(&team)),
                )?;
                let mut created = Vec::new();
                for joining in members {
                    created.extend(join(tx, &actor, &now_text, &team.team_id, joining, &MemberBudget::default())?);
                }
                let team = store::load(tx, &team.team_id)?
                    .ok_or_else(|| ApiError::internal("a team vanished in its own transaction"))?;
                Ok((team, created))
            },
            move |(team, created): &(TeamRecord, Vec<UserRecord>)| {
                for user in created {
                    cache.users.put(user.clone());
                }
                cache.teams.put(team.clone());
            },
        )
        .await?;
    Ok(team)
}

/// LiteLLM adds whoever creates a team as its admin (the master key as the admin's user
/// row), unless they are in `members_with_roles` already. Only a user with a row can be a
/// member, so a caller without one adds no one.
fn creator_to_add(state: &AppState, caller: &Caller, named: &[Member]) -> Option<String> {
    let creator = caller.user_id.as_deref()?;
    let listed = named.iter().any(|m| m.user_id.as_deref() == Some(creator));
    (!listed && state.users.get(creator).is_some()).then(|| creator.to_string())
}

/// An organization a team is put into, which must exist (LiteLLM answers 400).
fn organization_of(state: &AppState, organization_id: &str) -> Result<Arc<OrgRecord>, ApiError> {
    state.organizations.get(organization_id).ok_or_else(|| {
        ApiError::field("organization_id", format!("Organization not found for organization_id={organization_id}"))
    })
}

/// Every setting of a team that its organization bounds.
fn settings_of(team: &TeamRecord) -> TeamSettings<'_> {
    TeamSettings {
        models: Some(&team.models),
        max_budget: team.max_budget,
        tpm_limit: team.tpm_limit,
        rpm_limit: team.rpm_limit,
    }
}

/// Refuses team `model_aliases` that lead to a model this proxy does not serve: the alias
/// could only ever fail.
fn served_alias_targets(state: &AppState, request: &TeamFields) -> Result<(), ApiError> {
    let router = state.router();
    match request.alias_targets().into_iter().find(|(_, target)| router.resolve(target).is_none()) {
        Some((alias, target)) => Err(ApiError::field(
            "model_aliases",
            format!(
                "model_aliases[{alias:?}] names model={target}, which this proxy does not serve. GET /v1/models lists the models."
            ),
        )),
        None => Ok(()),
    }
}

fn team_not_found(team_id: &str) -> ApiError {
    ApiError::NotFound(format!("Team not found, passed team_id={team_id}"))
}

/// Change a team's settings (members: `/team/member_*`).
#[utoipa::path(post, path = "/team/update", tag = "teams", request_body = crate::docs::schemas::teams::TeamUpdateRequest, responses((status = 200, body = crate::docs::schemas::teams::TeamUpdated)))]
async fn update_team(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let team = update(&state, &caller, &body).await?;
    let shown = view::team(&state, &team);
    let mut answer = shown.clone();
    answer["data"] = shown;
    Ok(Json(answer))
}

/// `/team/update` for the JSON route and the UI's edit form: the stored team.
pub async fn update(state: &AppState, caller: &Caller, body: &Value) -> Result<TeamRecord, ApiError> {
    let team_id = fields::text(body, "team_id").ok_or_else(|| ApiError::field("team_id", "team_id is required"))?;
    let current = state.teams.get(&team_id).ok_or_else(|| team_not_found(&team_id))?;
    // `organization_id`: a team moves to another organization; `""` or null takes it out.
    let moves_to = match body.get("organization_id") {
        None => None,
        Some(Value::String(id)) if !id.is_empty() => Some(Some(id.as_str())),
        Some(Value::String(_) | Value::Null) => Some(None),
        Some(_) => return Err(ApiError::field("organization_id", "organization_id must be a string")),
    };
    let moves_to = moves_to.filter(|to| *to != current.organization_id.as_deref());
    let permit = policy::authorize(state, caller, Op::TeamUpdate { team: &current, moves_to })?;
    let request: TeamFields = fields::parse(body)?;
    request.validate()?;
    served_alias_targets(state, &request)?;
    let organization = match moves_to {
        Some(to) => to.map(|id| organization_of(state, id)).transpose()?,
        None => current.organization_id.as_deref().and_then(|id| state.organizations.get(id)),
    };
    if let Some(org) = &organization {
        // A team joining checks all its settings; a team staying, what the call sets.
        let mut after = (*current).clone();
        request.apply(&mut after, state.clock.now())?;
        let settings = if moves_to.is_some() {
            settings_of(&after)
        } else {
            TeamSettings {
                models: request.models.as_deref(),
                max_budget: request.max_budget.flatten(),
                tpm_limit: request.tpm_limit.flatten(),
                rpm_limit: request.rpm_limit.flatten(),
            }
        };
        crate::organizations::bounds::check_team(org, settings)?;
    }
    let new_org = moves_to.map(|to| to.map(str::to_string));
    change(state, &permit, &team_id, Actor::of(caller), move |team, now| {
        request.apply(team, now)?;
        if let Some(org) = new_org {
            team.organization_id = org;
        }
        Ok(())
    })
    .await
}

/// Read-modify-write of one team row in one transaction, with its audit row.
pub async fn change(
    state: &AppState,
    _permit: &Permit,
    team_id: &str,
    actor: Actor,
    modify: impl FnOnce(&mut TeamRecord, chrono::DateTime<chrono::Utc>) -> Result<(), ApiError> + Send + 'static,
) -> Result<TeamRecord, ApiError> {
    let now = state.clock.now();
    let team_id = team_id.to_string();
    let cache = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut team = store::load(tx, &team_id)?.ok_or_else(|| team_not_found(&team_id))?;
                let before = audit::json(&team);
                modify(&mut team, now)?;
                let now = crate::time::format(now);
                team.updated_at.clone_from(&now);
                store::save(tx, &team)?;
                audit::record(
                    tx,
                    &actor,
                    &now,
                    "updated",
                    "teams",
                    &team.team_id,
                    Some(&before),
                    Some(&audit::json(&team)),
                )?;
                Ok(team)
            },
            move |team: &TeamRecord| cache.teams.put(team.clone()),
        )
        .await
}

#[derive(Deserialize)]
struct DeleteTeams {
    team_ids: Vec<String>,
}

/// Delete teams with their keys (archived) and memberships.
#[utoipa::path(post, path = "/team/delete", tag = "teams", request_body = crate::docs::schemas::teams::TeamDeleteRequest, responses((status = 200, body = crate::docs::schemas::teams::TeamsDeleted)))]
async fn delete_team(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    // The teams named, for the policy (an organization's admin may delete its teams);
    // should one not exist, none: only proxy admins learn which.
    let ids: Vec<&str> = body
        .get("team_ids")
        .and_then(Value::as_array)
        .map(|ids| ids.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let named: Vec<_> = ids.iter().map_while(|id| state.teams.get(id)).collect();
    let named = if named.len() == ids.len() { named } else { Vec::new() };
    let _permit = policy::authorize(&state, &caller, Op::TeamDelete { teams: &named })?;
    let request: DeleteTeams = fields::parse(&body)?;
    if request.team_ids.is_empty() {
        return Err(ApiError::field("team_ids", "team_ids must name at least one team"));
    }
    if let Some(missing) = request.team_ids.iter().find(|id| state.teams.get(id).is_none()) {
        return Err(team_not_found(missing));
    }
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let cache = state.clone();
    let ids = request.team_ids.clone();
    state
        .db
        .write_then(
            move |tx| {
                let mut tokens = Vec::new();
                for team_id in &ids {
                    tokens.extend(delete_with_keys(tx, &actor, &now, team_id)?);
                }
                Ok::<_, ApiError>((ids, tokens))
            },
            move |(ids, tokens): &(Vec<String>, Vec<String>)| forget_deleted(&cache, ids, tokens),
        )
        .await?;
    Ok(Json(json!({ "deleted_teams": request.team_ids })))
}

/// In the caller's transaction: deletes a team with its keys (archived) and memberships,
/// with their audit rows. Returns the deleted keys' tokens (none for a team not found).
pub fn delete_with_keys(
    tx: &crate::db::Conn<'_>,
    actor: &Actor,
    now: &str,
    team_id: &str,
) -> Result<Vec<String>, ApiError> {
    let Some(team) = store::load(tx, team_id)? else { return Ok(Vec::new()) };
    let mut tokens = Vec::new();
    for token in key_store::tokens_of_team(tx, team_id)? {
        if let Some(key) = key_store::load(tx, &token)? {
            key_store::archive_and_delete(tx, &key, &actor.user_id, now)?;
            audit::record(tx, actor, now, "deleted", "keys", &token, Some(&audit::json(&key)), None)?;
            tokens.push(token);
        }
    }
    store::delete(tx, team_id)?;
    audit::record(tx, actor, now, "deleted", "teams", team_id, Some(&audit::json(&team)), None)?;
    Ok(tokens)
}

/// After the commit of `delete_with_keys`: the in-memory tables forget the teams and keys.
pub fn forget_deleted(state: &AppState, team_ids: &[String], tokens: &[String]) {
    for token in tokens {
        state.keys.remove(token);
        state.keys.forget_deprecated(token);
    }
    for id in team_ids {
        state.teams.remove(id);
    }
}
