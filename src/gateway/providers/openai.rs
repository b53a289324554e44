//! OpenAI and every OpenAI-compatible server (vLLM, Ollama, LM Studio, Groq, Together,
//! OpenRouter, ...): `{api_base}/chat/completions` with a Bearer key.

use super::{Endpoint, Provider, join};
use crate::gateway::router::Deployment;
use bytes::Bytes;

const DEFAULT_BASE: &str = "https://api.openai.com/v1";

pub struct OpenAi;

impl Provider for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn request(
        &self,
        client: &reqwest::Client,
        deployment: &Deployment,
        _upstream_model: &str,
        endpoint: Endpoint,
        body: Bytes,
    ) -> reqwest::RequestBuilder {
        let base = deployment.api_base.as_deref().unwrap_or(DEFAULT_BASE);
        let mut request = client
            .post(join(base, endpoint.path()))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = &deployment.api_key {
            request = request.bearer_auth(key);
        }
        request
    }
}
