//! Team members: `/team/member_add`, `/team/member_delete`, `/team/member_update`
//! (roles `admin` and `user`). Proxy admins and the team's admins may call them.
//! Removing a member also deletes that user's keys in the team, as LiteLLM does.

use super::record::{Membership, TeamRecord, TeamRole};
use super::{store, view};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op, Permit};
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::fields;
use crate::keys::store as key_store;
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(member_add)).routes(routes!(member_delete)).routes(routes!(member_update))
}

/// A member as LiteLLM sends one: a role and a user id or email.
#[derive(Debug, Clone, Deserialize)]
pub struct Member {
    pub role: Option<String>,
    pub user_id: Option<String>,
    pub user_email: Option<String>,
}

fn team_role(text: Option<&str>) -> Result<TeamRole, ApiError> {
    match text {
        None | Some("user") => Ok(TeamRole::User),
        Some("admin") => Ok(TeamRole::Admin),
        Some(other) => Err(ApiError::field("role", format!("`{other}` is not a team role: use admin or user"))),
    }
}

/// The existing user a member names, and the role asked for.
pub fn resolve(state: &AppState, member: &Member) -> Result<(String, TeamRole), ApiError> {
    let role = team_role(member.role.as_deref())?;
    Ok((user_of(state, member.user_id.as_deref(), member.user_email.as_deref())?, role))
}

fn user_of(state: &AppState, user_id: Option<&str>, email: Option<&str>) -> Result<String, ApiError> {
    match (user_id, email) {
        (Some(id), _) => state.users.get(id).map(|u| u.user_id.clone()).ok_or_else(|| {
            ApiError::field("user_id", format!("User not found, passed user_id={id}: create it with /user/new"))
        }),
        (None, Some(email)) => state.users.by_email(email).map(|u| u.user_id.clone()).ok_or_else(|| {
            ApiError::field(
                "user_email",
                format!("User not found, passed user_email={email}: create it with /user/new"),
            )
        }),
        (None, None) => Err(ApiError::field("member", "a member needs a user_id or a user_email")),
    }
}

fn team_for(state: &AppState, body: &Value) -> Result<std::sync::Arc<TeamRecord>, ApiError> {
    let team_id = fields::text(body, "team_id").ok_or_else(|| ApiError::field("team_id", "team_id is required"))?;
    state.teams.get(&team_id).ok_or_else(|| ApiError::NotFound(format!("Team not found, passed team_id={team_id}")))
}

/// Runs `modify` on the team's memberships in one transaction, then reloads the team.
async fn members_write(
    state: &AppState,
    _permit: &Permit,
    team_id: &str,
    modify: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<Vec<String>, ApiError> + Send + 'static,
) -> Result<TeamRecord, ApiError> {
    let team_id = team_id.to_string();
    let cache = state.clone();
    let (team, _) = state
        .db
        .write_then(
            move |tx| {
                let removed_keys = modify(tx)?;
                let team = store::load(tx, &team_id)?.ok_or_else(|| ApiError::NotFound("Team not found".into()))?;
                Ok::<_, ApiError>((team, removed_keys))
            },
            move |(team, removed_keys): &(TeamRecord, Vec<String>)| {
                for token in removed_keys {
                    cache.keys.remove(token);
                    cache.keys.forget_deprecated(token);
                }
                cache.teams.put(team.clone());
            },
        )
        .await?;
    Ok(team)
}

#[derive(Deserialize)]
struct MemberAdd {
    member: OneOrMany,
    max_budget_in_team: Option<f64>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Member),
    Many(Vec<Member>),
}

/// Add one member or several.
#[utoipa::path(post, path = "/team/member_add", tag = "teams", request_body = Object, responses((status = 200, body = Object)))]
async fn member_add(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &body)?;
    let permit = policy::authorize(&state, &caller, Op::TeamMembers { route: "/team/member_add", team: &team })?;
    let request: MemberAdd = fields::parse(&body)?;
    fields::budget("max_budget_in_team", request.max_budget_in_team)?;
    let members = match request.member {
        OneOrMany::One(m) => vec![m],
        OneOrMany::Many(ms) => ms,
    };
    if members.is_empty() {
        return Err(ApiError::field("member", "member must name at least one user"));
    }
    let resolved = members.iter().map(|m| resolve(&state, m)).collect::<Result<Vec<_>, _>>()?;
    let new: Vec<(String, TeamRole)> = resolved.into_iter().filter(|(u, _)| team.member(u).is_none()).collect();
    if new.is_empty() {
        let message = if members.len() == 1 {
            format!(
                "User already in team. Member: user_id={:?}, user_email={:?}",
                members[0].user_id, members[0].user_email
            )
        } else {
            "All users are already in team".to_string()
        };
        return Err(ApiError::AlreadyInTeam(message));
    }
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let team_id = team.team_id.clone();
    let budget = request.max_budget_in_team;
    let added: Vec<String> = new.iter().map(|(u, _)| u.clone()).collect();
    let team = members_write(&state, &permit, &team.team_id, move |tx| {
        for (user_id, role) in new {
            let member = Membership {
                user_id: user_id.clone(),
                team_id: team_id.clone(),
                role,
                spend: 0.0,
                max_budget_in_team: budget,
                created_at: now.clone(),
            };
            store::add_member(tx, &member)?;
            let object = format!("{team_id}:{user_id}");
            audit::record(tx, &actor, &now, "created", "team_memberships", &object, None, Some(&audit::json(&member)))?;
        }
        Ok(Vec::new())
    })
    .await?;
    let mut answer = view::team(&state, &team);
    let users: Vec<Value> =
        added.iter().filter_map(|u| state.users.get(u)).map(|u| crate::users::view::user(&state, &u)).collect();
    let memberships: Vec<Value> = view::memberships(&team)
        .into_iter()
        .filter(|m| m["user_id"].as_str().is_some_and(|u| added.iter().any(|a| a == u)))
        .collect();
    answer["updated_users"] = json!(users);
    answer["updated_team_memberships"] = json!(memberships);
    Ok(Json(answer))
}

