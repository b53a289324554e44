//! `/ui/keys/new`: the form to create a key (models from those the visitor may use, team,
//! budget and period, lifetime, limits, with the configured upper bounds shown) and the
//! page that shows a new or regenerated key once. The form becomes the same JSON body
//! `/key/generate` takes and goes through `keys::issue_key`, so clamping to the upper
//! bounds and every permission rule are the API's.

use super::form::{FormData, Problem};
use super::{Signed, page};
use crate::auth::Role;
use crate::keys::KeyRecord;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use serde_json::{Map, Value};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/keys/new", get(form).post(create))
}

#[derive(Serialize)]
struct TeamChoice {
    id: String,
    name: String,
}

/// The models the visitor may give a key: the user's own list, or every model.
pub fn allowed_models(state: &AppState, signed: &Signed) -> Vec<String> {
    let all = state.router().public_names();
    if signed.role() == Role::ProxyAdmin {
        return all;
    }
    match state.users.get(&signed.user.user_id) {
        Some(user) if !user.models.is_empty() && !user.models.iter().any(|m| m == "all-proxy-models" || m == "*") => {
            all.into_iter().filter(|m| user.models.contains(m)).collect()
        }
        _ => all,
    }
}

fn teams(state: &AppState, signed: &Signed) -> Vec<TeamChoice> {
    let mut teams: Vec<_> = if signed.role() == Role::ProxyAdmin {
        state.teams.all()
    } else {
        // Only the teams whose keys the visitor may make: as the team's admin, or where the
        // team grants its members `/key/generate` (team_member_permissions).
        state
            .teams
            .of_user(&signed.user.user_id)
            .into_iter()
            .filter(|(t, m)| {
                m.role == crate::teams::TeamRole::Admin
                    || t.team_member_permissions.iter().flatten().any(|p| p == "/key/generate")
            })
            .map(|(t, _)| t)
            .collect()
    };
    teams.sort_by(|a, b| a.team_alias.cmp(&b.team_alias).then_with(|| a.team_id.cmp(&b.team_id)));
    teams
        .iter()
        .map(|t| TeamChoice { id: t.team_id.clone(), name: t.team_alias.clone().unwrap_or_else(|| t.team_id.clone()) })
        .collect()
}

fn form_page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    values: Map<String, Value>,
    chosen: Vec<String>,
    problem: Option<Problem>,
) -> Response {
    let bounds = &state.config.settings.litellm_settings.upperbound_key_generate_params;
    let context = minijinja::context! {
        models => allowed_models(state, signed),
        chosen,
        teams => teams(state, signed),
        values,
        problem,
        can_create => super::keys::may_create(state, signed),
        bounds => minijinja::context! {
            max_budget => bounds.max_budget,
            budget_duration => bounds.budget_duration,
            duration => bounds.duration,
            tpm_limit => bounds.tpm_limit,
            rpm_limit => bounds.rpm_limit,
            max_parallel_requests => bounds.max_parallel_requests,
        },
        ..signed.context(state, "Create a key", "/ui/keys")
    };
    page(status, "key_new.html", context)
}

async fn form(State(state): State<AppState>, signed: Signed) -> Response {
    let status = if super::keys::may_create(&state, &signed) { StatusCode::OK } else { StatusCode::FORBIDDEN };
    form_page(&state, &signed, status, Map::new(), Vec::new(), None)
}

/// The form as `/key/generate`'s JSON body.
fn body_of(form: &FormData) -> Result<Value, Problem> {
    let mut body = Map::new();
    form.text_into(&mut body, &["key_alias", "budget_duration", "duration", "team_id"]);
    form.numbers_into(&mut body, &["max_budget"], false)?;
    form.numbers_into(&mut body, &["tpm_limit", "rpm_limit", "max_parallel_requests"], true)?;
    let models = form.all("models");
    if !models.is_empty() {
        body.insert("models".into(), Value::from(models));
    }
    Ok(Value::Object(body))
}

async fn create(State(state): State<AppState>, signed: Signed, form: FormData) -> Response {
    let values = form.values();
    let chosen = form.all("models");
    let body = match body_of(&form) {
        Ok(body) => body,
        Err(problem) => return form_page(&state, &signed, StatusCode::BAD_REQUEST, values, chosen, Some(problem)),
    };
    match crate::keys::issue_key(&state, &signed.caller, &body).await {
        Ok((key, clear, _)) => {
            let asked = body.get("max_budget").and_then(Value::as_f64);
            show_once_with(&state, &signed, &key, &clear, "created", asked)
        }
        Err(error) => form_page(&state, &signed, error.status(), values, chosen, Some(error.into())),
    }
}

/// The page that shows a clear key once.
pub fn show_once(state: &AppState, signed: &Signed, key: &KeyRecord, clear: &str, what: &str) -> Response {
    show_once_with(state, signed, key, clear, what, None)
}

fn show_once_with(
    state: &AppState,
    signed: &Signed,
    key: &KeyRecord,
    clear: &str,
    what: &str,
    asked_budget: Option<f64>,
) -> Response {
    let team = key
        .team_id
        .as_deref()
        .and_then(|t| state.teams.get(t))
        .map(|t| t.team_alias.clone().unwrap_or_else(|| t.team_id.clone()));
    let clamped = match (asked_budget, key.max_budget) {
        (Some(asked), Some(real)) => asked > real,
        _ => false,
    };
    let context = minijinja::context! {
        clear,
        what,
        alias => key.key_alias,
        key_name => key.key_name,
        models => if key.models.is_empty() { "all models".to_string() } else { key.models.join(", ") },
        team,
        max_budget => key.max_budget,
        asked_budget,
        clamped,
        budget_duration => key.budget_duration,
        expires => key.expires,
        tpm_limit => key.tpm_limit,
        rpm_limit => key.rpm_limit,
        max_parallel_requests => key.max_parallel_requests,
        ..signed.context(state, "Your new key", "/ui/keys")
    };
    page(StatusCode::OK, "key_created.html", context)
}
