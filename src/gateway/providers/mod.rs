//! Provider adapters, one file each, behind one trait. An adapter builds the upstream
//! request from the client's body when the provider speaks the client's dialect (OpenAI
//! and every compatible server, Azure OpenAI for the OpenAI routes; Anthropic for
//! `/v1/messages`): they only differ in the URL and the headers. Translation between
//! dialects is not built yet, so a request whose dialect the deployment does not speak is
//! refused before it is admitted (see `flow`).

mod anthropic;
mod azure;
mod openai;

use super::router::Deployment;
use super::upstream::Request;
use bytes::Bytes;
use http::HeaderMap;
use http::header::{CONTENT_TYPE, HeaderName};
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
}

/// The wire format a client or a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    OpenAi,
    Anthropic,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "chat/completions",
            Endpoint::Completions => "completions",
            Endpoint::Embeddings => "embeddings",
            Endpoint::Messages => "messages",
            Endpoint::CountTokens => "messages/count_tokens",
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
        }
    }

    /// The dialect of the endpoint's requests, answers and errors.
    pub fn dialect(self) -> Dialect {
        match self {
            Endpoint::Chat | Endpoint::Completions | Endpoint::Embeddings => Dialect::OpenAi,
            Endpoint::Messages | Endpoint::CountTokens => Dialect::Anthropic,
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

    /// The upstream request for a body whose `model` is already the upstream model;
    /// `client` are the client's request headers (a provider forwards those its API
    /// defines, such as `anthropic-version`). An error names what is wrong with the
    /// deployment's URL.
    fn request(
        &self,
        deployment: &Deployment,
        upstream_model: &str,
        endpoint: Endpoint,
        body: Bytes,
        client: &HeaderMap,
    ) -> Result<Request, String>;
}

/// The adapter for `litellm_params.model` and the model name it sends upstream.
pub fn for_model(model: &str) -> (&'static dyn Provider, String) {
    match model.split_once('/') {
        Some(("anthropic", rest)) => (&anthropic::Anthropic, rest.to_string()),
        Some(("azure", rest)) => (&azure::Azure, rest.to_string()),
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
    post_with(url, credential.into_iter(), body)
}

/// A JSON POST to `url` with these headers.
fn post_with(url: &str, headers: impl Iterator<Item = (HeaderName, String)>, body: Bytes) -> Result<Request, String> {
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
