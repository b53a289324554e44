//! `/ui/teams/{id}`: one team — its budget and spend, members with their team role and
//! spend (add by email or user id, change role, remove), and the team's keys; its
//! settings are edited in `team_edit.rs`. Member changes go through
//! `teams::members::add/update/remove`, the functions of `/team/member_*`, so proxy
//! admins and the team's own admins may make them and nobody else.

use super::form::{FormData, Problem};
use super::{Signed, message, page};
use crate::auth::policy::{self, Op};
use crate::state::AppState;
use crate::teams::TeamRecord;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/teams/{id}", get(show).post(add_member))
        .route("/ui/teams/{id}/remove", post(remove_member))
        .route("/ui/teams/{id}/role", post(change_role))
}

#[derive(Deserialize, Default)]
pub struct ShowQuery {
    notice: Option<String>,
}

#[derive(Serialize)]
struct Member {
    user_id: String,
    email: Option<String>,
    role: &'static str,
    spend: f64,
    max_budget: Option<f64>,
}

#[derive(Serialize)]
struct Key {
    alias: Option<String>,
    key_name: String,
    owner: Option<String>,
    spend: f64,
    max_budget: Option<f64>,
    blocked: bool,
}

/// The page for a team id that does not exist (also the edit form's).
pub(super) fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such team",
        "The team does not exist (any more).",
        Some(("/ui/teams", "Back to teams")),
    )
}

fn render(
    state: &AppState,
    signed: &Signed,
    team: &TeamRecord,
    status: StatusCode,
    values: Map<String, Value>,
    problem: Option<Problem>,
    notice: Option<&str>,
) -> Response {
    let email = |id: &str| state.users.get(id).and_then(|u| u.user_email.clone());
    let members: Vec<Member> = team
        .members
        .iter()
        .map(|m| Member {
            user_id: m.user_id.clone(),
            email: email(&m.user_id),
            role: m.role.as_str(),
            spend: m.spend,
            max_budget: m.max_budget_in_team,
        })
        .collect();
    let mut keys: Vec<_> = state
        .keys
        .all()
        .into_iter()
        .filter(|k| !k.is_session_key && k.team_id.as_deref() == Some(team.team_id.as_str()))
        .collect();
    keys.sort_by(|a, b| b.spend.total_cmp(&a.spend));
    let keys: Vec<Key> = keys
        .iter()
        .map(|k| Key {
            alias: k.key_alias.clone(),
            key_name: k.key_name.clone(),
            owner: k.user_id.as_deref().map(|u| email(u).unwrap_or_else(|| u.to_string())),
            spend: k.spend,
            max_budget: k.max_budget,
            blocked: k.blocked,
        })
        .collect();
    let can_manage =
        policy::authorize(state, &signed.caller, Op::TeamMembers { route: "/team/member_add", team }).is_ok();
    let context = minijinja::context! {
        team_id => team.team_id,
        name => team.team_alias.clone().unwrap_or_else(|| team.team_id.clone()),
        spend => team.spend,
        max_budget => team.max_budget,
        budget_duration => team.budget_duration,
        models => if team.models.is_empty() { "all models".to_string() } else { team.models.join(", ") },
        limits => format!("{} tpm · {} rpm", team.tpm_limit.map_or("no".into(), |v| v.to_string()), team.rpm_limit.map_or("no".into(), |v| v.to_string())),
        blocked => team.blocked,
        members,
        keys,
        can_manage,
        can_edit => super::team_edit::may_edit(state, signed, team),
        values,
        problem,
        notice,
        ..signed.context(state, "Team", "/ui/teams")
    };
    page(status, "team.html", context)
}

/// The team if the visitor may see it, else the page that says why (boxed: a response
/// is large next to an `Arc`).
fn visible(state: &AppState, signed: &Signed, id: &str) -> Result<std::sync::Arc<TeamRecord>, Box<Response>> {
    let team = state.teams.get(id).ok_or_else(|| Box::new(not_found()))?;
    policy::authorize(state, &signed.caller, Op::TeamRead { team: &team })
        .map_err(|e| Box::new(super::keys::refused(&e)))?;
    Ok(team)
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    Query(query): Query<ShowQuery>,
) -> Response {
    let team = match visible(&state, &signed, &id) {
        Ok(team) => team,
        Err(response) => return *response,
    };
    let notice = match query.notice.as_deref() {
        Some("added") => Some("The member was added."),
        Some("removed") => Some("The member was removed; their keys in this team were deleted."),
        Some("role") => Some("The member's team role is changed."),
        Some("updated") => Some("The team's settings are saved."),
        _ => None,
    };
    let mut values = Map::new();
    values.insert("role".into(), json!("user"));
    render(&state, &signed, &team, StatusCode::OK, values, None, notice)
}

async fn add_member(State(state): State<AppState>, signed: Signed, Path(id): Path<String>, form: FormData) -> Response {
    let team = match visible(&state, &signed, &id) {
        Ok(team) => team,
        Err(response) => return *response,
    };
    let values = form.values();
    let who = form.get("member").unwrap_or_default().to_string();
    if who.is_empty() {
        return render(
            &state,
            &signed,
            &team,
            StatusCode::BAD_REQUEST,
            values,
            Some(Problem::field("member", "Enter an email or a user id.")),
            None,
        );
    }
    let role = form.get("role").unwrap_or("user");
    let member = if who.contains('@') {
        json!({"user_email": who, "role": role})
    } else {
        json!({"user_id": who, "role": role})
    };
    match crate::teams::members::add(&state, &signed.caller, &json!({"team_id": id, "member": member})).await {
        Ok(_) => Redirect::to(&format!("/ui/teams/{}?notice=added", super::users::encode(&id))).into_response(),
        Err(error) => {
            let mut problem = Problem::from(error.clone());
            problem.field = Some("member".into());
            render(&state, &signed, &team, error.status(), values, Some(problem), None)
        }
    }
}

async fn remove_member(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let user_id = form.get("user_id").unwrap_or_default();
    match crate::teams::members::remove(&state, &signed.caller, &json!({"team_id": id, "user_id": user_id})).await {
        Ok(_) => Redirect::to(&format!("/ui/teams/{}?notice=removed", super::users::encode(&id))).into_response(),
        Err(error) => super::keys::refused(&error),
    }
}

async fn change_role(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let user_id = form.get("user_id").unwrap_or_default();
    let role = form.get("role").unwrap_or_default();
    let body = json!({"team_id": id, "user_id": user_id, "role": role});
    match crate::teams::members::update(&state, &signed.caller, &body).await {
        Ok(_) => Redirect::to(&format!("/ui/teams/{}?notice=role", super::users::encode(&id))).into_response(),
        Err(error) => super::keys::refused(&error),
    }
}
