//! `/ui/models`: every deployment (from proxy.toml or added here) with its provider,
//! upstream model, API base and price per million tokens, and for proxy admins: add, edit
//! and delete buttons for the models added here (`models_edit.rs`), a "Test" button per
//! deployment, and a health check that probes each deployment once (the same probe as
//! `GET /health`; each costs one tiny upstream call, so they run only when asked).

use super::{Signed, page};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::Serialize;
use std::collections::HashMap;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/models", get(show).post(check_health))
}

#[derive(Serialize)]
struct Row {
    id: String,
    /// Added here (editable), not from proxy.toml.
    stored: bool,
    name: String,
    provider: &'static str,
    model: String,
    api_base: Option<String>,
    input_per_million: Option<f64>,
    output_per_million: Option<f64>,
    health: Option<String>,
    error: Option<String>,
}

fn rows(state: &AppState, health: &HashMap<String, Option<String>>) -> Vec<Row> {
    state
        .router()
        .all_deployments()
        .iter()
        .map(|d| {
            let price = state.router().price(d, &d.upstream_model);
            let checked = health.get(&d.id);
            Row {
                id: d.id.clone(),
                stored: d.origin == crate::gateway::Origin::Stored,
                name: d.model_name.clone(),
                provider: d.provider.name(),
                model: d.litellm_model.clone(),
                api_base: d.api_base.as_ref().map(crate::config::ApiBase::masked),
                input_per_million: price.map(|p| p.input * 1e6),
                output_per_million: price.map(|p| p.output * 1e6),
                health: checked.map(|e| if e.is_none() { "healthy".into() } else { "unhealthy".into() }),
                error: checked.cloned().flatten(),
            }
        })
        .collect()
}

/// What the page shows besides the table: a health check just made, a test's outcome,
/// a notice after a change.
#[derive(Default)]
struct Shown {
    health: HashMap<String, Option<String>>,
    checked: bool,
    tested: Option<(String, Result<String, String>)>,
    notice: Option<String>,
}

async fn render(state: &AppState, signed: &Signed, shown: Shown) -> Response {
    let Shown { health, checked, tested, notice } = shown;
    let admin = signed.role() == Role::ProxyAdmin;
    // Stored models the router leaves out (proxy.toml defines their name).
    let unserved: Vec<(String, String)> = if admin {
        let served: std::collections::HashSet<String> =
            state.router().all_deployments().iter().map(|d| d.id.clone()).collect();
        crate::models::list(state)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|m| !served.contains(&m.model_id))
            .map(|m| (m.model_id, m.model_name))
            .collect()
    } else {
        Vec::new()
    };
    let tested = tested.map(|(id, outcome)| {
        let (ok, text) = match outcome {
            Ok(answer) => (true, answer),
            Err(error) => (false, error),
        };
        minijinja::context! { id, ok, text => text.chars().take(600).collect::<String>() }
    });
    let context = minijinja::context! {
        rows => rows(state, &health),
        unserved,
        tested,
        notice,
        can_manage => admin,
        aliases => state.config.settings.litellm_settings.model_group_alias.clone(),
        can_check => admin,
        checked,
        ..signed.context(state, "Models", "/ui/models")
    };
    page(StatusCode::OK, "models.html", context)
}

#[derive(serde::Deserialize)]
struct PageQuery {
    notice: Option<String>,
}

async fn show(State(state): State<AppState>, signed: Signed, query: Query<PageQuery>) -> Response {
    let notice = match query.notice.as_deref() {
        Some("added") => Some("The model was added and is served now."),
        Some("updated") => Some("The model was saved; the change is served now."),
        Some("deleted") => Some("The model was deleted and is no longer served."),
        _ => None,
    };
    render(&state, &signed, Shown { notice: notice.map(str::to_string), ..Shown::default() }).await
}

/// The page after a "Test" of deployment `id`.
pub async fn render_tested(state: &AppState, signed: &Signed, id: &str, outcome: Result<String, String>) -> Response {
    render(state, signed, Shown { tested: Some((id.to_string(), outcome)), ..Shown::default() }).await
}

async fn check_health(State(state): State<AppState>, signed: Signed) -> Response {
    let answer = match crate::gateway::models::health(State(state.clone()), signed.caller.clone()).await {
        Ok(axum::Json(answer)) => answer,
        Err(error) => return super::keys::refused(&error),
    };
    let mut health = HashMap::new();
    for (list, ok) in [("healthy_endpoints", true), ("unhealthy_endpoints", false)] {
        for entry in answer[list].as_array().into_iter().flatten() {
            let id = entry["model_id"].as_str().unwrap_or_default().to_string();
            let error =
                if ok { None } else { Some(entry["error"].as_str().map_or_else(|| "failed".into(), str::to_string)) };
            health.insert(id, error);
        }
    }
    render(&state, &signed, Shown { health, checked: true, ..Shown::default() }).await
}
