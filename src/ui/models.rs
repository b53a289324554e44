//! `/ui/models`: the configured models (every deployment with its provider, upstream
//! model, API base and price per million tokens) and, for proxy admins, a health check
//! that probes each deployment once (the same probe as `GET /health`; it costs one tiny
//! upstream call each, so it runs only when asked).

use super::{Signed, page};
use crate::auth::Role;
use crate::state::AppState;
use axum::extract::State;
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

fn render(state: &AppState, signed: &Signed, health: &HashMap<String, Option<String>>, checked: bool) -> Response {
    let context = minijinja::context! {
        rows => rows(state, health),
        aliases => state.config.settings.litellm_settings.model_group_alias.clone(),
        can_check => signed.role() == Role::ProxyAdmin,
        checked,
        ..signed.context(state, "Models", "/ui/models")
    };
    page(StatusCode::OK, "models.html", context)
}

async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    render(&state, &signed, &HashMap::new(), false)
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
    render(&state, &signed, &health, true)
}
