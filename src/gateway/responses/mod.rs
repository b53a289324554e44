//! OpenAI's Responses API at the gateway's edge (Codex's only API): `POST /v1/responses`,
//! plain and streamed, through the same path as chat (`flow`: key, model access, budgets,
//! limits, the spend row before the answer, failure rows). Deployments that have the API
//! (`upstreams`) get the request relayed as it is and only the usage is read (`events`);
//! the others get it translated through the internal form
//! (`conversation::responses`). For those the gateway keeps the responses it made
//! (`chain`, `kept`, `store`): `previous_response_id` chains them, and
//! `GET`/`DELETE /v1/responses/{id}` and `GET /v1/responses/{id}/input_items` read them,
//! for the key that made them and proxy admins only. The relayed ones stay with their
//! upstream; the gateway records whose they are and which deployment holds them
//! (`relayed`), and those three routes and `previous_response_id` go to that deployment,
//! for the same callers only. Codex first tries a WebSocket on `GET /v1/responses`: it is
//! told at once (426) to use HTTP.

mod chain;
pub mod events;
mod kept;
mod relayed;
pub mod store;
pub mod upstreams;

use super::flow::{self, RequestIds};
use super::providers::Endpoint;
use crate::auth::Caller;
use crate::auth::policy::{Op, authorize};
use crate::error::ApiError;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use relayed::Action;
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create, websocket))
        .routes(routes!(retrieve, delete))
        .routes(routes!(input_items))
        .route("/responses", post(create).get(websocket))
        .route("/responses/{id}", get(retrieve).delete(delete))
        .route("/responses/{id}/input_items", get(input_items))
        // Azure's resource routes, where `AzureOpenAI` sends the Responses API.
        .route("/openai/responses", post(create).get(websocket))
        .route("/openai/responses/{id}", get(retrieve).delete(delete))
        .route("/openai/responses/{id}/input_items", get(input_items))
}

/// A model response (OpenAI's Responses API; also at `/responses`). `stream: true` answers
/// with the `response.*` server-sent events. Kept for `previous_response_id` unless
/// `store: false`.
#[utoipa::path(post, path = "/v1/responses", tag = "gateway",
    request_body = crate::docs::schemas::responses::ResponsesRequest,
    responses((status = 200, description = "The response, or with `stream: true` server-sent events",
        content((crate::docs::schemas::responses::ResponseObject = "application/json"),
                (crate::docs::schemas::responses::ResponseStreamEvent = "text/event-stream")))))]
async fn create(State(state): State<AppState>, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    create_response(state, caller, headers, body).await
}

/// `POST /v1/responses`, also for Azure's deployment route (`media::azure`).
pub(crate) async fn create_response(state: AppState, caller: Caller, headers: HeaderMap, body: Bytes) -> Response {
    let chain::Expanded { body, deployment } = match chain::expand(&state, &caller, body).await {
        Ok(expanded) => expanded,
        Err(refused) => return super::observe::refused(&state, Some(&caller), Endpoint::Responses, refused),
    };
    let owner = caller.api_key_hash().to_string();
    let ids = RequestIds::new(crate::server::client_request_id(&headers).as_ref());
    let ours = format!("resp_{}", ids.row);
    let keep = !chain::contains(&body, b"\"store\"") || chain::wants_store(&body);
    let response =
        flow::handle_on(state.clone(), caller, ids, Endpoint::Responses, &headers, body.clone(), deployment).await;
    if !keep || response.status() != StatusCode::OK {
        return response;
    }
    let response = relayed::recording(state.clone(), owner.clone(), response).await;
    kept::keeping(state, owner, ours, body, response).await
}

/// Codex's WebSocket transport, which the gateway does not serve: answered at once with
/// 426, on which Codex uses HTTP (`POST /v1/responses`) for the session.
#[utoipa::path(get, path = "/v1/responses", tag = "gateway",
    responses((status = 426, description = "Use `POST /v1/responses` over HTTP (an OpenAI-shaped error)")))]
async fn websocket() -> Response {
    let error = json!({"error": {
        "message": "WebSocket transport is not supported: POST /v1/responses over HTTP.",
        "type": "invalid_request_error", "param": null, "code": "426",
    }});
    (StatusCode::UPGRADE_REQUIRED, Json(error)).into_response()
}

