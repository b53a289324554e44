//! Azure OpenAI's routes, for clients built on Azure's SDKs (`AzureOpenAI(...)`,
//! LibreChat's and Open WebUI's Azure settings): the deployment in the path names a public
//! model the key may use, `api-version` is accepted whatever it says, and the key comes
//! in `api-key` (Azure's header, read by `auth::caller`) or as a Bearer token. The request
//! then takes the one path, as if it named the model in its body: chat, completions,
//! embeddings, images, audio (an upload's form gets the path's model) and responses. The
//! Responses API's resource routes (`/openai/responses...`, which `AzureOpenAI` calls with
//! the model in the body) are the `/v1/responses` handlers themselves (`responses`).

use super::super::flow;
use super::super::providers::Endpoint;
use crate::auth::Caller;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(chat))
        .routes(routes!(completions))
        .routes(routes!(embeddings))
        .routes(routes!(images))
        .routes(routes!(transcriptions))
        .routes(routes!(translations))
        .routes(routes!(speech))
        .routes(routes!(responses))
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

/// Image generation on Azure's route: as `/v1/images/generations`.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/images/generations", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body = crate::docs::schemas::media::AzureImageRequest,
    responses((status = 200, body = crate::docs::schemas::media::ImageList)))]
async fn images(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    flow::handle(state, caller, headers, Endpoint::Images, named(body, &deployment)).await
}

/// Transcription on Azure's route: as `/v1/audio/transcriptions`, the form's `model` (if
/// any) replaced by the path's deployment.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/audio/transcriptions", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body(content = crate::docs::schemas::media::AzureAudioRequest, content_type = "multipart/form-data"),
    responses((status = 200, description = "The text: JSON, or plain text, SRT or VTT as `response_format` asks",
            body = crate::docs::schemas::media::Transcription)))]
async fn transcriptions(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    super::audio(state, caller, headers, Endpoint::Transcriptions, body, Some(&deployment)).await
}

/// Translation into English on Azure's route: as `/v1/audio/translations`.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/audio/translations", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body(content = crate::docs::schemas::media::AzureAudioRequest, content_type = "multipart/form-data"),
    responses((status = 200, description = "The English text", body = crate::docs::schemas::media::Transcription)))]
async fn translations(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    super::audio(state, caller, headers, Endpoint::Translations, body, Some(&deployment)).await
}

/// Speech on Azure's route: as `/v1/audio/speech`, the audio streamed back.
#[utoipa::path(post, path = "/openai/deployments/{deployment}/audio/speech", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body = crate::docs::schemas::media::AzureSpeechRequest,
    responses((status = 200, description = "The audio, in the format asked (mp3 by default)",
        content((Vec<u8> = "audio/mpeg"), (Vec<u8> = "application/octet-stream")))))]
async fn speech(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    flow::handle(state, caller, headers, Endpoint::Speech, named(body, &deployment)).await
}

/// A model response on a deployment's route: as `POST /v1/responses` (kept, chained and
/// relayed the same way).
#[utoipa::path(post, path = "/openai/deployments/{deployment}/responses", tag = "gateway",
    params(("deployment" = String, Path, description = "The public model name"),
        ("api-version" = Option<String>, Query, description = "Azure's API version; accepted as it is"),
        ("api-key" = Option<String>, Header, description = "The virtual key")),
    request_body = crate::docs::schemas::media::AzureResponsesRequest,
    responses((status = 200, description = "The response, or with `stream: true` server-sent events",
        content((crate::docs::schemas::responses::ResponseObject = "application/json"),
                (crate::docs::schemas::responses::ResponseStreamEvent = "text/event-stream")))))]
async fn responses(
    State(state): State<AppState>,
    caller: Caller,
    Path(deployment): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    crate::gateway::responses::create_response(state, caller, headers, named(body, &deployment)).await
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
