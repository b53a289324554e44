//! The model routes served straight from the connection, past the router and its layers
//! (routing table, CSRF guard, trace span, request-id layers): every model request of
//! every user comes this way, and those layers cost a tenth of its CPU. What they do for
//! these routes is done here: the client's request id is echoed (else the spend row's
//! server-made id is), the caller is
//! the presented key, and the body is read up to `max_request_size_mb`. Refusals made here,
//! before the request's model is known, are counted in `/metrics` too. A request that
//! carries a cookie (the admin UI's session) takes the router's way, with its CSRF guard.

use super::providers::Endpoint;
use super::{flow, observe};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::server::{REQUEST_ID, client_request_id, new_request_id};
use crate::state::AppState;
use axum::response::{IntoResponse, Response};
use http::{HeaderValue, Method, Request, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Incoming};
use std::net::IpAddr;

/// The endpoint of a request this path serves, if it is one.
pub fn endpoint_of(request: &Request<Incoming>) -> Option<Endpoint> {
    if request.method() != Method::POST || request.headers().contains_key(header::COOKIE) {
        return None;
    }
    match request.uri().path() {
        "/v1/chat/completions" | "/chat/completions" => Some(Endpoint::Chat),
        "/v1/completions" | "/completions" => Some(Endpoint::Completions),
        "/v1/embeddings" | "/embeddings" => Some(Endpoint::Embeddings),
        // Claude Code adds `?beta=true`; the path alone decides.
        "/v1/messages" | "/messages" => Some(Endpoint::Messages),
        _ => None,
    }
}

/// A client's reachability probe (`HEAD /`, as Claude Code sends before it starts): it is
/// answered at once, without a key.
pub fn is_probe(request: &Request<Incoming>) -> bool {
    request.method() == Method::HEAD && request.uri().path() == "/"
}

/// Answers a model request; `peer` is the connection's address (failed key lookups are
/// limited per client address, as on the router's way).
pub async fn serve<B>(state: AppState, request: Request<B>, endpoint: Endpoint, peer: IpAddr) -> Response
where
    B: Body<Data = bytes::Bytes>,
    B::Error: Into<axum::BoxError>,
{
    let (parts, body) = request.into_parts();
    let ids = flow::RequestIds::new(client_request_id(&parts.headers).as_ref());
    let shown = HeaderValue::from_str(ids.shown()).unwrap_or_else(|_| new_request_id());
    let span = tracing::info_span!("request", method = "POST", path = %parts.uri.path(), request_id = ids.shown(), call_id = %ids.row);
    let response = tracing::Instrument::instrument(answer(state, parts, body, endpoint, ids, peer), span).await;
    let mut response = flow::in_dialect(endpoint, response);
    response.headers_mut().insert(REQUEST_ID, shown);
    response
}

async fn answer<B>(
    state: AppState,
    parts: http::request::Parts,
    body: B,
    endpoint: Endpoint,
    ids: flow::RequestIds,
    peer: IpAddr,
) -> Response
where
    B: Body<Data = bytes::Bytes>,
    B::Error: Into<axum::BoxError>,
{
    let caller = Caller::from_key(&state, &parts.headers, Some(peer)).unwrap_or_else(|| Err(Caller::no_key()));
    let caller = match caller {
        Ok(caller) => caller,
        Err(error) => return observe::refused(&state, None, endpoint, error.into_response()),
    };
    let limit = state.config.settings.general_settings.max_request_size_mb as usize * 1024 * 1024;
    let body = match Limited::new(body, limit).collect().await {
        Ok(body) => body.to_bytes(),
        Err(error) => {
            let error = if error.is::<http_body_util::LengthLimitError>() {
                ApiError::PayloadTooLarge(format!(
                    "The request body is larger than {limit} bytes (general_settings.max_request_size_mb)."
                ))
            } else {
                ApiError::bad_request(format!("The request body could not be read: {error}"))
            };
            return observe::refused(&state, Some(&caller), endpoint, error.into_response());
        }
    };
    flow::handle_named(state, caller, ids, endpoint, &parts.headers, body).await
}
