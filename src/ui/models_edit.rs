//! `/ui/models/new` and `/ui/models/{id}/edit`: a stored model as a plain form (public
//! name, provider model, API base and key, prices per million tokens, limits, access
//! groups), and the delete and "Test" buttons of the Models page. The form becomes the JSON
//! body `/model/new` or `/model/update` takes and goes through the same domain functions,
//! so the policy and the checks are the API's. The key field is never filled in: left
//! empty on an edit, the stored key stays.

use super::form::{FormData, Problem};
use super::{Signed, message, page};
use crate::auth::Role;
use crate::models::{self, ModelChange, StoredModel};
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde_json::{Map, Value, json};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/models/new", get(new_form).post(create))
        .route("/ui/models/{id}/edit", get(edit_form).post(save))
        .route("/ui/models/{id}/delete", post(delete))
        .route("/ui/models/{id}/test", post(test))
}

fn admins_only() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Admins only",
        "Only proxy admins manage models.",
        Some(("/ui/models", "Back to models")),
    )
}

/// The API's error with its field named as the form names it.
fn problem_of(error: crate::error::ApiError) -> Problem {
    let mut problem = Problem::from(error);
    problem.field = problem.field.map(|field| {
        let field = field.rsplit('.').next().unwrap_or(&field).to_string();
        match field.as_str() {
            "input_cost_per_token" => "input_per_million".into(),
            "output_cost_per_token" => "output_per_million".into(),
            _ => field,
        }
    });
    problem
}

fn form_page(
    state: &AppState,
    signed: &Signed,
    id: Option<&str>,
    status: StatusCode,
    values: Map<String, Value>,
    problem: Option<Problem>,
) -> Response {
    let title = if id.is_some() { "Edit model" } else { "Add a model" };
    let context = minijinja::context! { id, values, problem, ..signed.context(state, title, "/ui/models") };
    page(status, "model_form.html", context)
}

/// A stored model's settings as form values (never its key).
fn values_of(model: &StoredModel) -> Map<String, Value> {
    let mut values = Map::new();
    let param = |name: &str| model.litellm_params.get(name).cloned();
    let text = |v: Option<Value>| match v {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    };
    let per_million = |name: &str| {
        let v = param(name).or_else(|| model.model_info.get(name).cloned());
        v.and_then(|v| v.as_f64()).map(|p| per_million_text(p * 1e6)).unwrap_or_default()
    };
    values.insert("model_name".into(), json!(model.model_name));
    values.insert("model".into(), json!(text(param("model"))));
    values.insert("api_base".into(), json!(text(param("api_base"))));
    values.insert("api_version".into(), json!(text(param("api_version"))));
    values.insert("rpm".into(), json!(text(param("rpm"))));
    values.insert("tpm".into(), json!(text(param("tpm"))));
    values.insert("input_per_million".into(), json!(per_million("input_cost_per_token")));
    values.insert("output_per_million".into(), json!(per_million("output_cost_per_token")));
    let groups: Vec<&str> = model
        .model_info
        .get("access_groups")
        .and_then(Value::as_array)
        .map(|g| g.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    values.insert("access_groups".into(), json!(groups.join(", ")));
    values.insert("has_key".into(), json!(model.secrets.contains_key("api_key")));
    values
}

/// The form as a model change. On an edit, an emptied field removes the setting and an
/// empty key field keeps the stored key.
fn change_of(form: &FormData, editing: bool) -> Result<ModelChange, Problem> {
    let mut params = Map::new();
    for name in ["model", "api_base", "api_version"] {
        match form.get(name) {
            Some(v) => {
                params.insert(name.into(), json!(v));
            }
            None if editing && name != "model" => {
                params.insert(name.into(), Value::Null);
            }
            None => {}
        }
    }
    if let Some(key) = form.get("api_key") {
        params.insert("api_key".into(), json!(key));
    }
    let mut numbers = Map::new();
    form.numbers_into(&mut numbers, &["rpm", "tpm"], true)?;
    form.numbers_into(&mut numbers, &["input_per_million", "output_per_million"], false)?;
    for name in ["rpm", "tpm"] {
        match numbers.remove(name) {
            Some(v) => params.insert(name.into(), v),
            None if editing => params.insert(name.into(), Value::Null),
            None => None,
        };
    }
    for (field, price) in
        [("input_per_million", "input_cost_per_token"), ("output_per_million", "output_cost_per_token")]
    {
        match numbers.get(field).and_then(Value::as_f64) {
            Some(v) => params.insert(price.into(), json!(v / 1e6)),
            None if editing => params.insert(price.into(), Value::Null),
            None => None,
        };
    }
    let groups: Vec<String> = form
        .get("access_groups")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|g| !g.is_empty())
        .map(str::to_string)
        .collect();
    let mut info = Map::new();
    info.insert("access_groups".into(), json!(groups));
    Ok(ModelChange {
        model_name: form.get("model_name").map(str::to_string),
        litellm_params: Some(params),
        model_info: Some(info),
    })
}

