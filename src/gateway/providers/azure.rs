//! Azure OpenAI: the deployment is in the URL
//! (`{api_base}/openai/deployments/{deployment}/chat/completions?api-version=...`) and the
//! key goes in the `api-key` header. The Responses API is the resource's
//! (`{api_base}/openai/responses?api-version=...`, the deployment named as `model`).

use super::{Call, Endpoint, Provider, join, post};
use crate::config::ApiBase;
use crate::gateway::router::Deployment;
use crate::gateway::upstream::Request;
use http::header::HeaderName;

pub struct Azure;

impl Provider for Azure {
    fn name(&self) -> &'static str {
        "azure"
    }

    fn request(&self, deployment: &Deployment, call: Call<'_>) -> Result<Request, String> {
        // Validation requires api_base and api_version for azure/ models.
        let base = deployment.api_base.as_ref().map(ApiBase::request_url).unwrap_or_default();
        let version: String =
            form_urlencoded::byte_serialize(deployment.api_version.as_deref().unwrap_or_default().as_bytes()).collect();
        let url = match call.endpoint {
            // The Responses API is per resource: the deployment is the body's `model`.
            Endpoint::Responses => join(&base, &format!("openai/responses?api-version={version}")),
            _ => join(
                &base,
                &format!("openai/deployments/{}/{}?api-version={version}", call.model, call.endpoint.path()),
            ),
        };
        let credential = deployment.api_key.as_ref().map(|key| (HeaderName::from_static("api-key"), key.clone()));
        post(&url, credential, call.body)
    }
}
