//! OpenAI and every OpenAI-compatible server (vLLM, Ollama, LM Studio, Groq, Together,
//! OpenRouter, ...): `{api_base}/chat/completions` with a Bearer key.

use super::{Call, Provider, join, post};
use crate::config::ApiBase;
use crate::gateway::router::Deployment;
use crate::gateway::upstream::Request;
use http::header::AUTHORIZATION;

const DEFAULT_BASE: &str = "https://api.openai.com/v1";

pub struct OpenAi;

impl Provider for OpenAi {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn request(&self, deployment: &Deployment, call: Call<'_>) -> Result<Request, String> {
        let base = deployment.api_base.as_ref().map_or_else(|| DEFAULT_BASE.to_string(), ApiBase::request_url);
        let credential = deployment.api_key.as_ref().map(|key| (AUTHORIZATION, format!("Bearer {key}")));
        post(&join(&base, call.endpoint.path()), credential, call.body)
    }
}
