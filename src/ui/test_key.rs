//! `/ui/test-key`: a chat pane that sends messages through the gateway, as a pasted key
//! or as the signed-in session, and shows each reply with its tokens and cost. With
//! JavaScript the reply streams (`POST /ui/test-key/chat` relays the gateway's events and
//! appends a summary read from the committed spend row); without it the form posts and
//! the page shows the whole reply. Where `key_generation_settings` forbids the visitor
//! personal keys, the session may not chat either (LiteLLM's rule), only a key.

use super::form::FormData;
use super::{Signed, page};
use crate::auth::Role;
use crate::error::ApiError;
use crate::gateway::providers::Endpoint;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{Value, json};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/test-key", get(show).post(send_form)).route("/ui/test-key/chat", post(chat))
}

/// Whether the visitor may chat on their session.
fn session_allowed(state: &AppState, role: Role) -> bool {
    let rules = &state.config.settings.litellm_settings.key_generation_settings.personal_key_generation;
    rules.allowed_user_roles.as_ref().is_none_or(|allowed| allowed.iter().any(|r| r == role.as_str()))
}

fn pane(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    exchange: Option<Value>,
    error: Option<String>,
) -> Response {
    let context = minijinja::context! {
        models => super::keys_new::allowed_models(state, signed),
        session_allowed => session_allowed(state, signed.role()),
        exchange,
        error,
        ..signed.context(state, "Test key", "/ui/test-key")
    };
    page(status, "test_key.html", context)
}

async fn show(State(state): State<AppState>, signed: Signed) -> Response {
    pane(&state, &signed, StatusCode::OK, None, None)
}

/// The caller a chat runs as: the pasted key, else the session where allowed.
fn caller_for(state: &AppState, signed: &Signed, api_key: Option<&str>) -> Result<crate::auth::Caller, ApiError> {
    match api_key.map(str::trim).filter(|k| !k.is_empty()) {
        Some(key) => crate::auth::resolve(state, key),
        None if session_allowed(state, signed.role()) => Ok(signed.caller.clone()),
        None => Err(ApiError::Forbidden(
            "Personal keys are restricted by your admin (key_generation_settings.personal_key_generation), so the \
             test chat cannot use your session: paste a team key."
                .into(),
        )),
    }
}

fn gateway_headers(request_id: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", value);
    }
    headers
}

#[derive(Deserialize)]
struct ChatRequest {
    model: String,
    #[serde(default)]
    api_key: Option<String>,
    messages: Vec<Value>,
}

/// Tokens and cost of a committed request, from its spend row.
async fn summary(state: &AppState, request_id: String) -> Option<Value> {
    let usage = state
        .db
        .read(move |conn| crate::spend::request_log::usage_of_client_request(conn, &request_id))
        .await
        .ok()
        .flatten()?;
    Some(
        json!({"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens, "cost": usage.spend}),
    )
}

async fn chat(State(state): State<AppState>, signed: Signed, body: Json<ChatRequest>) -> Response {
    let Json(request) = body;
    let caller = match caller_for(&state, &signed, request.api_key.as_deref()) {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let payload = json!({
        "model": request.model,
        "messages": request.messages,
        "stream": true,
        "stream_options": {"include_usage": true},
    });
    let response = crate::gateway::flow::handle(
        state.clone(),
        caller,
        gateway_headers(&request_id),
        Endpoint::Chat,
        payload.to_string().into(),
    )
    .await;
    if !response.status().is_success() {
        return response;
    }
    let (parts, body) = response.into_parts();
    let tail = futures_util::stream::once(async move {
        let summary = summary(&state, request_id)
            .await
            .unwrap_or_else(|| json!({"prompt_tokens": "?", "completion_tokens": "?", "cost": 0}));
        Ok::<_, axum::Error>(bytes::Bytes::from(format!("data: {}\n\n", json!({"proxy_summary": summary}))))
    });
    let stream = body.into_data_stream().chain(tail);
    Response::from_parts(parts, Body::from_stream(stream))
}

/// Without JavaScript: one message, the whole reply.
async fn send_form(State(state): State<AppState>, signed: Signed, form: FormData) -> Response {
    let model = form.get("model").unwrap_or_default().to_string();
    let text = form.get("message").unwrap_or_default().to_string();
    if text.is_empty() {
        return pane(&state, &signed, StatusCode::BAD_REQUEST, None, Some("Type a message first.".into()));
    }
    let caller = match caller_for(&state, &signed, form.get("api_key")) {
        Ok(caller) => caller,
        Err(error) => return pane(&state, &signed, error.status(), None, Some(error.message())),
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let payload = json!({"model": model, "messages": [{"role": "user", "content": text}]});
    let response = crate::gateway::flow::handle(
        state.clone(),
        caller,
        gateway_headers(&request_id),
        Endpoint::Chat,
        payload.to_string().into(),
    )
    .await;
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 4 << 20).await.unwrap_or_default();
    let answer: Value = serde_json::from_slice(&bytes).unwrap_or_default();
    if !status.is_success() {
        let message = answer["error"]["message"].as_str().unwrap_or("The gateway refused the request.").to_string();
        return pane(&state, &signed, status, None, Some(message));
    }
    let reply = answer["choices"][0]["message"]["content"].as_str().unwrap_or_default().to_string();
    let summary = summary(&state, request_id).await;
    let exchange = json!({"message": text, "reply": reply, "model": model, "summary": summary});
    pane(&state, &signed, StatusCode::OK, Some(exchange), None)
}
