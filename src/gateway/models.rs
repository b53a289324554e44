//! `GET /v1/models` (only the models the caller may use; in Anthropic's shape for its
//! clients, which send `anthropic-version`), `GET /v1/models/{id}`, and
//! `GET /health`: every deployment probed with a one-token request (admins only, as it
//! costs upstream calls).

use super::access;
use super::conversation;
use super::providers::{Call, Dialect, Endpoint};
use super::router::Deployment;
use crate::auth::{Caller, Role};
use crate::config::ApiBase;
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};

const CREATED: i64 = 1_677_610_602;

fn model_object(id: &str) -> Value {
    json!({"id": id, "object": "model", "created": CREATED, "owned_by": "openai"})
}

pub async fn list(State(state): State<AppState>, caller: Caller, headers: &axum::http::HeaderMap) -> Json<Value> {
    let names = access::usable_models(&state, &caller);
    if headers.contains_key("anthropic-version") {
        return Json(anthropic_list(&names));
    }
    let data: Vec<Value> = names.iter().map(|m| model_object(m)).collect();
    Json(json!({"object": "list", "data": data}))
}

/// One model as Anthropic describes it.
fn anthropic_model(name: &str) -> Value {
    let created_at = chrono::DateTime::from_timestamp(CREATED, 0)
        .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default();
    json!({"type": "model", "id": name, "display_name": name, "created_at": created_at})
}

/// Anthropic's model list: one page holding every model.
fn anthropic_list(names: &[String]) -> Value {
    let data: Vec<Value> = names.iter().map(|name| anthropic_model(name)).collect();
    json!({"data": data, "has_more": false, "first_id": names.first(), "last_id": names.last()})
}

/// One model, in Anthropic's shape when the request carries `anthropic-version`.
pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: &axum::http::HeaderMap,
) -> Result<Json<Value>, ApiError> {
    if access::usable_models(&state, &caller).contains(&id) {
        if headers.contains_key("anthropic-version") {
            return Ok(Json(anthropic_model(&id)));
        }
        return Ok(Json(model_object(&id)));
    }
    Err(ApiError::NotFound(format!("The model `{id}` does not exist or you do not have access to it.")))
}

/// Admins only: a probe costs an upstream call per deployment.
fn require_admin(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_master_key() || caller.role == Some(Role::ProxyAdmin) {
        return Ok(());
    }
    Err(ApiError::Unauthorized(format!(
        "Authentication Error, Only proxy admin can be used to call /health. Your role={}. Your user_id={}",
        caller.role_label(),
        caller.user_label()
    )))
}

pub async fn health(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, ApiError> {
    require_admin(&caller)?;
    let mut probes = Vec::new();
    for deployment in state.router().all_deployments() {
        if deployment.upstream_model.contains('*') {
            continue;
        }
        let state = state.clone();
        probes.push(tokio::spawn(async move {
            let outcome = check_deployment(&state, &deployment).await;
            let mut entry = json!({"model": deployment.litellm_model, "model_name": deployment.model_name, "model_id": deployment.id, "api_base": deployment.api_base.as_ref().map(ApiBase::masked)});
            if let Err(error) = &outcome {
                entry["error"] = json!(error);
            }
            (outcome.is_ok(), entry)
        }));
    }
    let (mut healthy, mut unhealthy) = (Vec::new(), Vec::new());
    for probe in probes {
        match probe.await {
            Ok((true, entry)) => healthy.push(entry),
            Ok((false, entry)) => unhealthy.push(entry),
            Err(e) => tracing::error!(error = %e, "health probe task failed"),
        }
    }
    Ok(Json(json!({
        "healthy_endpoints": healthy, "unhealthy_endpoints": unhealthy,
        "healthy_count": healthy.len(), "unhealthy_count": unhealthy.len(),
    })))
}

/// One call of at most one token to `deployment`: the upstream's answer, or what went
/// wrong (credentials redacted either way). For `/health` and the UI's "Test" button.
pub async fn check_deployment(state: &AppState, deployment: &Deployment) -> Result<String, String> {
    let dialect = deployment.provider.dialect();
    let model = &deployment.upstream_model;
    let (endpoint, body) = match (dialect, deployment.mode.as_deref()) {
        (Dialect::OpenAi, Some("embedding")) => (Endpoint::Embeddings, json!({"model": model, "input": "ping"})),
        (Dialect::OpenAi, Some("completion")) => {
            (Endpoint::Completions, json!({"model": model, "prompt": "ping", "max_tokens": 1}))
        }
        _ => (dialect.conversation_endpoint(), conversation::write_request(dialect, &conversation::ping(), model)),
    };
    let deadline = tokio::time::Instant::now() + deployment.timeout.min(std::time::Duration::from_secs(30));
    let call = Call {
        endpoint,
        model: &deployment.upstream_model,
        stream: false,
        body: body.to_string().into(),
        client: &Default::default(),
    };
    let request = deployment.provider.request(deployment, call)?;
    let router = state.routing.snapshot();
    let response = state.http.get().send(request, Some(deadline)).await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = super::upstream::read_error(response, Some(deadline), &router.redactor).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    if status.is_success() { Ok(body) } else { Err(format!("status {}: {body}", status.as_u16())) }
}
