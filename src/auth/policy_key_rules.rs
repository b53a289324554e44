//! The rules for making and changing keys beyond the roles, part of the one policy:
//! `key_generation_settings` (who may make personal and team keys, with which fields) and
//! LiteLLM's `team_member_permissions` (which key routes a team's plain members may call on
//! the team's keys, asked by `authorize` after the role rules).

use super::{ApiError, Caller, Op, Role};
use crate::config::Settings;
use crate::state::AppState;
use crate::teams::{TeamRecord, TeamRole};

/// The key routes every team member may call on the team's keys.
const BASELINE_MEMBER_ROUTES: &[&str] = &["/key/info", "/key/health"];

/// LiteLLM's `team_member_permissions`: a team member who is not the team's admin may
/// create or change the team's keys only through the routes the team grants its members
/// (none by default beyond reading). Proxy admins and team admins are not limited.
pub(super) fn team_member_permissions(state: &AppState, caller: &Caller, op: &Op<'_>) -> Result<(), ApiError> {
    if caller.role == Some(Role::ProxyAdmin) {
        return Ok(());
    }
    let (route, team_id) = match op {
        Op::KeyGenerate { team_id: Some(team_id), .. } => ("/key/generate", *team_id),
        Op::KeyChange { route, key, .. } => match key.team_id.as_deref() {
            Some(team_id) => (*route, team_id),
            None => return Ok(()),
        },
        _ => return Ok(()),
    };
    let Some(team) = state.teams.get(team_id) else { return Ok(()) };
    let role = caller.user_id.as_deref().and_then(|user| team.member(user).map(|m| m.role));
    if role == Some(TeamRole::Admin) {
        return Ok(());
    }
    let mut granted: Vec<&str> = BASELINE_MEMBER_ROUTES.to_vec();
    granted.extend(team.team_member_permissions.iter().flatten().map(String::as_str));
    let route = if route.ends_with("/regenerate") { "/key/regenerate" } else { route };
    if role.is_some() && granted.contains(&route) {
        return Ok(());
    }
    if role.is_none() {
        return Err(ApiError::TeamMemberPermission(format!(
            "User {} does not belong to team {team_id}. Team-scoped key management endpoints can only be used for keys in your own team.",
            caller.user_label()
        )));
    }
    Err(ApiError::TeamMemberPermission(format!(
        "Team member does not have permissions for endpoint: {route}. You only have access to the following endpoints: {granted:?} for team {team_id}. To create keys for this team, please ask your proxy admin to check the team member permission settings and update the settings to allow team member users to create keys."
    )))
}

/// `key_generation_settings.personal_key_generation`.
pub(super) fn personal_key_rules(settings: &Settings, role: Role, fields: &[String]) -> Result<(), ApiError> {
    let rules = &settings.litellm_settings.key_generation_settings.personal_key_generation;
    if let Some(allowed) = &rules.allowed_user_roles
        && !allowed.iter().any(|r| r == role.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "Personal key creation has been restricted by admin (key_generation_settings.personal_key_generation.allowed_user_roles). Allowed roles={allowed:?}. Your role={role}"
        )));
    }
    required_params(&rules.required_params, fields, "personal_key_generation")
}

/// `key_generation_settings.team_key_generation`, for callers who are not proxy admins.
pub(super) fn team_key_rules(
    settings: &Settings,
    caller: &Caller,
    team_id: &str,
    team: Option<&TeamRecord>,
    for_user: Option<&str>,
    fields: &[String],
    role_in: &dyn Fn(&str) -> Option<TeamRole>,
) -> Result<(), ApiError> {
    if team.is_none() {
        return Err(ApiError::field("team_id", format!("Team not found for team_id={team_id}")));
    }
    let Some(member_role) = role_in(team_id) else {
        return Err(ApiError::bad_request(format!("User={} not assigned to team={team_id}", caller.user_label())));
    };
    if let (Some(owner), Some(team)) = (for_user, team)
        && team.member(owner).is_none()
    {
        return Err(ApiError::bad_request(format!("User={owner} not assigned to team={team_id}")));
    }
    let rules = &settings.litellm_settings.key_generation_settings.team_key_generation;
    if let Some(allowed) = &rules.allowed_team_member_roles
        && !allowed.iter().any(|r| r == member_role.as_str())
    {
        return Err(ApiError::bad_request(format!(
            "Team member role {} not in allowed_team_member_roles={allowed:?} (key_generation_settings.team_key_generation.allowed_team_member_roles)",
            member_role.as_str()
        )));
    }
    required_params(&rules.required_params, fields, "team_key_generation")
}

fn required_params(required: &[String], fields: &[String], setting: &str) -> Result<(), ApiError> {
    match required.iter().find(|p| !fields.contains(p)) {
        Some(missing) => Err(ApiError::field(
            missing,
            format!("Required param {missing} not in data (key_generation_settings.{setting}.required_params)"),
        )),
        None => Ok(()),
    }
}
