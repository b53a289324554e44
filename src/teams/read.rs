//! The `/team/*` routes that read: `/team/info` and `/team/list`, from the in-memory
//! tables after due budget resets.

use super::view;
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::state::AppState;
use crate::teams::TeamRecord;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use utoipa::IntoParams;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(team_info)).routes(routes!(team_list))
}

#[derive(Deserialize, IntoParams)]
pub struct InfoQuery {
    team_id: Option<String>,
}

/// A team, its keys and its members' spend.
#[utoipa::path(get, path = "/team/info", tag = "teams", params(("team_id" = String, Query)), responses((status = 200, body = crate::docs::schemas::teams::TeamInfoAnswer)))]
async fn team_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    let team_id = query.team_id.ok_or_else(|| ApiError::field("team_id", "team_id is required"))?;
    crate::limits::reset::reset_if_due(&state).await?;
    let team = state
        .teams
        .get(&team_id)
        .ok_or_else(|| ApiError::NotFound(format!("Team not found, passed team id: {team_id}")))?;
    policy::authorize(&state, &caller, Op::TeamRead { team: &team })?;
    Ok(Json(json!({
        "team_id": team.team_id,
        "team_info": view::team(&state, &team),
        "keys": view::team_keys(&state, &team),
        "team_memberships": view::memberships(&state, &team),
    })))
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only teams of this user (required for callers who are not admins or organization
    /// admins: themselves).
    user_id: Option<String>,
    /// Only teams of this organization.
    organization_id: Option<String>,
}

/// Teams, sorted by alias. Each carries its memberships and keys.
#[utoipa::path(get, path = "/team/list", tag = "teams", params(ListQuery), responses((status = 200, body = Vec<crate::docs::schemas::teams::TeamListEntry>)))]
async fn team_list(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<ListQuery>,
) -> Result<Json<Value>, ApiError> {
    let permit = policy::authorize(&state, &caller, Op::TeamList { user_id: query.user_id.as_deref() })?;
    crate::limits::reset::reset_if_due(&state).await?;
    // An organization admin listing without `user_id`: their organizations' teams and
    // their own.
    let me = caller.user_id.as_deref().unwrap_or_default();
    let administered: Vec<String> = state
        .organizations
        .of_user(me)
        .into_iter()
        .filter(|(_, m)| m.user_role == crate::organizations::OrgRole::OrgAdmin)
        .map(|(o, _)| o.organization_id.clone())
        .collect();
    let visible = |t: &TeamRecord| {
        permit.sees_all()
            || query.user_id.is_some()
            || t.member(me).is_some()
            || t.organization_id.as_ref().is_some_and(|o| administered.contains(o))
    };
    let mut teams: Vec<_> = state
        .teams
        .all()
        .into_iter()
        .filter(|t| query.user_id.as_deref().is_none_or(|u| t.member(u).is_some()))
        .filter(|t| query.organization_id.as_deref().is_none_or(|o| t.organization_id.as_deref() == Some(o)))
        .filter(|t| visible(t))
        .collect();
    teams.sort_by(|a, b| a.team_alias.cmp(&b.team_alias).then_with(|| a.team_id.cmp(&b.team_id)));
    let shown: Vec<Value> = teams.iter().map(|t| view::with_memberships_and_keys(&state, t)).collect();
    Ok(Json(Value::Array(shown)))
}
