//! `/ui/teams`: the teams the visitor may see (all for admins and admin viewers, else
//! their own) with members, keys and spend against budget, and for proxy admins a form
//! to create one (alias, budget, period, models) through `teams::routes::new`, the
//! domain function of `/team/new`.

use super::form::{FormData, Problem};
use super::{Signed, page};
use crate::auth::policy::{self, Op};
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::HashMap;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/teams", get(list).post(create))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    notice: Option<String>,
}

#[derive(Serialize)]
struct Row {
    team_id: String,
    name: String,
    members: usize,
    keys: usize,
    models: String,
    spend: f64,
    max_budget: Option<f64>,
    blocked: bool,
}

fn may_create(state: &AppState, signed: &Signed) -> bool {
    policy::authorize(state, &signed.caller, Op::TeamNew { organization_id: None }).is_ok()
}

fn render(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    values: Map<String, Value>,
    chosen: Vec<String>,
    problem: Option<Problem>,
    notice: Option<&str>,
) -> Response {
    let me = signed.user.user_id.as_str();
    let mut teams: Vec<_> = if signed.role().sees_everything() {
        state.teams.all()
    } else {
        state.teams.of_user(me).into_iter().map(|(t, _)| t).collect()
    };
    teams.sort_by(|a, b| a.team_alias.cmp(&b.team_alias).then_with(|| a.team_id.cmp(&b.team_id)));
    let mut key_counts: HashMap<String, usize> = HashMap::new();
    for key in state.keys.all().iter().filter(|k| !k.is_session_key) {
        if let Some(team) = &key.team_id {
            *key_counts.entry(team.clone()).or_default() += 1;
        }
    }
    let rows: Vec<Row> = teams
        .iter()
        .map(|t| Row {
            team_id: t.team_id.clone(),
            name: t.team_alias.clone().unwrap_or_else(|| t.team_id.clone()),
            members: t.members.len(),
            keys: key_counts.get(&t.team_id).copied().unwrap_or(0),
            models: if t.models.is_empty() { "all models".into() } else { t.models.join(", ") },
            spend: t.spend,
            max_budget: t.max_budget,
            blocked: t.blocked,
        })
        .collect();
    let context = minijinja::context! {
        rows,
        can_create => may_create(state, signed),
        models => state.router().public_names(),
        chosen,
        values,
        problem,
        notice,
        ..signed.context(state, "Teams", "/ui/teams")
    };
    page(status, "teams.html", context)
}

async fn list(State(state): State<AppState>, signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let notice = (query.notice.as_deref() == Some("deleted")).then_some("The team was deleted.");
    render(&state, &signed, StatusCode::OK, Map::new(), Vec::new(), None, notice)
}

async fn create(State(state): State<AppState>, signed: Signed, form: FormData) -> Response {
    let values = form.values();
    let chosen = form.all("models");
    let mut body = Map::new();
    form.text_into(&mut body, &["team_alias", "budget_duration"]);
    if let Err(problem) = form.numbers_into(&mut body, &["max_budget"], false) {
        return render(&state, &signed, StatusCode::BAD_REQUEST, values, chosen, Some(problem), None);
    }
    if !body.contains_key("team_alias") {
        let problem = Problem::field("team_alias", "Give the team a name.");
        return render(&state, &signed, StatusCode::BAD_REQUEST, values, chosen, Some(problem), None);
    }
    if !chosen.is_empty() {
        body.insert("models".into(), Value::from(chosen.clone()));
    }
    match crate::teams::routes::new(&state, &signed.caller, &Value::Object(body)).await {
        Ok(team) => Redirect::to(&format!("/ui/teams/{}", super::users::encode(&team.team_id))).into_response(),
        Err(error) => render(&state, &signed, error.status(), values, chosen, Some(error.into()), None),
    }
}
