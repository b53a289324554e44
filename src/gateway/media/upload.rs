//! The audio routes' uploads (`/v1/audio/transcriptions`, `/v1/audio/translations`): the
//! multipart body is read only as far as its head (`multipart`: the form fields and the
//! file's first bytes), the request goes through the one path (`flow::run_parsed`) on
//! those fields, and the upload is then relayed to the upstream as it arrives, the head
//! first with `model` rewritten to the upstream's name. The body limit
//! (`max_audio_request_size_mb`) holds while it streams: a declared length over it is
//! refused at once, and a body that grows past it breaks the upstream request, answered
//! 413. An upload is sent once: there is no retry on another deployment, since its bytes
//! are gone.

use super::answer;
use super::cost::Prices;
use super::multipart::{self, FILE_HEAD, Scan};
use crate::error::ApiError;
use crate::gateway::dispatch::{InFlight, Upstream, passthrough};
use crate::gateway::failure;
use crate::gateway::flow::Ctx;
use crate::gateway::providers::{Call, Endpoint};
use crate::gateway::request::ModelRequest;
use crate::gateway::router::Route;
use crate::gateway::upstream::{self, SendError, StreamingBody};
use crate::limits::Admission;
use crate::state::AppState;
use axum::body::{Body, BodyDataStream};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::time::Instant;

/// An upload whose head is read and whose rest is still arriving.
pub struct Upload {
    head: Vec<u8>,
    model: Range<usize>,
    rest: BodyDataStream,
    content_type: HeaderValue,
    /// The client's `Content-Length`, when it sent one.
    length: Option<u64>,
    /// Bytes the gateway put in the head (a `model` part Azure's route names): sent on,
    /// not counted against the limit.
    added: usize,
    limit: usize,
    /// The audio's length read from a WAV file's header.
    pub file_seconds: Option<f64>,
}

/// The largest upload, in bytes.
pub fn limit(state: &AppState) -> usize {
    state.config.settings.general_settings.max_audio_request_size_mb as usize * 1024 * 1024
}

fn too_large(limit: usize) -> ApiError {
    ApiError::PayloadTooLarge(format!(
        "The upload is larger than {limit} bytes (general_settings.max_audio_request_size_mb)."
    ))
}

/// Reads the upload's head: the request (its form fields) and the upload to relay.
/// `deployment` is the model named by Azure's route: it replaces the form's `model`, or
/// is added to a form without one (Azure's own API takes none).
pub async fn read(
    state: &AppState,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: Body,
    deployment: Option<&str>,
) -> Result<(ModelRequest, Upload), ApiError> {
    let limit = limit(state);
    let length = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if length.is_some_and(|length| length > limit as u64) {
        return Err(too_large(limit));
    }
    let content_type = headers.get(CONTENT_TYPE).cloned().unwrap_or(HeaderValue::from_static(""));
    let Some(boundary) = content_type.to_str().ok().and_then(multipart::boundary) else {
        return Err(ApiError::bad_request(format!(
            "/v1/{} takes a multipart/form-data upload (fields `model` and `file`).",
            endpoint.path()
        )));
    };
    let mut rest = body.into_data_stream();
    let mut buffer = Vec::new();
    let head = loop {
        let chunk = rest.next().await;
        let ended = chunk.is_none();
        if let Some(chunk) = chunk {
            let chunk = chunk.map_err(|e| ApiError::bad_request(format!("The upload could not be read: {e}")))?;
            buffer.extend_from_slice(&chunk);
            if buffer.len() > limit {
                return Err(too_large(limit));
            }
        }
        match multipart::scan(&buffer, &boundary, ended).map_err(ApiError::bad_request)? {
            Scan::Ready(head) => break head,
            Scan::More => {}
        }
    };
    if head.file.is_none() {
        return Err(ApiError::field("file", "`file` is required: the audio to transcribe."));
    }
    let file_seconds = head.file.and_then(|at| multipart::wav_seconds(&buffer[at..buffer.len().min(at + FILE_HEAD)]));
    let size = length.map_or(buffer.len(), |l| l as usize);
    let mut fields = head.fields;
    let (model, name, added) = match (head.model, deployment) {
        (Some(model), Some(path)) => (model, path.to_string(), 0),
        (Some(model), None) => {
            let name = fields.get("model").and_then(|v| v.as_str()).map(str::trim).unwrap_or_default().to_string();
            (model, name, 0)
        }
        (None, Some(path)) => {
            let part = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\n");
            let model = part.len()..part.len() + path.len();
            let added = format!("{part}{path}\r\n").into_bytes();
            let count = added.len();
            buffer.splice(0..0, added);
            (model, path.to_string(), count)
        }
        (None, None) => (0..0, String::new(), 0),
    };
    if name.is_empty() {
        return Err(ApiError::field("model", "`model` is required: a form field naming the model."));
    }
    fields.insert("model".into(), name.clone().into());
    let length = length.map(|l| l + added as u64);
    let request = ModelRequest::from_fields(endpoint, fields, name, size);
    let upload = Upload { head: buffer, model, rest, content_type, length, added, limit, file_seconds };
    Ok((request, upload))
}