/// A response the caller may use: one the gateway made and keeps, or one an upstream keeps.
enum Found {
    Kept(store::StoredResponse),
    Relayed(store::RelayedResponse),
}

/// The response `id`, if the caller's key made it (or the caller is a proxy admin).
async fn load(state: &AppState, caller: &Caller, id: String, route: &str) -> Result<Found, ApiError> {
    let missing = || ApiError::NotFound(format!("Response with id '{id}' not found."));
    let lookup = id.clone();
    let found = state
        .db
        .read(move |conn| match store::load(conn, &lookup)? {
            Some(kept) => Ok(Some(Found::Kept(kept))),
            None => Ok(store::load_relayed(conn, &lookup)?.map(Found::Relayed)),
        })
        .await?
        .ok_or_else(missing)?;
    let owner = match &found {
        Found::Kept(kept) => &kept.api_key,
        Found::Relayed(relayed) => &relayed.api_key,
    };
    authorize(state, caller, Op::StoredResponse { route, owner }).map_err(|_| missing())?;
    Ok(found)
}

/// A response the gateway made and kept, or one its upstream keeps (also at
/// `/responses/{id}`).
#[utoipa::path(get, path = "/v1/responses/{id}", tag = "gateway",
    params(("id" = String, Path, description = "The response's id")),
    responses((status = 200, body = crate::docs::schemas::responses::ResponseObject)))]
async fn retrieve(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    Ok(match load(&state, &caller, id, "/v1/responses/{id}").await? {
        Found::Kept(kept) => Json(kept.response).into_response(),
        Found::Relayed(relayed) => relayed::forward(&state, &relayed, Action::Retrieve, query.as_deref()).await,
    })
}

/// Deletes a response (also at `/responses/{id}`): one the gateway keeps, or, at its
/// upstream, one it relayed.
#[utoipa::path(delete, path = "/v1/responses/{id}", tag = "gateway",
    params(("id" = String, Path, description = "The response's id")),
    responses((status = 200, body = crate::docs::schemas::responses::ResponseDeleted)))]
async fn delete(State(state): State<AppState>, caller: Caller, Path(id): Path<String>) -> Result<Response, ApiError> {
    let stored = match load(&state, &caller, id, "/v1/responses/{id}").await? {
        Found::Kept(kept) => kept,
        Found::Relayed(relayed) => return Ok(relayed::forward(&state, &relayed, Action::Delete, None).await),
    };
    let id = stored.id;
    let gone = id.clone();
    state.db.write(move |tx| Ok::<_, ApiError>(store::delete(tx, &gone)?)).await?;
    Ok(Json(json!({"id": id, "object": "response", "deleted": true})).into_response())
}

/// The input items a kept response's model saw, those of the responses it continues
/// included, oldest first; for a relayed response, its upstream's list (`limit`, `order`,
/// `after` passed on). Also at `/responses/{id}/input_items`.
#[utoipa::path(get, path = "/v1/responses/{id}/input_items", tag = "gateway",
    params(("id" = String, Path, description = "The response's id")),
    responses((status = 200, body = crate::docs::schemas::responses::ResponseItemList)))]
async fn input_items(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let stored = match load(&state, &caller, id, "/v1/responses/{id}/input_items").await? {
        Found::Kept(kept) => kept,
        Found::Relayed(relayed) => {
            return Ok(relayed::forward(&state, &relayed, Action::InputItems, query.as_deref()).await);
        }
    };
    let base = stored.id.strip_prefix("resp_").unwrap_or(&stored.id).to_string();
    let data: Vec<Value> = stored
        .input_items
        .into_iter()
        .enumerate()
        .map(|(n, mut item)| {
            if item.get("id").is_none()
                && let Value::Object(fields) = &mut item
            {
                fields.insert("id".into(), format!("in_{base}_{n}").into());
            }
            item
        })
        .collect();
    let first = data.first().map(|i| i["id"].clone());
    let last = data.last().map(|i| i["id"].clone());
    Ok(Json(json!({"object": "list", "data": data, "first_id": first, "last_id": last, "has_more": false}))
        .into_response())
}
