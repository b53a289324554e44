//! Team members: `/team/member_add`, `/team/member_delete`, `/team/member_update`
//! (roles `admin` and `user`). Proxy admins and the team's admins may call them.
//! Removing a member also deletes that user's keys in the team, and a member named by an
//! id or email nobody has becomes a new user, as LiteLLM does.

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
use crate::users::UserRecord;
use crate::users::fields::UserFields;
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

/// A member to add: an existing user, or a new one named by an id or email nobody has
/// yet (LiteLLM creates that user, with the defaults for new users).
pub struct Joining {
    pub user_id: String,
    pub role: TeamRole,
    pub new_user: Option<UserRecord>,
}

/// An existing user named by id or email joins as they are (the caller's rights over
/// them were checked by the policy); a name nobody has becomes a new user who holds
/// nothing but this membership and the defaults every new user gets.
pub fn resolve(state: &AppState, member: &Member) -> Result<Joining, ApiError> {
    let role = team_role(member.role.as_deref())?;
    let user_id = member.user_id.as_deref().map(str::trim);
    let email = member.user_email.as_deref().map(str::trim);
    if user_id.is_some_and(str::is_empty) || email.is_some_and(str::is_empty) {
        return Err(ApiError::field("member", "a member's user_id and user_email must not be empty"));
    }
    let existing = match (user_id, email) {
        (None, None) => return Err(ApiError::field("member", "a member needs a user_id or a user_email")),
        (Some(id), _) => state.users.get(id).map(|u| u.user_id.clone()),
        (None, Some(email)) => state.users.by_email(email).map(|u| u.user_id.clone()),
    };
    if let Some(user_id) = existing {
        return Ok(Joining { user_id, role, new_user: None });
    }
    if let (Some(id), Some(email)) = (user_id, email)
        && state.users.by_email(email).is_some()
    {
        return Err(ApiError::field(
            "user_email",
            format!("user_email={email} belongs to another user than user_id={id}"),
        ));
    }
    let mut fields = UserFields { user_email: Some(email.map(str::to_string)), ..UserFields::default() };
    fields.validate()?;
    let user_role = fields.apply_defaults(&state.config.settings.litellm_settings)?;
    let now = state.clock.now();
    let id = user_id.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_string);
    let mut user = crate::users::fields::blank(&id, user_role, &crate::time::format(now));
    fields.apply(&mut user, now)?;
    Ok(Joining { user_id: user.user_id.clone(), role, new_user: Some(user) })
}

/// What a new membership's budget is: its own max budget in the team, and a budget object
/// whose limits it has where it sets none.
#[derive(Debug, Clone, Default)]
pub struct MemberBudget {
    pub max_budget_in_team: Option<f64>,
    pub budget_id: Option<String>,
}

