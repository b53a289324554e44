//! The responses an upstream with the Responses API made and keeps (OpenAI's, Azure's;
//! see `upstreams`). The gateway holds none of their content, only whose they are and
//! which deployment made them (`store::RelayedResponse`), written before the client can
//! learn the id: from a whole answer's `id`, or from a stream's first event that carries
//! the response (`response.created`). With that row, `GET`/`DELETE /v1/responses/{id}`
//! and `GET /v1/responses/{id}/input_items` are relayed to that deployment with its
//! credentials, and a `previous_response_id` naming it is sent there (`chain`); any other
//! key is told the id does not exist, before any upstream call. Answers without
//! `store: false` only: OpenAI keeps no others.

use super::chain::contains;
use super::store::{self, RelayedResponse};
use crate::error::ApiError;
use crate::gateway::dispatch::passthrough;
use crate::gateway::providers::{Call, Dialect, Endpoint};
use crate::gateway::router::Deployment;
use crate::gateway::upstream::{self, SendError};
use crate::state::AppState;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::StreamExt;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Method, Uri};
use http_body_util::Full;
use serde_json::Value;
use std::sync::Arc;
use tokio::time::Instant;

/// The deployment that answered (`x-litellm-model-id`, set by the gateway on every model
/// answer), when it has the Responses API: the answer is then the upstream's own.
fn relayed_by(state: &AppState, response: &Response) -> Option<String> {
    let id = response.headers().get("x-litellm-model-id")?.to_str().ok()?;
    let deployment = find(state, id)?;
    (deployment.dialect_for(Dialect::Responses) == Dialect::Responses).then(|| deployment.id.clone())
}

/// The deployment with this id, if it is still configured.
pub fn find(state: &AppState, id: &str) -> Option<Arc<Deployment>> {
    state.router().all_deployments().into_iter().find(|d| d.id == id)
}

/// `response` (a 200 answer to `POST /v1/responses`), with the upstream's response
/// recorded as `owner`'s when a deployment with the Responses API made it.
pub async fn recording(state: AppState, owner: String, response: Response) -> Response {
    let Some(model_id) = relayed_by(&state, &response) else { return response };
    let streamed = response.headers().get(CONTENT_TYPE).is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let (parts, answer) = response.into_parts();
    let record = Record { state, owner, model_id };
    if !streamed {
        // Whole answers are built in memory; this only joins their pieces.
        let bytes = axum::body::to_bytes(answer, usize::MAX).await.unwrap_or_default();
        let object: Value = serde_json::from_slice(&bytes).unwrap_or_default();
        if let Some(id) = object.get("id").and_then(Value::as_str) {
            record.write(id.to_string()).await;
        }
        return Response::from_parts(parts, Body::from(bytes));
    }
    // Only the events before the first that names the response are read.
    let mut pending = Some(record);
    let events = answer.into_data_stream().then(move |chunk| {
        let due = match &chunk {
            Ok(event) if pending.is_some() => response_id(event),
            _ => None,
        };
        let write = due.and_then(|id| pending.take().map(|record| (record, id)));
        async move {
            if let Some((record, id)) = write {
                record.write(id).await;
            }
            chunk
        }
    });
    Response::from_parts(parts, Body::from_stream(events))
}

/// Whose a response is about to be, and where.
struct Record {
    state: AppState,
    owner: String,
    model_id: String,
}

impl Record {
    async fn write(self, id: String) {
        let Record { state, owner, model_id } = self;
        let row = RelayedResponse { id, api_key: owner, model_id, created_at: crate::time::format(state.clock.now()) };
        let named = row.id.clone();
        let written = state.db.write(move |tx| store::insert_relayed(tx, &row)).await;
        if let Err(e) = written {
            tracing::warn!(response_id = %named, error = %e, "could not record a relayed response; its key cannot read it back");
        }
    }
}

/// The id of the response an event carries (`response.created` and the other
/// `response.*` events whose payload is the response itself).
fn response_id(event: &[u8]) -> Option<String> {
    if !contains(event, b"\"response\"") {
        return None;
    }
    let data = crate::gateway::conversation::data_of(event)?;
    let payload: Value = serde_json::from_str(&data).ok()?;
    payload.pointer("/response/id").and_then(Value::as_str).map(str::to_string)
}

/// What is asked of a relayed response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Retrieve,
    Delete,
    InputItems,
}

impl Action {
    fn method(self) -> Method {
        match self {
            Action::Retrieve | Action::InputItems => Method::GET,
            Action::Delete => Method::DELETE,
        }
    }

    /// The path after the response's id.
    fn tail(self) -> &'static str {
        match self {
            Action::Retrieve | Action::Delete => "",
            Action::InputItems => "/input_items",
        }
    }

    /// The query parameters OpenAI defines for the call; others are not passed on.
    fn parameters(self) -> &'static [&'static str] {
        match self {
            Action::Retrieve => &["include", "include[]", "stream", "starting_after", "include_obfuscation"],
            Action::Delete => &[],
            Action::InputItems => &["after", "before", "limit", "order", "include", "include[]"],
        }
    }
}

