//! The rest of OpenAI's surface: images, audio (transcriptions, translations, speech),
//! moderations and the Cohere/Jina rerank API that vLLM and Infinity serve, plus the
//! Azure-style routes Azure SDK clients call (`azure.rs`). Every request takes the one
//! path of chat (`flow`): key, model access, budgets with reservations, limits, the spend
//! row before the answer, failure rows. What differs is here: which models may serve a
//! route (`kind`), what a request costs (`cost`), how the answer is relayed (`answer`), and
//! the audio uploads, relayed as they arrive (`multipart`, `upload`). Only OpenAI-compatible
//! deployments (and Azure's) serve these routes; Anthropic and Gemini have no counterpart.

pub(crate) mod answer;
mod azure;
pub(crate) mod cost;
pub(crate) mod kind;
mod multipart;
pub(crate) mod upload;

pub use upload::Upload;

use super::flow::{self, RequestIds};
use super::observe;
use super::providers::Endpoint;
use crate::auth::Caller;
use crate::docs::schemas::media as docs;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(images))
        .routes(routes!(transcriptions))
        .routes(routes!(translations))
        .routes(routes!(speech))
        .routes(routes!(moderations))
        .routes(routes!(rerank))
        .routes(routes!(rerank_v2))
        .merge(azure::routes())
        .route("/images/generations", post(images))
        .route("/audio/transcriptions", post(transcriptions))
        .route("/audio/translations", post(translations))
        .route("/audio/speech", post(speech))
        .route("/moderations", post(moderations))
        .route("/rerank", post(rerank))
}

/// Generates images (also at `/images/generations`). Priced per image of the requested
/// size and quality (the table's `1024-x-1024/dall-e-3`, or the deployment's
/// `input_cost_per_image`), else per pixel.
#[utoipa::path(post, path = "/v1/images/generations", tag = "gateway",
    request_body = docs::ImageRequest,
    responses((status = 200, body = docs::ImageList)))]
async fn images(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Images, body).await
}

/// Transcribes audio (also at `/audio/transcriptions`): a multipart upload relayed to the
/// upstream as it arrives, up to `max_audio_request_size_mb` (default 25 MB). Priced per
/// second of audio: the answer's `duration`, else its `usage.seconds`, else the WAV file's
/// length; models priced per token (gpt-4o-transcribe) by the tokens the answer counts.
#[utoipa::path(post, path = "/v1/audio/transcriptions", tag = "gateway",
    request_body(content = docs::TranscriptionRequest, content_type = "multipart/form-data"),
    responses((status = 200, description = "The text: JSON, or plain text, SRT or VTT as `response_format` asks",
            body = docs::Transcription)))]
async fn transcriptions(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Body) -> Response {
    audio(state, caller, headers, Endpoint::Transcriptions, body, None).await
}

/// Translates audio into English text (also at `/audio/translations`); as transcriptions.
#[utoipa::path(post, path = "/v1/audio/translations", tag = "gateway",
    request_body(content = docs::TranslationRequest, content_type = "multipart/form-data"),
    responses((status = 200, description = "The English text", body = docs::Transcription)))]
async fn translations(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Body) -> Response {
    audio(state, caller, headers, Endpoint::Translations, body, None).await
}

/// Reads text aloud (also at `/audio/speech`): the audio is streamed back as it comes.
/// Priced per character of `input` (the table's `input_cost_per_character`).
#[utoipa::path(post, path = "/v1/audio/speech", tag = "gateway",
    request_body = docs::SpeechRequest,
    responses((status = 200, description = "The audio, in the format asked (mp3 by default)",
        content((Vec<u8> = "audio/mpeg"), (Vec<u8> = "application/octet-stream")))))]
async fn speech(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Speech, body).await
}

/// Classifies text as harmful or not (also at `/moderations`). Free unless the price
/// table prices the model.
#[utoipa::path(post, path = "/v1/moderations", tag = "gateway",
    request_body = docs::ModerationRequest,
    responses((status = 200, body = docs::Moderation)))]
async fn moderations(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Moderations, body).await
}

/// Reranks documents against a query, in the Cohere/Jina shape vLLM and Infinity serve
/// (also at `/rerank` and `/v2/rerank`). Priced per search unit (`input_cost_per_query`)
/// or per token, as the price table says.
#[utoipa::path(post, path = "/v1/rerank", tag = "gateway",
    request_body = docs::RerankRequest,
    responses((status = 200, body = docs::RerankAnswer)))]
async fn rerank(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    flow::handle(state, caller, headers, Endpoint::Rerank, body).await
}

/// Cohere's v2 rerank route, the same as `/v1/rerank`.
#[utoipa::path(post, path = "/v2/rerank", tag = "gateway",
    request_body = docs::RerankRequest,
    responses((status = 200, body = docs::RerankAnswer)))]
async fn rerank_v2(state: State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    rerank(state, caller, headers, body).await
}

/// An audio upload: its head read, then the one path with the rest still arriving.
/// `deployment` is the model Azure's route names in its path, over the form's.
async fn audio(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    endpoint: Endpoint,
    body: Body,
    deployment: Option<&str>,
) -> Response {
    let ids = RequestIds::new(crate::server::client_request_id(&headers).as_ref());
    let refused =
        |error: crate::error::ApiError| observe::refused(&state, Some(&caller), endpoint, error.into_response());
    // Before anything is read: on a full disk the answer could not be charged.
    if let Err(error) = state.ledger.admit_model_request(&state) {
        return refused(error);
    }
    let (request, upload) = match upload::read(&state, endpoint, &headers, body, deployment).await {
        Ok(read) => read,
        Err(error) => return refused(error),
    };
    match flow::run_parsed(state.clone(), caller, ids, &headers, request, Some(upload)).await {
        Ok(response) | Err(response) => response,
    }
}