/// In the caller's transaction: stores the new user of a `Joining` (or takes the user
/// that got the email meanwhile) and adds the membership unless it exists. Returns the
/// user created, for the in-memory table.
pub fn join(
    tx: &crate::db::Conn<'_>,
    actor: &Actor,
    now: &str,
    team_id: &str,
    joining: Joining,
    budget: &MemberBudget,
) -> Result<Option<UserRecord>, ApiError> {
    let mut user_id = joining.user_id;
    let mut created = None;
    if let Some(user) = joining.new_user {
        // Someone may have taken the id or the email since `resolve` looked.
        let taken = match crate::users::store::load(tx, &user.user_id)? {
            Some(existing) => Some(existing),
            None => match user.user_email.as_deref() {
                Some(email) => crate::users::store::by_email(tx, email)?,
                None => None,
            },
        };
        match taken {
            Some(existing) => user_id = existing.user_id,
            None => {
                crate::users::store::save(tx, &user)?;
                audit::record(tx, actor, now, "created", "users", &user.user_id, None, Some(&audit::json(&user)))?;
                created = Some(user);
            }
        }
    }
    if !store::is_member(tx, team_id, &user_id)? {
        let member = Membership {
            user_id: user_id.clone(),
            team_id: team_id.to_string(),
            role: joining.role,
            spend: 0.0,
            max_budget_in_team: budget.max_budget_in_team,
            created_at: now.to_string(),
            budget_id: budget.budget_id.clone(),
        };
        store::add_member(tx, &member)?;
        let object = format!("{team_id}:{user_id}");
        audit::record(tx, actor, now, "created", "team_memberships", &object, None, Some(&audit::json(&member)))?;
    }
    Ok(created)
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

/// What a membership change did besides the memberships, for the in-memory tables.
#[derive(Default)]
struct Changed {
    removed_keys: Vec<String>,
    created_users: Vec<UserRecord>,
}

/// Runs `modify` on the team's memberships in one transaction, then reloads the team.
async fn members_write(
    state: &AppState,
    _permit: &Permit,
    team_id: &str,
    modify: impl FnOnce(&crate::db::Tx<'_>) -> Result<Changed, ApiError> + Send + 'static,
) -> Result<TeamRecord, ApiError> {
    let team_id = team_id.to_string();
    let cache = state.clone();
    let (team, _) = state
        .db
        .write_then(
            move |tx| {
                let changed = modify(tx)?;
                let team = store::load(tx, &team_id)?.ok_or_else(|| ApiError::NotFound("Team not found".into()))?;
                Ok::<_, ApiError>((team, changed))
            },
            move |(team, changed): &(TeamRecord, Changed)| {
                for user in &changed.created_users {
                    cache.users.put(user.clone());
                }
                for token in &changed.removed_keys {
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
    budget_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(Member),
    Many(Vec<Member>),
}

/// Add one member or several.
#[utoipa::path(post, path = "/team/member_add", tag = "teams", request_body = crate::docs::schemas::teams::MemberAddRequest, responses((status = 200, body = crate::docs::schemas::teams::MembersAdded)))]
async fn member_add(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    add(&state, &caller, &body).await.map(Json)
}

/// `/team/member_add` for the JSON route and the UI.
pub async fn add(state: &AppState, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let team = team_for(state, body)?;
    let permit = policy::authorize(state, caller, Op::TeamMembers { route: "/team/member_add", team: &team })?;
    let request: MemberAdd = fields::parse(body)?;
    fields::budget("max_budget_in_team", request.max_budget_in_team)?;
    crate::budgets::referenced(state, request.budget_id.as_deref())?;
    let members = match request.member {
        OneOrMany::One(m) => vec![m],
        OneOrMany::Many(ms) => ms,
    };
    if members.is_empty() {
        return Err(ApiError::field("member", "member must name at least one user"));
    }
    let resolved = members.iter().map(|m| resolve(state, m)).collect::<Result<Vec<_>, _>>()?;
    let new: Vec<Joining> = resolved.into_iter().filter(|j| team.member(&j.user_id).is_none()).collect();
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
    let actor = Actor::of(caller);
    let now = crate::time::format(state.clock.now());
    let team_id = team.team_id.clone();
    let budget = MemberBudget { max_budget_in_team: request.max_budget_in_team, budget_id: request.budget_id };
    let added: Vec<String> = new.iter().map(|j| j.user_id.clone()).collect();
    let team = members_write(state, &permit, &team.team_id, move |tx| {
        let mut changed = Changed::default();
        for joining in new {
            changed.created_users.extend(join(tx, &actor, &now, &team_id, joining, &budget)?);
        }
        Ok(changed)
    })
    .await?;
    let mut answer = view::team(state, &team);
    let users: Vec<Value> =
        added.iter().filter_map(|u| state.users.get(u)).map(|u| crate::users::view::user(state, &u)).collect();
    let memberships: Vec<Value> = view::memberships(state, &team)
        .into_iter()
        .filter(|m| m["user_id"].as_str().is_some_and(|u| added.iter().any(|a| a == u)))
        .collect();
    answer["updated_users"] = json!(users);
    answer["updated_team_memberships"] = json!(memberships);
    Ok(answer)
}

#[derive(Deserialize)]
struct MemberRef {
    user_id: Option<String>,
    user_email: Option<String>,
    role: Option<String>,
    max_budget_in_team: Option<f64>,
    budget_id: Option<String>,
}

/// Remove a member; their keys in this team are deleted (archived).
#[utoipa::path(post, path = "/team/member_delete", tag = "teams", request_body = crate::docs::schemas::teams::MemberChangeRequest, responses((status = 200, body = crate::docs::schemas::teams::TeamObject)))]
async fn member_delete(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    remove(&state, &caller, &body).await.map(|team| Json(view::team(&state, &team)))
}

/// `/team/member_delete` for the JSON route and the UI: the team after the change.
pub async fn remove(state: &AppState, caller: &Caller, body: &Value) -> Result<TeamRecord, ApiError> {
    let team = team_for(state, body)?;
    let permit = policy::authorize(state, caller, Op::TeamMembers { route: "/team/member_delete", team: &team })?;
    let request: MemberRef = fields::parse(body)?;
    let user_id = user_of(state, request.user_id.as_deref(), request.user_email.as_deref())?;
    let Some(before) = team.member(&user_id).cloned() else {
        return Err(ApiError::bad_request(format!(
            "User not found in team. user_id={user_id}, team_id={}",
            team.team_id
        )));
    };
    let actor = Actor::of(caller);
    let now = crate::time::format(state.clock.now());
    let team_id = team.team_id.clone();
    let team = members_write(state, &permit, &team.team_id, move |tx| {
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
        Ok(Changed { removed_keys: removed, created_users: Vec::new() })
    })
    .await?;
    Ok(team)
}

/// Change a member's team role or budget in the team.
#[utoipa::path(post, path = "/team/member_update", tag = "teams", request_body = crate::docs::schemas::teams::MemberChangeRequest, responses((status = 200, body = crate::docs::schemas::teams::MemberUpdated)))]
async fn member_update(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    update(&state, &caller, &body).await.map(Json)
}

/// `/team/member_update` for the JSON route and the UI's role picker.
pub async fn update(state: &AppState, caller: &Caller, body: &Value) -> Result<Value, ApiError> {
    let team = team_for(state, body)?;
    let permit = policy::authorize(state, caller, Op::TeamMembers { route: "/team/member_update", team: &team })?;
    let request: MemberRef = fields::parse(body)?;
    fields::budget("max_budget_in_team", request.max_budget_in_team)?;
    crate::budgets::referenced(state, request.budget_id.as_deref())?;
    let user_id = user_of(state, request.user_id.as_deref(), request.user_email.as_deref())?;
    let Some(before) = team.member(&user_id).cloned() else {
        return Err(ApiError::bad_request(format!(
            "User not found in team. user_id={user_id}, team_id={}",
            team.team_id
        )));
    };
    let mut after = before.clone();
    if body.get("budget_id").is_some() {
        after.budget_id.clone_from(&request.budget_id);
    }
    if request.role.is_some() {
        after.role = team_role(request.role.as_deref())?;
    }
    if body.get("max_budget_in_team").is_some() {
        after.max_budget_in_team = request.max_budget_in_team;
    }
    let actor = Actor::of(caller);
    let now = crate::time::format(state.clock.now());
    let member = after.clone();
    members_write(state, &permit, &team.team_id, move |tx| {
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
        Ok(Changed::default())
    })
    .await?;
    let email = state.users.get(&after.user_id).and_then(|u| u.user_email.clone());
    Ok(json!({
        "team_id": after.team_id,
        "user_id": after.user_id,
        "user_email": email,
        "role": after.role.as_str(),
        "max_budget_in_team": after.max_budget_in_team,
        "budget_id": after.budget_id,
    }))
}