/// Sends the upload to a deployment of `route` and answers.
pub async fn relay(
    ctx: Ctx,
    admission: Admission,
    route: &Route,
    request: &ModelRequest,
    upload: Upload,
) -> Result<Response, Response> {
    let state = ctx.state.clone();
    let Some(index) = state.router().pick(route, &[]) else {
        let seconds = state.router().cooldown_left(route);
        let error = ApiError::RateLimited {
            message: format!(
                "No deployments available for selected model, Try again in {seconds} seconds. Passed model={}. All deployments are cooling down after failures.",
                route.group
            ),
            retry_after: seconds,
        };
        return Err(failure::logged(&ctx, error.into_response(), None, &request.model).await);
    };
    let deployment = route.deployments[index].clone();
    let model = deployment.upstream_model_for(route);
    let file_seconds = upload.file_seconds;
    let (outgoing, over) = match build(&deployment, request.endpoint, &model, upload) {
        Ok(built) => built,
        Err(message) => {
            let response = ApiError::Upstream { status: 500, message }.into_response();
            return Err(failure::logged(&ctx, response, Some(&deployment), &model).await);
        }
    };
    let in_flight = InFlight::start(&state, &deployment);
    let deadline = Some(Instant::now() + request.timeout.unwrap_or(deployment.timeout));
    let sent = std::time::Instant::now();
    let response = match state.http.streaming().send(outgoing, deadline).await {
        Ok(response) => response,
        Err(_) if over.load(Ordering::Acquire) => {
            let response = too_large(limit(&state)).into_response();
            return Err(failure::logged(&ctx, response, Some(&deployment), &model).await);
        }
        Err(error) => {
            let cooled = state.router().record_failure(&deployment);
            let status = if matches!(error, SendError::TimedOut) { 408 } else { 500 };
            ctx.count_deployment_failure(&deployment, &model, status, cooled);
            tracing::warn!(deployment = %deployment.id, error = %error, "upload to the upstream failed");
            let message =
                format!("The upstream of model {} failed: {error} (deployment {}).", route.group, deployment.id);
            let response = ApiError::Upstream { status, message }.into_response();
            return Err(failure::logged(&ctx, response, Some(&deployment), &model).await);
        }
    };
    if !response.status().is_success() {
        let status = response.status().as_u16();
        let body = upstream::read_error(response, deadline, &state.router().redactor).await;
        let cooled = status >= 500 && state.router().record_failure(&deployment);
        ctx.count_deployment_failure(&deployment, &model, status, cooled);
        return Err(failure::logged(&ctx, passthrough(status, &body), Some(&deployment), &model).await);
    }
    let prices = Prices::of(&state, &deployment, &model, request);
    super::cost::warn_if_unpriced(&state.router().prices, &prices, request.endpoint, &deployment.litellm_model);
    let upstream = Upstream {
        response,
        deadline,
        deployment,
        upstream_model: model,
        translated: false,
        retries: 0,
        sent,
        _in_flight: in_flight,
    };
    answer::whole(ctx, admission, upstream, request, &prices, file_seconds).await
}

/// The upstream request: the provider's URL and credential around the upload, its head's
/// `model` rewritten. The flag turns true when the body outgrew the limit on its way.
fn build(
    deployment: &crate::gateway::router::Deployment,
    endpoint: Endpoint,
    model: &str,
    upload: Upload,
) -> Result<(http::Request<StreamingBody>, Arc<AtomicBool>), String> {
    let call = Call { endpoint, model, stream: false, body: Bytes::new(), client: &Default::default() };
    let (mut parts, _) = deployment.provider.request(deployment, call)?.into_parts();
    let Upload { mut head, model: range, rest, content_type, length, added, limit, .. } = upload;
    let old = range.len();
    head.splice(range, model.bytes());
    parts.headers.insert(CONTENT_TYPE, content_type);
    parts.headers.remove(CONTENT_LENGTH);
    if let Some(length) = length {
        let length = (length + model.len() as u64).saturating_sub(old as u64);
        parts.headers.insert(CONTENT_LENGTH, HeaderValue::from(length));
    }
    let over = Arc::new(AtomicBool::new(false));
    let flag = over.clone();
    // Counted as the client sent it (the head's original size, then each chunk).
    let mut seen = head.len() + old - model.len() - added;
    let rest = rest.map(move |chunk| {
        let chunk = chunk.map_err(axum::BoxError::from)?;
        seen += chunk.len();
        if seen > limit {
            flag.store(true, Ordering::Release);
            return Err(axum::BoxError::from("the upload outgrew the body limit"));
        }
        Ok(Frame::data(chunk))
    });
    let first = futures_util::stream::once(async move { Ok::<_, axum::BoxError>(Frame::data(Bytes::from(head))) });
    let body = StreamBody::new(first.chain(rest)).boxed_unsync();
    Ok((http::Request::from_parts(parts, body), over))
}
