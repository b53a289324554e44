//! The gateway: the OpenAI-compatible `/v1/...` routes (and the same without `/v1`), the
//! model router, provider adapters, streaming and usage. The request path is in
//! `flow.rs`; each step has its own file.

mod access;
mod admission;
pub mod direct;
mod dispatch;
mod egress;
mod failure;
pub(crate) mod flow;
mod mock;
pub(crate) mod models;
pub mod providers;
mod redact;
mod request;
mod respond;
pub mod router;
mod stream;
mod upstream;

use crate::auth::Caller;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use providers::Endpoint;
use utoipa_axum::{router::OpenApiRouter, routes};

pub use router::ModelRouter;
pub use upstream::UpstreamClients;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(chat_completions))
        .routes(routes!(completions))
        .routes(routes!(embeddings))
        .routes(routes!(list_models))
        .routes(routes!(get_model))
        .routes(routes!(model_health))
        .route("/chat/completions", post(chat_completions))
        .route("/completions", post(completions))
        .route("/embeddings", post(embeddings))
        .route("/models", get(list_models))
        .route("/models/{id}", get(get_model))
}

/// Chat completion (OpenAI's API; also at `/chat/completions`). `stream: true` answers
/// with server-sent events.
#[utoipa::path(post, path = "/v1/chat/completions", tag = "gateway",
    request_body = crate::docs::schemas::gateway::ChatCompletionRequest,
    responses((status = 200, description = "The completion, or with `stream: true` server-sent events",
        content((crate::docs::schemas::gateway::ChatCompletion = "application/json"), (crate::docs::schemas::gateway::StreamEvent = "text/event-stream")))))]
async fn chat_completions(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Chat, body).await
}

/// Text completion (also at `/completions`).
#[utoipa::path(post, path = "/v1/completions", tag = "gateway",
    request_body = crate::docs::schemas::gateway::CompletionRequest,
    responses((status = 200, description = "The completion, or with `stream: true` server-sent events",
        content((crate::docs::schemas::gateway::Completion = "application/json"), (crate::docs::schemas::gateway::StreamEvent = "text/event-stream")))))]
async fn completions(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Completions, body).await
}

/// Embeddings (also at `/embeddings`).
#[utoipa::path(post, path = "/v1/embeddings", tag = "gateway",
    request_body = crate::docs::schemas::gateway::EmbeddingRequest,
    responses((status = 200, body = crate::docs::schemas::gateway::EmbeddingList)))]
async fn embeddings(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Embeddings, body).await
}

/// The models the caller may use (also at `/models`).
#[utoipa::path(get, path = "/v1/models", tag = "gateway", responses((status = 200, body = crate::docs::schemas::gateway::ModelList)))]
async fn list_models(state: State<AppState>, caller: Caller) -> axum::Json<serde_json::Value> {
    models::list(state, caller).await
}

/// One model, if the caller may use it (also at `/models/{id}`).
#[utoipa::path(get, path = "/v1/models/{id}", tag = "gateway", params(("id" = String, Path, description = "model name")),
    responses((status = 200, body = crate::docs::schemas::gateway::Model)))]
async fn get_model(
    state: State<AppState>,
    caller: Caller,
    id: axum::extract::Path<String>,
) -> Result<axum::Json<serde_json::Value>, crate::error::ApiError> {
    models::one(state, caller, id).await
}

/// Probes every deployment with a one-token request (proxy admins only).
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = crate::docs::schemas::gateway::ModelHealth)))]
async fn model_health(
    state: State<AppState>,
    caller: Caller,
) -> Result<axum::Json<serde_json::Value>, crate::error::ApiError> {
    models::health(state, caller).await
}
