//! Which deployments take `/v1/responses` requests as they are. OpenAI's own API and
//! Azure's have the Responses API, so their requests (and `previous_response_id`, which
//! OpenAI resolves itself) are relayed untouched and only the usage is read. Every other
//! OpenAI-compatible server is assumed to have only chat completions, and Anthropic and
//! Gemini have their own APIs: those get the request translated through the internal form.
//! `model_info.supports_responses_api` says otherwise for one deployment (a vLLM that
//! serves `/v1/responses`, a proxy in front of OpenAI), and LiteLLM's
//! `litellm_params.use_chat_completions_api` forces the translation.

use crate::config::ModelEntry;
use crate::gateway::providers::{Dialect, Provider};

const OPENAI_HOST: &str = "api.openai.com";

/// Whether the deployment configured by `entry` (reached through `provider`) has the
/// Responses API.
pub fn has_responses_api(provider: &dyn Provider, entry: &ModelEntry) -> bool {
    if provider.dialect() != Dialect::OpenAi || entry.litellm_params.use_chat_completions_api == Some(true) {
        return false;
    }
    if let Some(said) = entry.model_info.supports_responses_api {
        return said;
    }
    match provider.name() {
        "azure" => true,
        "openai" => {
            let model = &entry.litellm_params.model;
            let openai_named = model.starts_with("openai/") || !model.contains('/');
            let base = entry.litellm_params.api_base.as_ref().map(|b| b.request_url());
            openai_named && base.is_none_or(|base| host_of(&base) == OPENAI_HOST)
        }
        _ => false,
    }
}

/// The host of a URL (without port or user info).
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit_once('@').map_or(authority, |(_, host)| host);
    host.split(':').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ApiBase, ModelInfo, ModelParams};
    use crate::gateway::providers::for_model;

    fn relays(model: &str, base: Option<&str>, flag: Option<bool>, chat_only: Option<bool>) -> bool {
        let entry = ModelEntry {
            model_name: "m".into(),
            litellm_params: ModelParams {
                model: model.into(),
                api_base: base.map(ApiBase::new),
                use_chat_completions_api: chat_only,
                ..Default::default()
            },
            model_info: ModelInfo { supports_responses_api: flag, ..Default::default() },
        };
        has_responses_api(for_model(model).0, &entry)
    }

    #[test]
    fn openai_and_azure_relay_the_rest_is_translated_unless_configured() {
        assert!(relays("openai/gpt-5", None, None, None));
        assert!(relays("gpt-5", None, None, None));
        assert!(relays("openai/gpt-5", Some("https://api.openai.com/v1"), None, None));
        assert!(relays("azure/my-deployment", Some("https://x.openai.azure.com"), None, None));
        assert!(!relays("openai/llama", Some("http://localhost:8000/v1"), None, None));
        assert!(!relays("hosted_vllm/llama", None, None, None));
        assert!(!relays("groq/llama-3", None, None, None));
        assert!(!relays("anthropic/claude-sonnet-4-5", None, Some(true), None));
        assert!(!relays("gemini/gemini-2.5-pro", None, None, None));
        assert!(relays("hosted_vllm/gpt-oss", Some("http://localhost:8000/v1"), Some(true), None));
        assert!(!relays("openai/gpt-5", None, Some(false), None));
        assert!(!relays("openai/gpt-5", None, None, Some(true)));
        assert!(!relays("openai/gpt-5", Some("https://api.openai.com.evil.example/v1"), None, None));
    }
}
