//! Provider adapters, one file each, behind one trait. An adapter builds the upstream
//! request (URL, credential, the headers its API defines) around a body already in the
//! provider's dialect: the client's own bytes when the dialects match, else the body the
//! gateway translated (see `conversation`). Each provider names the dialect it speaks.

mod anthropic;
mod azure;
mod gemini;
mod openai;

use super::router::Deployment;
use super::upstream::Request;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName, HeaderValue};
use http_body_util::Full;

/// The model endpoints the gateway serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Chat,
    Completions,
    Embeddings,
    /// Anthropic's Messages API (`/v1/messages`).
    Messages,
    /// Anthropic's `/v1/messages/count_tokens`.
    CountTokens,
    /// OpenAI's Responses API (`/v1/responses`).
    Responses,
    /// `/v1/images/generations`.
    Images,
    /// `/v1/audio/transcriptions` and `/v1/audio/translations` (multipart uploads).
    Transcriptions,
    Translations,
    /// `/v1/audio/speech` (audio bytes back).
    Speech,
    Moderations,
    /// The Cohere/Jina rerank API that vLLM and Infinity serve (`/v1/rerank`).
    Rerank,
}

/// The wire format a client or a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenAi,
    Anthropic,
    /// Google's Gemini API (providers only: no client speaks it to the gateway).
    Gemini,
    /// OpenAI's Responses API: spoken by OpenAI's own API and Azure's (see
    /// `router::Deployment::dialect_for`), bridged through the internal form elsewhere.
    Responses,
}

impl Dialect {
    /// The endpoint that carries a conversation in this dialect.
    pub fn conversation_endpoint(self) -> Endpoint {
        match self {
            Dialect::OpenAi | Dialect::Gemini => Endpoint::Chat,
            Dialect::Anthropic => Endpoint::Messages,
            Dialect::Responses => Endpoint::Responses,
        }
    }
}

/// One upstream call, in the provider's terms.
pub struct Call<'a> {
    /// What is asked of the provider (a translated request names the provider's own
    /// conversation endpoint, see [`Dialect::conversation_endpoint`]).
    pub endpoint: Endpoint,
    /// The model name the upstream knows.
    pub model: &'a str,
    pub stream: bool,
    pub body: Bytes,
    /// The client's headers a provider's API defines (Anthropic's version and betas).
    pub client: &'a Forwarded,
}

/// The client headers an upstream may be given: `anthropic-version` and every
/// `anthropic-beta`, as the client sent them. Kept as the header values themselves (no
/// header map, no re-validation): Claude Code sends them on every request.
#[derive(Debug, Default, Clone)]
pub struct Forwarded {
    pub version: Option<HeaderValue>,
    pub betas: Vec<HeaderValue>,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "chat/completions",
            Endpoint::Completions => "completions",
            Endpoint::Embeddings => "embeddings",
            Endpoint::Messages => "messages",
            Endpoint::CountTokens => "messages/count_tokens",
            Endpoint::Responses => "responses",
            Endpoint::Images => "images/generations",
            Endpoint::Transcriptions => "audio/transcriptions",
            Endpoint::Translations => "audio/translations",
            Endpoint::Speech => "audio/speech",
            Endpoint::Moderations => "moderations",
            Endpoint::Rerank => "rerank",
        }
    }

    /// LiteLLM's `call_type` in spend logs.
    pub fn call_type(self) -> &'static str {
        match self {
            Endpoint::Chat => "acompletion",
            Endpoint::Completions => "atext_completion",
            Endpoint::Embeddings => "aembedding",
            Endpoint::Messages => "anthropic_messages",
            Endpoint::CountTokens => "count_tokens",
            Endpoint::Responses => "aresponses",
            Endpoint::Images => "aimage_generation",
            // LiteLLM has one call type for both audio routes.
            Endpoint::Transcriptions | Endpoint::Translations => "atranscription",
            Endpoint::Speech => "aspeech",
            Endpoint::Moderations => "amoderation",
            Endpoint::Rerank => "arerank",
        }
    }

    /// Whether the endpoint carries a conversation, which any provider can take translated.
    pub fn is_conversation(self) -> bool {
        matches!(self, Endpoint::Chat | Endpoint::Messages | Endpoint::Responses)
    }

    /// The modes (LiteLLM's `model_info.mode`) of the models an endpoint of the media
    /// surface may use; `None` for the conversation, completion and embedding endpoints,
    /// whose models are not checked so.
    pub fn modes(self) -> Option<&'static [&'static str]> {
        match self {
            Endpoint::Images => Some(&["image_generation"]),
            Endpoint::Transcriptions | Endpoint::Translations => Some(&["audio_transcription"]),
            Endpoint::Speech => Some(&["audio_speech"]),
            Endpoint::Moderations => Some(&["moderation"]),
            Endpoint::Rerank => Some(&["rerank"]),
            Endpoint::Chat
            | Endpoint::Completions
            | Endpoint::Embeddings
            | Endpoint::Messages
            | Endpoint::CountTokens
            | Endpoint::Responses => None,
        }
    }

    /// The dialect of the endpoint's requests, answers and errors.
    pub fn dialect(self) -> Dialect {
        match self {
            Endpoint::Chat
            | Endpoint::Completions
            | Endpoint::Embeddings
            | Endpoint::Images
            | Endpoint::Transcriptions
            | Endpoint::Translations
            | Endpoint::Speech
            | Endpoint::Moderations
            | Endpoint::Rerank => Dialect::OpenAi,
            Endpoint::Messages | Endpoint::CountTokens => Dialect::Anthropic,
            Endpoint::Responses => Dialect::Responses,
        }
    }
}

