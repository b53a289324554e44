//! Azure OpenAI's routes, for clients built on Azure's SDKs (`AzureOpenAI(...)`,
//! LibreChat's and Open WebUI's Azure settings): the deployment in the path names a public
//! model the key may use, `api-version` is accepted whatever it says, and the key comes
//! in `api-key` (Azure's header, read by `auth::caller`) or as a Bearer token. The request
//! then takes the one path, as if it named the model in its body.

use super::super::flow;
use super::super::providers::Endpoint;
use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(chat)).routes(routes!(completions)).routes(routes!(embeddings))
}

/// Chat completion on Azure's route: as `/v1/chat/completions` with `model` = `deployment`.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/chat/completions", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key (Azure's header; a Bearer token works too)")),
    request_body = crate::docs::schemas::media::AzureChatRequest,
    responses((status = 200, description = "The completion, or with `stream: true` server-sent events",
        content((crate::docs::schemas::gateway::ChatCompletion = "application/json"), (crate::docs::schemas::gateway::StreamEvent = "text/event-stream")))))]
async fn chat(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    flow::handle(state, caller, headers, Endpoint::Chat, named(body, &deployment)).await
}

/// Text completion on Azure's route.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/completions", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body = crate::docs::schemas::media::AzureCompletionRequest,
    responses((status = 200, description = "The completion, or with `stream: true` server-sent events",
        content((crate::docs::schemas::gateway::Completion = "application/json"), (crate::docs::schemas::gateway::StreamEvent = "text/event-stream")))))]
async fn completions(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    flow::handle(state, caller, headers, Endpoint::Completions, named(body, &deployment)).await
}

/// Embeddings on Azure's route.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/embeddings", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body = crate::docs::schemas::media::AzureEmbeddingRequest,
    responses((status = 200, body = crate::docs::schemas::gateway::EmbeddingList)))]
async fn embeddings(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    flow::handle(state, caller, headers, Endpoint::Embeddings, named(body, &deployment)).await
}

/// The body with `model` set to the path's deployment (Azure's SDKs may send a `model` of
/// their own: the path is what Azure routes by, so it wins). A body that is not a JSON
/// object goes on as it is, for the one path to refuse in its words.
fn named(body: Bytes, deployment: &str) -> Bytes {
    let Ok(Value::Object(mut object)) = serde_json::from_slice::<Value>(&body) else { return body };
    object.insert("model".into(), Value::String(deployment.to_string()));
    serde_json::to_vec(&object).map(Bytes::from).unwrap_or(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_names_the_model() {
        let body = named(Bytes::from_static(br#"{"messages":[],"model":"gpt-35"}"#), "team-gpt");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["model"], "team-gpt");
        assert_eq!(named(Bytes::from_static(b"[1]"), "x"), Bytes::from_static(b"[1]"));
    }
}
