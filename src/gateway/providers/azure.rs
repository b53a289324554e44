//! Azure OpenAI: the deployment is in the URL
//! (`{api_base}/openai/deployments/{deployment}/chat/completions?api-version=...`) and the
//! key goes in the `api-key` header.

use super::{Endpoint, Provider, join};
use crate::gateway::router::Deployment;
use bytes::Bytes;

pub struct Azure;

impl Provider for Azure {
    fn name(&self) -> &'static str {
        "azure"
    }

    fn request(
        &self,
        client: &reqwest::Client,
        deployment: &Deployment,
        upstream_model: &str,
        endpoint: Endpoint,
        body: Bytes,
    ) -> reqwest::RequestBuilder {
        // Validation requires api_base and api_version for azure/ models.
        let base = deployment.api_base.as_deref().unwrap_or_default();
        let url = join(base, &format!("openai/deployments/{upstream_model}/{}", endpoint.path()));
        let mut request = client
            .post(url)
            .query(&[("api-version", deployment.api_version.as_deref().unwrap_or_default())])
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(key) = &deployment.api_key {
            request = request.header("api-key", key);
        }
        request
    }
}
