//! Provider adapters, one file each, behind one trait. OpenAI-shaped providers (OpenAI and
//! every compatible server, Azure OpenAI) only differ in the URL and the credential
//! header, so an adapter builds the upstream request from the client's body. A translating
//! provider (Anthropic, Gemini) would also map the body and the answer; it would add those
//! steps to this trait with the OpenAI shape as their identity.

mod azure;
mod openai;

use super::router::Deployment;
use super::upstream::Request;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName};
use http_body_util::Full;

/// The OpenAI endpoints the gateway serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Chat,
    Completions,
    Embeddings,
}

impl Endpoint {
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Chat => "chat/completions",
            Endpoint::Completions => "completions",
            Endpoint::Embeddings => "embeddings",
        }
    }

    /// LiteLLM's `call_type` in spend logs.
    pub fn call_type(self) -> &'static str {
        match self {
            Endpoint::Chat => "acompletion",
            Endpoint::Completions => "atext_completion",
            Endpoint::Embeddings => "aembedding",
        }
    }
}

pub trait Provider: Send + Sync {
    /// The provider's name in spend logs (`custom_llm_provider`).
    fn name(&self) -> &'static str;

    /// The upstream request for a body whose `model` is already the upstream model; an
    /// error names what is wrong with the deployment's URL.
    fn request(
        &self,
        deployment: &Deployment,
        upstream_model: &str,
        endpoint: Endpoint,
        body: Bytes,
    ) -> Result<Request, String>;
}

/// The adapter for `litellm_params.model` and the model name it sends upstream.
pub fn for_model(model: &str) -> (&'static dyn Provider, String) {
    match model.split_once('/') {
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
    let mut request = http::Request::post(url).header(CONTENT_TYPE, "application/json");
    if let Some((name, value)) = credential {
        request = request.header(name, value);
    }
    request.body(Full::new(body)).map_err(|e| format!("the upstream request to {url} cannot be built: {e}"))
}

/// Joins a base URL and a path with exactly one slash.
fn join(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}
