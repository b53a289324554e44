//! Sending a request upstream with retries: on a connect error, a timeout, a 429 or a 5xx
//! the request goes to another deployment of the group (the same one when it is alone),
//! up to `num_retries` more times — always before any byte went to the client. Other
//! upstream errors are passed through with their status and body, the upstream's
//! credentials taken out of it (`upstream::read_error`).

use super::flow::Ctx;
use super::providers::Call;
use super::request::ModelRequest;
use super::router::{Deployment, Route};
use super::upstream::{self, SendError};
use crate::error::ApiError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::time::Instant;

/// Counts a request in flight on a deployment (for least-busy, and for the hanging-call
/// alert) until dropped.
pub struct InFlight {
    deployment: Arc<Deployment>,
    _waiting: crate::alerts::Waiting,
}

impl InFlight {
    pub fn start(state: &crate::state::AppState, deployment: &Arc<Deployment>) -> Self {
        deployment.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight { deployment: deployment.clone(), _waiting: state.alerts.waiting(&deployment.id) }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.deployment.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

pub struct Upstream {
    pub response: upstream::Response,
    /// When a whole answer must have arrived (the deployment's `timeout`); streams have a
    /// per-chunk read timeout instead.
    pub deadline: Option<Instant>,
    pub deployment: Arc<Deployment>,
    pub upstream_model: String,
    /// The answer is in the provider's dialect, not the client's: it is translated back.
    pub translated: bool,
    /// Attempts before the one that answered.
    pub retries: u32,
    /// When the request that answered was sent, for the latency metrics.
    pub sent: std::time::Instant,
    pub _in_flight: InFlight,
}

/// An upstream error answer, passed to the client as it came (OpenAI's shape when the
/// upstream used it, else wrapped in it).
pub fn passthrough(status: u16, body: &[u8]) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    let is_error_json = serde_json::from_slice::<serde_json::Value>(body).is_ok_and(|v| v.get("error").is_some());
    if is_error_json {
        let mut response = (status, body.to_vec()).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return response;
    }
    let text = String::from_utf8_lossy(body);
    ApiError::Upstream { status: status.as_u16(), message: format!("upstream error: {}", text.trim()) }.into_response()
}

/// An upstream error answer for the client: as it came when the upstream speaks the
/// client's dialect, else its message in a typed error the client's dialect renders.
fn relayed_error(status: u16, body: &[u8], translated: bool) -> Response {
    if !translated {
        return passthrough(status, body);
    }
    let parsed: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
    let message = parsed
        .pointer("/error/message")
        .and_then(serde_json::Value::as_str)
        .map_or_else(|| String::from_utf8_lossy(body).trim().to_string(), str::to_string);
    ApiError::Upstream { status, message: format!("upstream error: {message}") }.into_response()
}

fn retryable(status: u16) -> bool {
    status == 429 || status >= 500
}

/// Sends the request; each failed attempt is counted in the metrics with `ctx`'s labels.
pub async fn send(ctx: &Ctx, route: &Route, request: &mut ModelRequest) -> Result<Upstream, Response> {
    let state = &ctx.state;
    let attempts = request.num_retries.unwrap_or(state.router().num_retries) + 1;
    let mut tried: Vec<usize> = Vec::new();
    let mut last: Option<Response> = None;
    for _ in 0..attempts {
        let Some(index) = state.router().pick(route, &tried) else { break };
        tried.push(index);
        let deployment = route.deployments[index].clone();
        let upstream_model = deployment.upstream_model_for(route);
        let dialect = deployment.dialect_for(request.endpoint.dialect());
        let translated = dialect != request.endpoint.dialect();
        let body = request.body_for(dialect, &upstream_model).map_err(IntoResponse::into_response)?;
        let in_flight = InFlight::start(state, &deployment);
        let call = Call {
            endpoint: if translated { dialect.conversation_endpoint() } else { request.endpoint },
            model: &upstream_model,
            stream: request.stream,
            body,
            client: &request.forwarded,
        };
        let outgoing = deployment
            .provider
            .request(&deployment, call)
            .map_err(|message| ApiError::Upstream { status: 500, message }.into_response())?;
        // A whole answer must come within the timeout; a stream only must start within its
        // `stream_timeout`, if it has one, and then runs as long as the upstream sends.
        let deadline = (!request.stream).then(|| Instant::now() + request.timeout.unwrap_or(deployment.timeout));
        let start_by = if request.stream { request.stream_timeout.map(|t| Instant::now() + t) } else { deadline };
        let sent = std::time::Instant::now();
        match state.http.get().send(outgoing, start_by).await {
            Ok(response) if response.status().is_success() => {
                return Ok(Upstream {
                    retries: tried.len() as u32 - 1,
                    response,
                    deadline,
                    deployment,
                    upstream_model,
                    translated,
                    sent,
                    _in_flight: in_flight,
                });
            }
            Ok(response) => {
                let status = response.status().as_u16();
                let body = upstream::read_error(response, deadline, &state.router().redactor).await;
                if !retryable(status) {
                    ctx.count_deployment_failure(&deployment, &upstream_model, status, false);
                    return Err(relayed_error(status, &body, translated));
                }
                let cooled = state.router().record_failure(&deployment);
                ctx.count_deployment_failure(&deployment, &upstream_model, status, cooled);
                tracing::warn!(deployment = %deployment.id, status, "upstream failed; retrying elsewhere if allowed");
                last = Some(relayed_error(status, &body, translated));
            }
            Err(error) => {
                let cooled = state.router().record_failure(&deployment);
                let (status, what) = match error {
                    SendError::TimedOut => (408, "timed out"),
                    SendError::Failed(_) => (500, "could not be reached"),
                };
                ctx.count_deployment_failure(&deployment, &upstream_model, status, cooled);
                tracing::warn!(deployment = %deployment.id, error = %error, "upstream {what}");
                last = Some(
                    ApiError::Upstream {
                        status,
                        message: format!(
                            "The upstream of model {} {what} (deployment {}).",
                            route.group, deployment.id
                        ),
                    }
                    .into_response(),
                );
            }
        }
    }
    Err(last.unwrap_or_else(|| {
        let seconds = state.router().cooldown_left(route);
        ApiError::RateLimited {
            message: format!(
                "No deployments available for selected model, Try again in {seconds} seconds. Passed model={}. All deployments are cooling down after failures.",
                route.group
            ),
            retry_after: seconds,
        }
        .into_response()
    }))
}