pub trait Provider: Send + Sync {
    /// The provider's name in spend logs (`custom_llm_provider`).
    fn name(&self) -> &'static str;

    /// The dialect the provider's API speaks.
    fn dialect(&self) -> Dialect {
        Dialect::OpenAi
    }

    /// The upstream request for a call whose body is in the provider's dialect already.
    /// An error names what is wrong with the deployment or the call.
    fn request(&self, deployment: &Deployment, call: Call<'_>) -> Result<Request, String>;
}

/// The adapter for `litellm_params.model` and the model name it sends upstream.
pub fn for_model(model: &str) -> (&'static dyn Provider, String) {
    match model.split_once('/') {
        Some(("anthropic", rest)) => (&anthropic::Anthropic, rest.to_string()),
        Some(("azure", rest)) => (&azure::Azure, rest.to_string()),
        Some(("gemini", rest)) => (&gemini::Gemini, rest.to_string()),
        Some(("openai" | "hosted_vllm" | "openai_compatible" | "ollama_chat" | "lm_studio", rest)) => {
            (&openai::OpenAi, rest.to_string())
        }
        // Any other prefix (groq/, together_ai/, openrouter/ ...) names an OpenAI-compatible
        // server reached through `api_base`; the whole name goes upstream.
        Some(_) => (&openai::OpenAi, model.to_string()),
        None => (&openai::OpenAi, model.to_string()),
    }
}

/// A JSON POST to `url` with the credential header, if any.
fn post(url: &str, credential: Option<(HeaderName, String)>, body: Bytes) -> Result<Request, String> {
    let credential = match credential {
        Some((name, value)) => Some((name, owned_credential_value(value)?)),
        None => None,
    };
    post_with(url, credential.into_iter(), body)
}

/// A credential as a header value; one that cannot be sent is a configuration error.
fn credential_value(value: &str) -> Result<HeaderValue, String> {
    HeaderValue::from_str(value).map_err(|_| unsendable())
}

/// The same for a value already made for this request (taken without a copy).
fn owned_credential_value(value: String) -> Result<HeaderValue, String> {
    HeaderValue::try_from(value).map_err(|_| unsendable())
}

fn unsendable() -> String {
    "the deployment's key cannot be sent in a header (control characters?)".to_string()
}

/// A JSON POST to `url` with these headers.
fn post_with(
    url: &str,
    headers: impl Iterator<Item = (HeaderName, HeaderValue)>,
    body: Bytes,
) -> Result<Request, String> {
    let mut request = http::Request::post(url).header(CONTENT_TYPE, "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.body(Full::new(body)).map_err(|e| format!("the upstream request to {url} cannot be built: {e}"))
}

/// Joins a base URL and a path with exactly one slash.
fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}
