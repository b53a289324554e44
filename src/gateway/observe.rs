//! What the gateway tells `/metrics` (`crate::metrics`): each model request once, as it
//! ends — answered (tokens, cost, latencies), refused or failed (the status and class the
//! client saw) — and each failed upstream call. Labels come from the request's `Ctx`;
//! a requested model the proxy does not serve is `other`, so clients cannot make new
//! series at will.

use super::flow::Ctx;
use super::providers::{Dialect, Endpoint};
use super::router::Deployment;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::metrics::{Answer, DeploymentLabels, OTHER_MODEL, Who, exception_class};
use crate::spend::Usage;
use crate::state::AppState;
use axum::response::Response;
use std::time::Duration;

/// The `route` label of an endpoint.
pub fn route(endpoint: Endpoint) -> &'static str {
    match endpoint {
        Endpoint::Chat => "/v1/chat/completions",
        Endpoint::Completions => "/v1/completions",
        Endpoint::Embeddings => "/v1/embeddings",
        Endpoint::Messages => "/v1/messages",
        Endpoint::CountTokens => "/v1/messages/count_tokens",
        Endpoint::Responses => "/v1/responses",
        Endpoint::Images => "/v1/images/generations",
        Endpoint::Transcriptions => "/v1/audio/transcriptions",
        Endpoint::Translations => "/v1/audio/translations",
        Endpoint::Speech => "/v1/audio/speech",
        Endpoint::Moderations => "/v1/moderations",
        Endpoint::Rerank => "/v1/rerank",
    }
}

fn deployment_labels(deployment: &Deployment) -> DeploymentLabels<'_> {
    DeploymentLabels {
        model_id: &deployment.id,
        litellm_model_name: &deployment.litellm_model,
        api_provider: deployment.provider.name(),
        api_base: deployment.api_base.as_ref(),
    }
}

/// The status and error type a client of `dialect` sees for a refusal the gateway made
/// (its `ApiError`), else the response's status.
pub fn seen(response: &Response, dialect: Dialect) -> (u16, &'static str) {
    match response.extensions().get::<ApiError>() {
        Some(error) => match dialect {
            Dialect::OpenAi | Dialect::Gemini | Dialect::Responses => (error.status().as_u16(), error.error_type()),
            Dialect::Anthropic => {
                let (status, kind) = error.anthropic_parts();
                (status.as_u16(), kind)
            }
        },
        None => (response.status().as_u16(), ""),
    }
}

/// A model request refused before its model was known (no or a bad key, an unreadable
/// body, a full disk): counted with the caller's labels, if any.
pub fn refused(state: &AppState, caller: Option<&Caller>, endpoint: Endpoint, response: Response) -> Response {
    if !state.metrics.enabled() {
        return response;
    }
    let (status, kind) = seen(&response, endpoint.dialect());
    let key = caller.and_then(Caller::key);
    let who = Who {
        route: route(endpoint),
        key_hash: caller.map_or("", Caller::api_key_hash),
        key_alias: key.and_then(|k| k.key_alias.as_deref()).unwrap_or(""),
        team: key.and_then(|k| k.team_id.as_deref()).unwrap_or(""),
        user: caller.and_then(|c| c.user_id.as_deref()).unwrap_or(""),
        ..Who::default()
    };
    state.metrics.failed(&who, status, &exception_class(status, kind, None));
    response
}

impl Ctx {
    /// The request's labels; `deployment` and `model` (sent upstream) once known.
    pub fn who<'a>(&'a self, deployment: Option<&'a Deployment>, model: &'a str) -> Who<'a> {
        Who {
            route: route(self.endpoint),
            key_hash: &self.api_key,
            key_alias: self.key_alias.as_deref().unwrap_or(""),
            team: self.team_id.as_deref().unwrap_or(""),
            user: self.user.as_deref().unwrap_or(""),
            requested_model: if self.routed { &self.requested_model } else { OTHER_MODEL },
            model_group: if self.routed { &self.group } else { OTHER_MODEL },
            model: if self.routed { model } else { "" },
            deployment: deployment.map(deployment_labels),
        }
    }

    /// An answered request. `api`: the upstream call's time; `first_token`: a stream's.
    pub fn count_answer(
        &self,
        deployment: Option<&Deployment>,
        model: &str,
        (usage, cost): (Usage, f64),
        api: Option<Duration>,
        first_token: Option<Duration>,
    ) {
        let answer = Answer {
            input_tokens: usage.prompt(),
            output_tokens: usage.output,
            cost,
            total: self.arrived.elapsed(),
            api,
            first_token,
        };
        self.state.metrics.answered(&self.who(deployment, model), &answer);
        if let Some(deployment) = deployment {
            self.state.alerts.answered(&deployment.id);
            if let Some(took) = api.filter(|took| self.state.alerts.is_slow(*took)) {
                self.slow(deployment, model, took);
            }
        }
    }

    /// The answer took longer than `alerting_threshold` (rare: allocating is fine here).
    #[cold]
    fn slow(&self, deployment: &Deployment, model: &str, took: Duration) {
        let team_alias =
            self.team_id.as_deref().and_then(|id| self.state.teams.get(id)).and_then(|t| t.team_alias.clone());
        let call = crate::alerts::SlowCall {
            model: model.to_string(),
            key_alias: self.key_alias.clone(),
            team_alias,
            seconds: took.as_secs_f64(),
        };
        self.state.alerts.slow(&deployment.id, call);
    }

    /// A request answered with an error: `status` and `kind` as the client saw them;
    /// `upstream` when the deployment's answer was the error.
    pub fn count_failure(
        &self,
        deployment: Option<&Deployment>,
        model: &str,
        (status, kind): (u16, &str),
        upstream: bool,
    ) {
        if !self.state.metrics.enabled() {
            return;
        }
        let provider = deployment.filter(|_| upstream).map(|d| d.provider.name());
        self.state.metrics.failed(&self.who(deployment, model), status, &exception_class(status, kind, provider));
    }

    /// A failed upstream call (each attempt counts); `cooled` when it sent the deployment
    /// into cooldown.
    pub fn count_deployment_failure(&self, deployment: &Deployment, model: &str, status: u16, cooled: bool) {
        if self.state.metrics.enabled() {
            let class = exception_class(status, "", Some(deployment.provider.name()));
            self.state.metrics.deployment_failed(&self.who(Some(deployment), model), status, &class, cooled);
        }
        self.state.alerts.failed(&deployment.id, status, cooled);
    }
}
