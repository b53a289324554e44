//! `/ui/keys/{token}/edit`: a key's alias, models, budget and its period, limits and a new
//! lifetime, as a plain form. The form becomes the JSON body `/key/update` takes and goes
//! through `keys::update_key`, so the policy, the checks and the upper bounds are the
//! API's; the page is offered only to visitors that policy lets change the key.

use super::form::{FormData, Problem};
use super::{Signed, message, page};
use crate::auth::policy::{self, Op};
use crate::keys::KeyRecord;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Map, Value};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/keys/{token}/edit", get(form).post(save))
}

/// Settings an emptied field removes (text and numbers).
const CLEARABLE: &[&str] =
    &["key_alias", "budget_duration", "max_budget", "tpm_limit", "rpm_limit", "max_parallel_requests"];

/// Whether the visitor may update `key` (the question `/key/update` asks).
pub fn may_edit(state: &AppState, signed: &Signed, key: &KeyRecord) -> bool {
    let op = Op::key_change("/key/update", "update", key);
    policy::authorize(state, &signed.caller, op).is_ok()
}

fn not_yours() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Not yours to change",
        "Your role may not change this key.",
        Some(("/ui/keys", "Back to keys")),
    )
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such key",
        "The key does not exist (any more).",
        Some(("/ui/keys", "Back to keys")),
    )
}

/// The key's current settings as form values.
fn values_of(key: &KeyRecord) -> Map<String, Value> {
    let mut values = Map::new();
    let mut put = |name: &str, value: Option<String>| {
        values.insert(name.into(), Value::String(value.unwrap_or_default()));
    };
    put("key_alias", key.key_alias.clone());
    put("max_budget", key.max_budget.map(|v| v.to_string()));
    put("budget_duration", key.budget_duration.clone());
    put("tpm_limit", key.tpm_limit.map(|v| v.to_string()));
    put("rpm_limit", key.rpm_limit.map(|v| v.to_string()));
    put("max_parallel_requests", key.max_parallel_requests.map(|v| v.to_string()));
    values
}

fn form_page(
    state: &AppState,
    signed: &Signed,
    key: &KeyRecord,
    status: StatusCode,
    values: Map<String, Value>,
    chosen: Vec<String>,
    problem: Option<Problem>,
) -> Response {
    // Models set by an admin stay offered, so saving the form does not drop them.
    let mut models = super::keys_new::allowed_models(state, signed);
    for model in &key.models {
        if !models.contains(model) {
            models.push(model.clone());
        }
    }
    let team = key
        .team_id
        .as_deref()
        .and_then(|t| state.teams.get(t))
        .map(|t| t.team_alias.clone().unwrap_or_else(|| t.team_id.clone()));
    let bounds = &state.config.settings.litellm_settings.upperbound_key_generate_params;
    let context = minijinja::context! {
        token => key.token,
        key_name => key.key_name,
        team,
        expires => key.expires,
        models,
        chosen,
        values,
        problem,
        bounds => minijinja::context! {
            max_budget => bounds.max_budget,
            budget_duration => bounds.budget_duration,
            duration => bounds.duration,
        },
        ..signed.context(state, "Edit key", "/ui/keys")
    };
    page(status, "key_edit.html", context)
}

async fn form(State(state): State<AppState>, signed: Signed, Path(token): Path<String>) -> Response {
    let Some(key) = state.keys.get(&token).filter(|k| !k.is_session_key) else { return not_found() };
    if !may_edit(&state, &signed, &key) {
        return not_yours();
    }
    form_page(&state, &signed, &key, StatusCode::OK, values_of(&key), key.models.clone(), None)
}

/// The form as `/key/update`'s JSON body.
fn body_of(form: &FormData, token: &str) -> Result<Value, Problem> {
    let mut body = Map::new();
    body.insert("key".into(), Value::String(token.to_string()));
    form.text_into(&mut body, &["key_alias", "budget_duration", "duration"]);
    form.numbers_into(&mut body, &["max_budget"], false)?;
    form.numbers_into(&mut body, &["tpm_limit", "rpm_limit", "max_parallel_requests"], true)?;
    form.cleared_into(&mut body, CLEARABLE);
    // Unticking every box is a choice (all models), so the form marks that it listed
    // them; a post without the mark leaves the models as they are.
    if form.get("models_listed").is_some() {
        body.insert("models".into(), Value::from(form.all("models")));
    }
    Ok(Value::Object(body))
}

async fn save(State(state): State<AppState>, signed: Signed, Path(token): Path<String>, form: FormData) -> Response {
    let Some(key) = state.keys.get(&token).filter(|k| !k.is_session_key) else { return not_found() };
    // Before anything is rendered: a refused form would show the key's settings.
    if !may_edit(&state, &signed, &key) {
        return not_yours();
    }
    let values = form.values();
    let chosen = form.all("models");
    let mut body = match body_of(&form, &key.token) {
        Ok(body) => body,
        Err(problem) => {
            return form_page(&state, &signed, &key, StatusCode::BAD_REQUEST, values, chosen, Some(problem));
        }
    };
    super::form::drop_unchanged_period(&mut body, key.budget_duration.as_deref());
    match crate::keys::update_key(&state, &signed.caller, &body).await {
        Ok(_) => Redirect::to("/ui/keys?notice=updated").into_response(),
        Err(error) => form_page(&state, &signed, &key, error.status(), values, chosen, Some(error.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(pairs.iter().map(|(k, v)| ((*k).to_string(), (*v).to_string())).collect())
    }

    #[test]
    fn an_emptied_field_clears_and_a_missing_one_is_kept() {
        let body = body_of(&form(&[("max_budget", ""), ("key_alias", "laptop"), ("models_listed", "1")]), "t").unwrap();
        assert_eq!(body["max_budget"], Value::Null);
        assert_eq!(body["key_alias"], "laptop");
        assert!(body.get("tpm_limit").is_none() && body.get("duration").is_none(), "{body}");
        assert_eq!(body["models"], serde_json::json!([]));
        let body = body_of(&form(&[("key_alias", "laptop")]), "t").unwrap();
        assert!(body.get("models").is_none(), "{body}");
    }

    #[test]
    fn text_in_a_number_field_names_the_field() {
        let problem = body_of(&form(&[("rpm_limit", "lots")]), "t").unwrap_err();
        assert_eq!(problem.field.as_deref(), Some("rpm_limit"));
    }
}
