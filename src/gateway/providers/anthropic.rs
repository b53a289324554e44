//! Anthropic's Messages API: `{api_base}/v1/messages` (and `/v1/messages/count_tokens`)
//! with the key in `x-api-key`. The client's `anthropic-version` goes along (Anthropic's
//! own default when it sent none) and so does every `anthropic-beta` value, unread: Claude
//! Code sends new beta flags before any gateway knows them, and refusing one would break it.

use super::{Call, Dialect, Endpoint, Provider, credential_value, join, post_with};
use crate::config::ApiBase;
use crate::gateway::router::Deployment;
use crate::gateway::upstream::Request;
use http::header::{HeaderName, HeaderValue};

const DEFAULT_BASE: &str = "https://api.anthropic.com";
/// The version sent when the client names none (the one Anthropic's documentation uses).
pub const DEFAULT_VERSION: &str = "2023-06-01";
const VERSION: HeaderName = HeaderName::from_static("anthropic-version");
const BETA: HeaderName = HeaderName::from_static("anthropic-beta");
const API_KEY: HeaderName = HeaderName::from_static("x-api-key");

pub struct Anthropic;

impl Provider for Anthropic {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Anthropic
    }

    fn request(&self, deployment: &Deployment, call: Call<'_>) -> Result<Request, String> {
        let (endpoint, body, client) = (call.endpoint, call.body, call.client);
        if endpoint.dialect() != Dialect::Anthropic {
            // The flow translates conversations to the Messages endpoint and refuses the rest.
            return Err(format!("the {} endpoint has no counterpart at Anthropic", endpoint.path()));
        }
        let base = deployment.api_base.as_ref().map_or_else(|| DEFAULT_BASE.to_string(), ApiBase::request_url);
        let url = join(&base, &url_path(&base, endpoint));
        let version =
            client.version.clone().filter(|v| !v.is_empty()).unwrap_or(HeaderValue::from_static(DEFAULT_VERSION));
        let betas = client.betas.iter().map(|v| (BETA, v.clone()));
        let key = deployment.api_key.as_deref().map(credential_value).transpose()?.map(|key| (API_KEY, key));
        post_with(&url, key.into_iter().chain([(VERSION, version)]).chain(betas), body)
    }
}

/// The path under `api_base`: a base that already ends in `/v1` is taken as it is.
fn url_path(base: &str, endpoint: Endpoint) -> String {
    if base.trim_end_matches('/').ends_with("/v1") {
        endpoint.path().to_string()
    } else {
        format!("v1/{}", endpoint.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_under_a_base_with_or_without_v1() {
        assert_eq!(
            join("https://api.anthropic.com", &url_path("https://api.anthropic.com", Endpoint::Messages)),
            "https://api.anthropic.com/v1/messages"
        );
        assert_eq!(
            join("http://h:1/v1/", &url_path("http://h:1/v1/", Endpoint::CountTokens)),
            "http://h:1/v1/messages/count_tokens"
        );
    }
}
