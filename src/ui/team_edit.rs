//! `/ui/teams/{id}/edit` (proxy admins): a team's name, budget and its period, models and
//! limits, as a plain form that becomes `/team/update`'s JSON body and goes through
//! `teams::routes::update`, so the checks and the permission are the API's.

use super::form::{FormData, Problem};
use super::{Signed, message, page};
use crate::auth::policy::{self, Op};
use crate::state::AppState;
use crate::teams::TeamRecord;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Map, Value};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/teams/{id}/edit", get(form).post(save))
}

/// Whether the visitor may change `team`'s settings (the question `/team/update` asks).
pub fn may_edit(state: &AppState, signed: &Signed, team: &TeamRecord) -> bool {
    policy::authorize(state, &signed.caller, Op::TeamUpdate { team, moves_to: None }).is_ok()
}

fn values_of(team: &TeamRecord) -> Map<String, Value> {
    let mut values = Map::new();
    let mut put = |name: &str, value: Option<String>| {
        values.insert(name.into(), Value::String(value.unwrap_or_default()));
    };
    put("team_alias", team.team_alias.clone());
    put("max_budget", team.max_budget.map(|v| v.to_string()));
    put("budget_duration", team.budget_duration.clone());
    put("tpm_limit", team.tpm_limit.map(|v| v.to_string()));
    put("rpm_limit", team.rpm_limit.map(|v| v.to_string()));
    values
}

fn form_page(
    state: &AppState,
    signed: &Signed,
    team: &TeamRecord,
    status: StatusCode,
    values: Map<String, Value>,
    chosen: Vec<String>,
    problem: Option<Problem>,
) -> Response {
    let mut models = state.router().public_names();
    for model in &team.models {
        if !models.contains(model) {
            models.push(model.clone());
        }
    }
    let context = minijinja::context! {
        team_id => team.team_id,
        name => team.team_alias.clone().unwrap_or_else(|| team.team_id.clone()),
        models,
        chosen,
        values,
        problem,
        ..signed.context(state, "Edit team", "/ui/teams")
    };
    page(status, "team_edit.html", context)
}

fn admins_only() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Admins only",
        "Only proxy admins can change a team's settings.",
        Some(("/ui/teams", "Back to teams")),
    )
}

async fn form(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    let Some(team) = state.teams.get(&id) else { return super::team::not_found() };
    if !may_edit(&state, &signed, &team) {
        return admins_only();
    }
    form_page(&state, &signed, &team, StatusCode::OK, values_of(&team), team.models.clone(), None)
}

/// The form as `/team/update`'s JSON body.
fn body_of(form: &FormData, team_id: &str) -> Result<Value, Problem> {
    let mut body = Map::new();
    body.insert("team_id".into(), Value::String(team_id.to_string()));
    if form.0.iter().any(|(k, _)| k == "team_alias") && form.get("team_alias").is_none() {
        return Err(Problem::field("team_alias", "Give the team a name."));
    }
    form.text_into(&mut body, &["team_alias", "budget_duration"]);
    form.numbers_into(&mut body, &["max_budget"], false)?;
    form.numbers_into(&mut body, &["tpm_limit", "rpm_limit"], true)?;
    form.cleared_into(&mut body, &["budget_duration", "max_budget", "tpm_limit", "rpm_limit"]);
    // As on the key form: the mark says the boxes were shown, so none ticked means all.
    if form.get("models_listed").is_some() {
        body.insert("models".into(), Value::from(form.all("models")));
    }
    Ok(Value::Object(body))
}

async fn save(State(state): State<AppState>, signed: Signed, Path(id): Path<String>, form: FormData) -> Response {
    let Some(team) = state.teams.get(&id) else { return super::team::not_found() };
    // Before anything is rendered: a refused form would show the team's settings.
    if !may_edit(&state, &signed, &team) {
        return admins_only();
    }
    let values = form.values();
    let chosen = form.all("models");
    let mut body = match body_of(&form, &team.team_id) {
        Ok(body) => body,
        Err(problem) => {
            return form_page(&state, &signed, &team, StatusCode::BAD_REQUEST, values, chosen, Some(problem));
        }
    };
    super::form::drop_unchanged_period(&mut body, team.budget_duration.as_deref());
    match crate::teams::routes::update(&state, &signed.caller, &body).await {
        Ok(team) => {
            Redirect::to(&format!("/ui/teams/{}?notice=updated", super::users::encode(&team.team_id))).into_response()
        }
        Err(error) => form_page(&state, &signed, &team, error.status(), values, chosen, Some(error.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_keeps_a_name() {
        let form = FormData(vec![("team_alias".into(), " ".into())]);
        assert_eq!(body_of(&form, "t").unwrap_err().field.as_deref(), Some("team_alias"));
        let form = FormData(vec![("team_alias".into(), "Ops".into()), ("max_budget".into(), "".into())]);
        let body = body_of(&form, "t").unwrap();
        assert_eq!(body["max_budget"], Value::Null);
        assert!(body.get("models").is_none(), "{body}");
    }
}
