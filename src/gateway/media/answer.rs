//! The answer of a media route. Images, transcriptions, moderations and rerank come back
//! whole: read, priced from what they say (`cost`), charged, then relayed as they came
//! (with their content type: a transcription may be plain text, SRT or VTT). Speech is
//! priced from the request alone, so its row is committed first and the audio is streamed
//! back as it arrives, holding the request's rate-limit slots until the last byte.

use super::cost::{self, Prices};
use crate::error::ApiError;
use crate::gateway::admission::rate_headers;
use crate::gateway::dispatch::Upstream;
use crate::gateway::failure;
use crate::gateway::flow::Ctx;
use crate::gateway::providers::Endpoint;
use crate::gateway::request::ModelRequest;
use crate::gateway::respond::spend_headers;
use crate::gateway::router::Deployment;
use crate::gateway::upstream::{self, SendError};
use crate::limits::Admission;
use crate::spend::Usage;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde_json::Value;

pub async fn complete(
    ctx: Ctx,
    admission: Admission,
    upstream: Upstream,
    request: &ModelRequest,
) -> Result<Response, Response> {
    let prices = Prices::of(&ctx.state, &upstream.deployment, &upstream.upstream_model, request);
    cost::warn_if_unpriced(&ctx.state.router().prices, &prices, request.endpoint, &upstream.deployment.litellm_model);
    if request.endpoint == Endpoint::Speech {
        return speech(ctx, admission, upstream, request, &prices).await;
    }
    whole(ctx, admission, upstream, request, &prices, None).await
}

/// An answer read whole, then charged and relayed. `file_seconds` is an upload's length
/// read from the file, for answers that do not state it.
pub async fn whole(
    ctx: Ctx,
    admission: Admission,
    upstream: Upstream,
    request: &ModelRequest,
    prices: &Prices,
    file_seconds: Option<f64>,
) -> Result<Response, Response> {
    let content_type = upstream.response.headers().get(header::CONTENT_TYPE).cloned();
    let body = match upstream::read_body(upstream.response, upstream.deadline).await {
        Ok(body) => body,
        Err(error) => return Err(broken(&ctx, &upstream.deployment, &upstream.upstream_model, &error).await),
    };
    let answer: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let model = &upstream.upstream_model;
    let (usage, cost) = cost::of_answer(prices, model, request, &answer, file_seconds);
    let sent = upstream.sent.elapsed();
    let mut response = (StatusCode::OK, body).into_response();
    let content_type = content_type.unwrap_or_else(|| HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    charge(ctx, admission, &upstream.deployment, model, (usage, cost), sent, response).await
}

/// Speech: the row first (its cost is the request's), then the audio as it comes.
async fn speech(
    ctx: Ctx,
    admission: Admission,
    upstream: Upstream,
    request: &ModelRequest,
    prices: &Prices,
) -> Result<Response, Response> {
    let model = upstream.upstream_model.clone();
    let (usage, cost) = cost::of_answer(prices, &model, request, &Value::Null, None);
    let content_type = upstream
        .response
        .headers()
        .get(header::CONTENT_TYPE)
        .cloned()
        .unwrap_or(HeaderValue::from_static("audio/mpeg"));
    let deployment = upstream.deployment.clone();
    let sent = upstream.sent.elapsed();
    let Upstream { response: audio, _in_flight: in_flight, .. } = upstream;
    // The placeholder body is replaced by the audio once the row is committed.
    let mut response = (StatusCode::OK, Body::empty()).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, content_type);
    let mut response = charge(ctx, admission, &deployment, &model, (usage, cost), sent, response).await?;
    // The deployment counts as busy until the audio is through.
    let stream = upstream::data_stream(audio).map(move |chunk| {
        let _busy = &in_flight;
        chunk
    });
    *response.body_mut() = Body::from_stream(stream);
    Ok(response)
}

/// Counts, commits the row, frees the slots and puts the spend and rate headers on `response`.
async fn charge(
    ctx: Ctx,
    mut admission: Admission,
    deployment: &Deployment,
    model: &str,
    (usage, cost): (Usage, f64),
    sent: std::time::Duration,
    mut response: Response,
) -> Result<Response, Response> {
    let row = ctx.row(Some(deployment), model, usage, cost);
    // Counted before the commit is awaited, as in `respond::complete`.
    ctx.count_answer(Some(deployment), model, (usage, cost), Some(sent), None);
    let committed = ctx
        .state
        .ledger
        .commit(&ctx.state, row, Some(admission.reservation.clone()))
        .await
        .map_err(IntoResponse::into_response)?;
    admission.release_slots();
    spend_headers(&mut response, cost, committed, &deployment.id);
    rate_headers(response.headers_mut(), &admission.remaining);
    ctx.answer_headers(response.headers_mut());
    Ok(response)
}

/// The failure of an answer that broke off: counted, logged with its row, answered.
pub async fn broken(ctx: &Ctx, deployment: &Deployment, model: &str, error: &SendError) -> Response {
    let cooled = ctx.state.router().record_failure(deployment);
    let status = if matches!(error, SendError::TimedOut) { 408 } else { 502 };
    ctx.count_deployment_failure(deployment, model, status, cooled);
    let message = format!("The upstream answer of model {} broke off: {error}", ctx.group);
    failure::logged(ctx, ApiError::Upstream { status, message }.into_response(), Some(deployment), model).await
}