async fn new_form(State(state): State<AppState>, signed: Signed) -> Response {
    if signed.role() != Role::ProxyAdmin {
        return admins_only();
    }
    form_page(&state, &signed, None, StatusCode::OK, Map::new(), None)
}

async fn create(State(state): State<AppState>, signed: Signed, form: FormData) -> Response {
    let values = form.values();
    let change = match change_of(&form, false) {
        Ok(change) => change,
        Err(problem) => return form_page(&state, &signed, None, StatusCode::BAD_REQUEST, values, Some(problem)),
    };
    match models::create(&state, &signed.caller, change).await {
        Ok(model) => {
            Redirect::to(&format!("/ui/models?notice=added&id={}", urlencode(&model.model_id))).into_response()
        }
        Err(error) => form_page(&state, &signed, None, error.status(), values, Some(problem_of(error))),
    }
}

async fn stored(state: &AppState, id: &str) -> Option<StoredModel> {
    models::list(state).await.ok()?.into_iter().find(|m| m.model_id == id)
}

fn not_stored() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such stored model",
        "The model does not exist, or it comes from proxy.toml (change those in the file).",
        Some(("/ui/models", "Back to models")),
    )
}

async fn edit_form(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    if signed.role() != Role::ProxyAdmin {
        return admins_only();
    }
    let Some(model) = stored(&state, &id).await else { return not_stored() };
    form_page(&state, &signed, Some(&id), StatusCode::OK, values_of(&model), None)
}

async fn save(State(state): State<AppState>, signed: Signed, Path(id): Path<String>, form: FormData) -> Response {
    let values = form.values();
    let change = match change_of(&form, true) {
        Ok(change) => change,
        Err(problem) => return form_page(&state, &signed, Some(&id), StatusCode::BAD_REQUEST, values, Some(problem)),
    };
    match models::update(&state, &signed.caller, &id, change).await {
        Ok(_) => Redirect::to("/ui/models?notice=updated").into_response(),
        Err(error) => form_page(&state, &signed, Some(&id), error.status(), values, Some(problem_of(error))),
    }
}

async fn delete(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    match models::delete(&state, &signed.caller, &id).await {
        Ok(()) => Redirect::to("/ui/models?notice=deleted").into_response(),
        Err(error) => super::keys::refused(&error),
    }
}

/// One call of at most one token to the deployment; the page shows the answer or the
/// upstream's error.
async fn test(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    if signed.role() != Role::ProxyAdmin {
        return admins_only();
    }
    let deployment = state.router().all_deployments().into_iter().find(|d| d.id == id);
    let Some(deployment) = deployment else { return not_stored() };
    let outcome = crate::gateway::models::check_deployment(&state, &deployment).await;
    super::models::render_tested(&state, &signed, &deployment.id, outcome).await
}

/// A price per million tokens without the float noise of the division (`1.5`, not
/// `1.4999999999999998`).
fn per_million_text(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn urlencode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