/// Relays `action` on the response `relayed` to the deployment that holds it; `query` is
/// the client's query string. Its answer is passed back as it came (an error with the
/// deployment's credentials taken out); a delete it confirms forgets the response here.
pub async fn forward(state: &AppState, relayed: &RelayedResponse, action: Action, query: Option<&str>) -> Response {
    let Some(deployment) = find(state, &relayed.model_id) else {
        return ApiError::NotFound(format!(
            "Response with id '{}' not found: the deployment that made it ({}) is no longer configured.",
            relayed.id, relayed.model_id
        ))
        .into_response();
    };
    let request = match build(&deployment, &relayed.id, action, query) {
        Ok(request) => request,
        Err(message) => return ApiError::Upstream { status: 500, message }.into_response(),
    };
    let deadline = Instant::now() + deployment.timeout;
    let answer = match state.http.get().send(request, Some(deadline)).await {
        Ok(answer) => answer,
        Err(error) => {
            let status = if matches!(error, SendError::TimedOut) { 408 } else { 500 };
            tracing::warn!(deployment = %deployment.id, error = %error, "relaying a stored response's call failed");
            let message = format!("The upstream of deployment {} failed: {error}.", deployment.id);
            return ApiError::Upstream { status, message }.into_response();
        }
    };
    let status = answer.status();
    if !status.is_success() {
        let body = upstream::read_error(answer, Some(deadline), &state.router().redactor).await;
        return passthrough(status.as_u16(), &body);
    }
    if action == Action::Delete {
        let id = relayed.id.clone();
        let forgotten = state.db.write(move |tx| store::delete_relayed(tx, &id)).await;
        if let Err(e) = forgotten {
            tracing::warn!(response_id = %relayed.id, error = %e, "could not forget a deleted relayed response");
        }
    }
    let content_type = answer.headers().get(CONTENT_TYPE).cloned();
    let streamed = content_type.as_ref().is_some_and(|v| v.as_bytes().starts_with(b"text/event-stream"));
    let mut response = if streamed {
        // `stream=true` on a background response: its events as they come.
        Body::from_stream(upstream::data_stream(answer)).into_response()
    } else {
        match upstream::read_body(answer, Some(deadline)).await {
            Ok(body) => Body::from(body).into_response(),
            Err(error) => {
                let message = format!("The upstream of deployment {} failed: {error}.", deployment.id);
                return ApiError::Upstream { status: 502, message }.into_response();
            }
        }
    };
    *response.status_mut() = status;
    if let Some(content_type) = content_type {
        response.headers_mut().insert(CONTENT_TYPE, content_type);
    }
    response
}

/// The upstream request: the deployment's Responses API URL and credentials (as the
/// provider makes them for a new response), the id and `action`'s path after it.
fn build(deployment: &Deployment, id: &str, action: Action, query: Option<&str>) -> Result<upstream::Request, String> {
    let call = Call {
        endpoint: Endpoint::Responses,
        model: &deployment.upstream_model,
        stream: false,
        body: Bytes::new(),
        client: &Default::default(),
    };
    let (mut parts, _) = deployment.provider.request(deployment, call)?.into_parts();
    parts.method = action.method();
    parts.headers.remove(CONTENT_TYPE);
    parts.headers.remove(CONTENT_LENGTH);
    parts.uri = uri_of(&parts.uri, id, action, query)?;
    Ok(http::Request::from_parts(parts, Full::new(Bytes::new())))
}

/// `base` (the Responses API's URL) with `/{id}` and the action's tail after its path,
/// and the client's parameters OpenAI defines after its own query (Azure's `api-version`).
fn uri_of(base: &Uri, id: &str, action: Action, query: Option<&str>) -> Result<Uri, String> {
    let segment: String = id
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    let mut target = format!("{}/{segment}{}", base.path().trim_end_matches('/'), action.tail());
    let own = base.query().unwrap_or_default();
    let wanted = action.parameters();
    let client = form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .filter(|(name, _)| wanted.contains(&name.as_ref()))
        .fold(form_urlencoded::Serializer::new(String::new()), |mut out, (name, value)| {
            out.append_pair(&name, &value);
            out
        })
        .finish();
    let joined: Vec<&str> = [own, client.as_str()].into_iter().filter(|q| !q.is_empty()).collect();
    if !joined.is_empty() {
        target.push('?');
        target.push_str(&joined.join("&"));
    }
    let mut uri = http::uri::Builder::new().path_and_query(target);
    if let Some(scheme) = base.scheme() {
        uri = uri.scheme(scheme.clone());
    }
    if let Some(authority) = base.authority() {
        uri = uri.authority(authority.clone());
    }
    uri.build().map_err(|e| format!("the upstream URL for response {id} cannot be built: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_id_and_the_clients_known_parameters_follow_the_responses_url() {
        let openai: Uri = "https://api.openai.com/v1/responses".parse().unwrap();
        let uri = uri_of(&openai, "resp_1", Action::InputItems, Some("limit=5&order=asc&model=x")).unwrap();
        assert_eq!(uri.to_string(), "https://api.openai.com/v1/responses/resp_1/input_items?limit=5&order=asc");
        let uri = uri_of(&openai, "resp_1", Action::Delete, Some("limit=5")).unwrap();
        assert_eq!(uri.to_string(), "https://api.openai.com/v1/responses/resp_1");
        let azure: Uri = "https://x.openai.azure.com/openai/responses?api-version=2025-03-01-preview".parse().unwrap();
        let uri = uri_of(&azure, "resp_2", Action::Retrieve, Some("api-version=evil&include[]=a%20b")).unwrap();
        assert_eq!(
            uri.to_string(),
            "https://x.openai.azure.com/openai/responses/resp_2?api-version=2025-03-01-preview&include%5B%5D=a+b"
        );
        // An id cannot leave its path segment.
        let uri = uri_of(&openai, "../files?x=1#", Action::Retrieve, None).unwrap();
        assert_eq!(uri.path(), "/v1/responses/%2E%2E%2Ffiles%3Fx%3D1%23");
        assert_eq!(uri.query(), None);
    }

    #[test]
    fn the_first_event_that_carries_the_response_names_it() {
        let created = b"event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_up\",\"status\":\"in_progress\"}}\n\n";
        assert_eq!(response_id(created).as_deref(), Some("resp_up"));
        let delta = b"event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"response\"}\n\n";
        assert_eq!(response_id(delta), None);
    }
}