#[derive(Deserialize)]
struct MemberRef {
    user_id: Option<String>,
    user_email: Option<String>,
    role: Option<String>,
    max_budget_in_team: Option<f64>,
}

/// Remove a member; their keys in this team are deleted (archived).
#[utoipa::path(post, path = "/team/member_delete", tag = "teams", request_body = Object, responses((status = 200, body = Object)))]
async fn member_delete(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &body)?;
    let permit = policy::authorize(&state, &caller, Op::TeamMembers { route: "/team/member_delete", team: &team })?;
    let request: MemberRef = fields::parse(&body)?;
    let user_id = user_of(&state, request.user_id.as_deref(), request.user_email.as_deref())?;
    let Some(before) = team.member(&user_id).cloned() else {
        return Err(ApiError::bad_request(format!(
            "User not found in team. user_id={user_id}, team_id={}",
            team.team_id
        )));
    };
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let team_id = team.team_id.clone();
    let team = members_write(&state, &permit, &team.team_id, move |tx| {
        store::remove_member(tx, &team_id, &user_id)?;
        let object = format!("{team_id}:{user_id}");
        audit::record(tx, &actor, &now, "deleted", "team_memberships", &object, Some(&audit::json(&before)), None)?;
        let mut removed = Vec::new();
        for token in key_store::tokens_of_user(tx, &user_id, Some(&team_id))? {
            if let Some(key) = key_store::load(tx, &token)? {
                key_store::archive_and_delete(tx, &key, &actor.user_id, &now)?;
                audit::record(tx, &actor, &now, "deleted", "keys", &token, Some(&audit::json(&key)), None)?;
                removed.push(token);
            }
        }
        Ok(removed)
    })
    .await?;
    Ok(Json(view::team(&state, &team)))
}

/// Change a member's team role or budget in the team.
#[utoipa::path(post, path = "/team/member_update", tag = "teams", request_body = Object, responses((status = 200, body = Object)))]
async fn member_update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let team = team_for(&state, &body)?;
    let permit = policy::authorize(&state, &caller, Op::TeamMembers { route: "/team/member_update", team: &team })?;
    let request: MemberRef = fields::parse(&body)?;
    fields::budget("max_budget_in_team", request.max_budget_in_team)?;
    let user_id = user_of(&state, request.user_id.as_deref(), request.user_email.as_deref())?;
    let Some(before) = team.member(&user_id).cloned() else {
        return Err(ApiError::bad_request(format!(
            "User not found in team. user_id={user_id}, team_id={}",
            team.team_id
        )));
    };
    let mut after = before.clone();
    if request.role.is_some() {
        after.role = team_role(request.role.as_deref())?;
    }
    if body.get("max_budget_in_team").is_some() {
        after.max_budget_in_team = request.max_budget_in_team;
    }
    let actor = Actor::of(&caller);
    let now = crate::time::format(state.clock.now());
    let member = after.clone();
    members_write(&state, &permit, &team.team_id, move |tx| {
        store::update_member(tx, &member)?;
        let object = format!("{}:{}", member.team_id, member.user_id);
        audit::record(
            tx,
            &actor,
            &now,
            "updated",
            "team_memberships",
            &object,
            Some(&audit::json(&before)),
            Some(&audit::json(&member)),
        )?;
        Ok(Vec::new())
    })
    .await?;
    let email = state.users.get(&after.user_id).and_then(|u| u.user_email.clone());
    Ok(Json(json!({
        "team_id": after.team_id,
        "user_id": after.user_id,
        "user_email": email,
        "role": after.role.as_str(),
        "max_budget_in_team": after.max_budget_in_team,
    })))
}
