//! Whether a model may serve a media route: every deployment of its group must be of the
//! route's kind. The kind is the deployment's `model_info.mode`, else the price table's mode
//! of its model (LiteLLM's modes); a deployment whose kind nobody states is tried (a
//! self-hosted whisper or reranker has no table entry). Providers other than
//! OpenAI-compatible ones are refused before this (`flow::untranslated`).

use super::super::router::Route;
use crate::error::ApiError;
use crate::gateway::providers::Endpoint;
use crate::state::AppState;

pub fn check(state: &AppState, route: &Route, endpoint: Endpoint, modes: &[&str]) -> Result<(), ApiError> {
    let router = state.router();
    for deployment in route.deployments.iter() {
        let model = deployment.upstream_model_for(route);
        if let Some(mode) = deployment.mode_in(&router.prices, &model)
            && !modes.contains(&mode)
        {
            return Err(ApiError::bad_request(format!(
                "Model {} is a `{mode}` model ({}), which cannot serve /v1/{}: use a model of mode `{}`.",
                route.group,
                deployment.litellm_model,
                endpoint.path(),
                modes.join("` or `"),
            )));
        }
    }
    Ok(())
}
