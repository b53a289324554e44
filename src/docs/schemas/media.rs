//! The shapes of the media routes (images, audio, moderations, rerank) and of Azure's
//! deployment routes, as OpenAI, Cohere and Azure document them. Unknown fields of a JSON
//! body are forwarded; a multipart upload is relayed as it is.

use super::gateway::{ChatMessage, EmbeddingInput, Prompt};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `POST /v1/images/generations`.
#[derive(ToSchema)]
pub struct ImageRequest {
    #[schema(example = "dall-e-3", min_length = 1)]
    model: String,
    #[schema(example = "A lighthouse at dawn")]
    prompt: String,
    /// How many images (priced each).
    #[schema(minimum = 1, maximum = 10)]
    n: Option<u32>,
    /// `1024x1024`, `1024x1792`, `1792x1024`, ... (the price depends on it).
    #[schema(example = "1024x1024")]
    size: Option<String>,
    /// `standard`, `hd` (dall-e-3) or `low`, `medium`, `high` (gpt-image-1).
    quality: Option<String>,
    /// `url` or `b64_json`.
    response_format: Option<String>,
    style: Option<String>,
    user: Option<String>,
}

#[derive(ToSchema)]
pub struct ImageList {
    created: i64,
    data: Vec<Image>,
    usage: Option<BTreeMap<String, Value>>,
}

#[derive(ToSchema)]
pub struct Image {
    url: Option<String>,
    b64_json: Option<String>,
    revised_prompt: Option<String>,
}

/// `POST /v1/audio/transcriptions`: a multipart form. Send `model` before `file` (OpenAI's
/// SDKs do) so the upload is relayed without being held.
#[derive(ToSchema)]
pub struct TranscriptionRequest {
    #[schema(example = "whisper-1", min_length = 1)]
    model: String,
    /// The audio (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm).
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    language: Option<String>,
    prompt: Option<String>,
    /// `json`, `text`, `srt`, `verbose_json` or `vtt`.
    response_format: Option<String>,
    temperature: Option<f64>,
}

/// `POST /v1/audio/translations`: a multipart form.
#[derive(ToSchema)]
pub struct TranslationRequest {
    #[schema(example = "whisper-1", min_length = 1)]
    model: String,
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    prompt: Option<String>,
    response_format: Option<String>,
    temperature: Option<f64>,
}

#[derive(ToSchema)]
pub struct Transcription {
    text: String,
    /// Seconds of audio (`verbose_json`): what the request is priced by.
    duration: Option<f64>,
    language: Option<String>,
    usage: Option<BTreeMap<String, Value>>,
}

/// `POST /v1/audio/speech`.
#[derive(ToSchema)]
pub struct SpeechRequest {
    #[schema(example = "tts-1", min_length = 1)]
    model: String,
    /// The text to read (priced per character).
    #[schema(example = "Hello there", max_length = 4096)]
    input: String,
    #[schema(example = "alloy")]
    voice: String,
    /// `mp3`, `opus`, `aac`, `flac`, `wav` or `pcm`.
    response_format: Option<String>,
    #[schema(minimum = 0.25, maximum = 4.0)]
    speed: Option<f64>,
    instructions: Option<String>,
}

/// `POST /v1/moderations`.
#[derive(ToSchema)]
pub struct ModerationRequest {
    #[schema(example = "omni-moderation-latest", min_length = 1)]
    model: String,
    /// Text, texts, or a list of text and image parts.
    input: Value,
}

#[derive(ToSchema)]
pub struct Moderation {
    id: String,
    model: String,
    results: Vec<BTreeMap<String, Value>>,
}

/// `POST /v1/rerank` (Cohere's and Jina's shape, as vLLM and Infinity serve it).
#[derive(ToSchema)]
pub struct RerankRequest {
    #[schema(example = "rerank-english-v3.0", min_length = 1)]
    model: String,
    query: String,
    /// Texts, or objects with a `text`.
    documents: Vec<Value>,
    #[schema(minimum = 1)]
    top_n: Option<u32>,
    return_documents: Option<bool>,
}

#[derive(ToSchema)]
pub struct RerankAnswer {
    id: Option<String>,
    results: Vec<RerankResult>,
    /// Cohere's billing: `billed_units.search_units` is what a query is priced by.
    meta: Option<BTreeMap<String, Value>>,
    /// vLLM's and Jina's token count.
    usage: Option<BTreeMap<String, Value>>,
}

#[derive(ToSchema)]
pub struct RerankResult {
    index: u32,
    relevance_score: f64,
    document: Option<Value>,
}

/// A chat completion on Azure's route: `model`, when sent, is replaced by the path's
/// deployment.
#[derive(ToSchema)]
pub struct AzureChatRequest {
    messages: Vec<ChatMessage>,
    model: Option<String>,
    stream: Option<bool>,
    #[schema(minimum = 1)]
    max_tokens: Option<u32>,
    #[schema(minimum = 0, maximum = 2)]
    temperature: Option<f64>,
    user: Option<String>,
}

/// A text completion on Azure's route.
#[derive(ToSchema)]
pub struct AzureCompletionRequest {
    prompt: Prompt,
    model: Option<String>,
    stream: Option<bool>,
    #[schema(minimum = 1)]
    max_tokens: Option<u32>,
}

/// Embeddings on Azure's route.
#[derive(ToSchema)]
pub struct AzureEmbeddingRequest {
    input: EmbeddingInput,
    model: Option<String>,
    user: Option<String>,
}

/// Image generation on Azure's route: `model`, when sent, is replaced by the path's
/// deployment.
#[derive(ToSchema)]
pub struct AzureImageRequest {
    #[schema(example = "A lighthouse at dawn")]
    prompt: String,
    model: Option<String>,
    #[schema(minimum = 1, maximum = 10)]
    n: Option<u32>,
    #[schema(example = "1024x1024")]
    size: Option<String>,
    quality: Option<String>,
    response_format: Option<String>,
    user: Option<String>,
}

/// A transcription or translation on Azure's route: a multipart form whose `model`, if
/// any, is replaced by the path's deployment (Azure's own API takes none).
#[derive(ToSchema)]
pub struct AzureAudioRequest {
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    file: String,
    model: Option<String>,
    language: Option<String>,
    prompt: Option<String>,
    response_format: Option<String>,
    temperature: Option<f64>,
}

/// Speech on Azure's route.
#[derive(ToSchema)]
pub struct AzureSpeechRequest {
    #[schema(example = "Hello there", max_length = 4096)]
    input: String,
    #[schema(example = "alloy")]
    voice: String,
    model: Option<String>,
    response_format: Option<String>,
    #[schema(minimum = 0.25, maximum = 4.0)]
    speed: Option<f64>,
}

/// A model response on a deployment's route: `model`, when sent, is replaced by the
/// path's deployment.
#[derive(ToSchema)]
pub struct AzureResponsesRequest {
    /// A string, or a list of items: `message`, `function_call`, `function_call_output`.
    input: Value,
    model: Option<String>,
    instructions: Option<String>,
    stream: Option<bool>,
    store: Option<bool>,
    previous_response_id: Option<String>,
    #[schema(minimum = 1)]
    max_output_tokens: Option<u32>,
}
