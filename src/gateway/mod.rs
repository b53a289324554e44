//! The gateway: the OpenAI-compatible `/v1/...` routes and Anthropic's `/v1/messages` (and
//! the same without `/v1`), the model router, provider adapters, streaming and usage. The
//! request path is in `flow.rs`; each step has its own file, each dialect's own parts in
//! its folder (`anthropic/`, `responses/`).

mod access;
mod admission;
mod anthropic;
mod conversation;
pub mod direct;
mod dispatch;
mod egress;
mod failure;
mod fallback;
pub(crate) mod flow;
pub(crate) mod live;
mod media;
mod mock;
pub(crate) mod models;
mod observe;
pub mod providers;
mod redact;
mod request;
mod respond;
pub(crate) mod responses;
pub mod router;
mod stream;
mod text_bridge;
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

pub use access::usable_models;
pub use live::LiveRouter;
pub use router::{Deployment, ModelRouter, Origin};
pub use upstream::UpstreamClients;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(chat_completions))
        .routes(routes!(completions))
        .routes(routes!(embeddings))
        .routes(routes!(messages))
        .routes(routes!(count_tokens))
        .routes(routes!(list_models))
        .routes(routes!(get_model))
        .routes(routes!(model_health))
        .merge(responses::routes())
        .merge(media::routes())
        .route("/chat/completions", post(chat_completions))
        .route("/completions", post(completions))
        .route("/embeddings", post(embeddings))
        .route("/messages", post(messages))
        .route("/messages/count_tokens", post(count_tokens))
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

/// Anthropic's Messages API (also at `/messages`; Claude Code adds `?beta=true`). The key
/// goes in `x-api-key` or as a Bearer token; `anthropic-version` and `anthropic-beta` are
/// passed to the upstream. `stream: true` answers with Anthropic's server-sent events.
/// Errors come in Anthropic's shape.
#[utoipa::path(post, path = "/v1/messages", tag = "gateway",
    params(
        ("anthropic-version" = Option<String>, Header, description = "Anthropic's API version, passed upstream (default 2023-06-01)"),
        ("anthropic-beta" = Option<String>, Header, description = "Beta flags, passed upstream as they are"),
        ("X-Claude-Code-Session-Id" = Option<String>, Header, description = "Claude Code's session, kept on the spend row"),
        ("beta" = Option<bool>, Query, description = "Sent by Claude Code; ignored"),
    ),
    request_body = crate::docs::schemas::anthropic::MessagesRequest,
    responses(
        (status = 200, description = "The message, or with `stream: true` server-sent events",
            content((crate::docs::schemas::anthropic::Message = "application/json"), (crate::docs::schemas::anthropic::MessageStreamEvent = "text/event-stream"))),
        (status = 400, description = "Invalid request, or a model whose deployment is not Anthropic's", body = crate::docs::schemas::anthropic::AnthropicError),
        (status = 401, description = "No valid key", body = crate::docs::schemas::anthropic::AnthropicError),
        (status = 403, description = "The key may not use the model", body = crate::docs::schemas::anthropic::AnthropicError),
        (status = 429, description = "A rate limit", body = crate::docs::schemas::anthropic::AnthropicError),
    ))]
async fn messages(
    State(state): State<AppState>,
    caller: Result<Caller, crate::error::ApiError>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match caller {
        Ok(caller) => flow::handle(state, caller, headers, Endpoint::Messages, body).await,
        Err(error) => anthropic::errors::render(axum::response::IntoResponse::into_response(error)),
    }
}

/// Counts a Messages request's input tokens (also at `/messages/count_tokens`): exactly by
/// an Anthropic upstream, else estimated by the gateway's tokenizer (then the answer has
/// `x-token-count-estimated: true`). Free: no spend row, but the key must be allowed the model.
#[utoipa::path(post, path = "/v1/messages/count_tokens", tag = "gateway",
    params(("anthropic-version" = Option<String>, Header, description = "Anthropic's API version, passed upstream")),
    request_body = crate::docs::schemas::anthropic::CountTokensRequest,
    responses(
        (status = 200, body = crate::docs::schemas::anthropic::TokenCount),
        (status = 401, description = "No valid key", body = crate::docs::schemas::anthropic::AnthropicError),
        (status = 403, description = "The key may not use the model", body = crate::docs::schemas::anthropic::AnthropicError),
    ))]
async fn count_tokens(
    State(state): State<AppState>,
    caller: Result<Caller, crate::error::ApiError>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match caller {
        Ok(caller) => anthropic::count::handle(state, caller, headers, body).await,
        Err(error) => anthropic::errors::render(axum::response::IntoResponse::into_response(error)),
    }
}

/// The models the caller may use (also at `/models`): OpenAI's list, or Anthropic's
/// (`data[].type = "model"`, `has_more`, `first_id`, `last_id`) when the request carries
/// `anthropic-version`.
#[utoipa::path(get, path = "/v1/models", tag = "gateway",
    params(("anthropic-version" = Option<String>, Header, description = "When present, the answer is in Anthropic's shape")),
    responses((status = 200, description = "OpenAI's list, or Anthropic's with `anthropic-version`",
        body = crate::docs::schemas::anthropic::AnyModelList)))]
async fn list_models(state: State<AppState>, caller: Caller, headers: HeaderMap) -> axum::Json<serde_json::Value> {
    models::list(state, caller, &headers).await
}

/// One model, if the caller may use it (also at `/models/{id}`); in Anthropic's shape
/// when the request carries `anthropic-version`.
#[utoipa::path(get, path = "/v1/models/{id}", tag = "gateway", params(("id" = String, Path, description = "model name"),
        ("anthropic-version" = Option<String>, Header, description = "When present, the answer is in Anthropic's shape")),
    responses((status = 200, body = crate::docs::schemas::gateway::Model)))]
async fn get_model(
    state: State<AppState>,
    caller: Caller,
    id: axum::extract::Path<String>,
    headers: HeaderMap,
) -> Response {
    let anthropic = headers.contains_key("anthropic-version");
    match models::one(state, caller, id, &headers).await {
        Ok(model) => axum::response::IntoResponse::into_response(model),
        // An Anthropic client's refusal in Anthropic's shape, as on the other routes.
        Err(error) if anthropic => anthropic::errors::render(axum::response::IntoResponse::into_response(error)),
        Err(error) => axum::response::IntoResponse::into_response(error),
    }
}

/// Probes every deployment with a one-token request (proxy admins only).
#[utoipa::path(get, path = "/health", tag = "health", responses((status = 200, body = crate::docs::schemas::gateway::ModelHealth)))]
async fn model_health(
    state: State<AppState>,
    caller: Caller,
) -> Result<axum::Json<serde_json::Value>, crate::error::ApiError> {
    models::health(state, caller).await
}
