//! `/ui/connect`: ready-to-paste settings for the signed-in user's clients (Claude Code,
//! Codex, Cursor, Continue, Open WebUI, LibreChat, the OpenAI and Anthropic SDKs, curl),
//! with the proxy's public URL, a key of theirs and the models that key may use, for the
//! dialects the proxy serves that key. Only the key's hash is stored, so an existing key
//! appears as a placeholder to replace; a key made here (`keys::issue_key`, the same
//! function and policy as `/key/generate`) is filled in, shown this once.

use super::connect_snippets::{Reach, snippets};
use super::form::FormData;
use super::{Signed, page};
use crate::auth::policy::{self, Op};
use crate::auth::request_info::PublicBase;
use crate::auth::{Caller, Credential};
use crate::gateway::providers::Dialect;
use crate::keys::KeyRecord;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What stands for a key the page does not know the secret of.
const PLACEHOLDER: &str = "YOUR_KEY";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/connect", get(show).post(create))
}

#[derive(Deserialize)]
struct Choice {
    key: Option<String>,
}

#[derive(Serialize)]
struct KeyChoice {
    token: String,
    name: String,
    selected: bool,
}

/// The signed-in user's own keys that work now, as the policy lets them read them.
fn own_keys(state: &AppState, signed: &Signed) -> Vec<Arc<KeyRecord>> {
    let now = state.clock.now();
    let mut keys: Vec<Arc<KeyRecord>> = state
        .keys
        .all()
        .into_iter()
        .filter(|k| k.user_id.as_deref() == Some(signed.user.user_id.as_str()) && !k.blocked && !k.is_session_key)
        .filter(|k| k.expires.as_deref().and_then(crate::time::parse).is_none_or(|at| at > now))
        .filter(|k| policy::authorize(state, &signed.caller, Op::KeyRead { key: k }).is_ok())
        .collect();
    keys.sort_by(|a, b| a.key_alias.cmp(&b.key_alias).then_with(|| a.created_at.cmp(&b.created_at)));
    keys
}

/// The models `key` may use, for OpenAI clients and for Anthropic clients: every model is
/// reachable in both dialects (the gateway translates), so both lists hold every model
/// that has a deployment, those served in the client's own dialect first (the snippets
/// suggest the first).
fn reach_of(state: &AppState, signed: &Signed, key: &Arc<KeyRecord>) -> (Vec<String>, Vec<String>) {
    let caller = Caller {
        credential: Credential::VirtualKey(key.clone()),
        user_id: key.user_id.clone(),
        role: Some(signed.role()),
    };
    // Each model with the dialect of its (first) deployment, resolved once.
    let served: Vec<(String, Dialect)> = crate::gateway::usable_models(state, &caller)
        .into_iter()
        .filter_map(|model| {
            let dialect = state.router().resolve(&model)?.deployments.first()?.provider.dialect();
            Some((model, dialect))
        })
        .collect();
    let own_first = |dialect: Dialect| {
        let mut models = served.clone();
        models.sort_by_key(|(_, served_in)| *served_in != dialect);
        models.into_iter().map(|(model, _)| model).collect::<Vec<_>>()
    };
    (own_first(Dialect::OpenAi), own_first(Dialect::Anthropic))
}

fn render(
    state: &AppState,
    signed: &Signed,
    base: &str,
    chosen: Option<&Arc<KeyRecord>>,
    secret: Option<&str>,
    error: Option<String>,
) -> Response {
    let keys = own_keys(state, signed);
    let chosen = chosen.or(keys.first());
    let (openai, anthropic) = chosen.map(|k| reach_of(state, signed, k)).unwrap_or_default();
    let found = snippets(&Reach {
        base,
        key: secret.unwrap_or(PLACEHOLDER),
        openai: &openai,
        anthropic: &anthropic,
        // Codex speaks only `/v1/responses`, which every model answers (relayed or translated).
        responses: true,
    });
    let choices: Vec<KeyChoice> = keys
        .iter()
        .map(|k| KeyChoice {
            token: k.token.clone(),
            name: k.key_alias.clone().unwrap_or_else(|| k.key_name.clone()),
            selected: chosen.is_some_and(|c| c.token == k.token),
        })
        .collect();
    let context = minijinja::context! {
        base,
        keys => choices,
        key_name => chosen.map(|k| k.key_alias.clone().unwrap_or_else(|| k.key_name.clone())),
        secret,
        placeholder => PLACEHOLDER,
        snippets => found,
        openai,
        anthropic,
        can_create => super::keys::may_create(state, signed),
        error,
        ..signed.context(state, "Connect a client", "/ui/connect")
    };
    let status = if error.is_some() { StatusCode::BAD_REQUEST } else { StatusCode::OK };
    page(status, "connect.html", context)
}

async fn show(
    State(state): State<AppState>,
    signed: Signed,
    PublicBase(base): PublicBase,
    Query(choice): Query<Choice>,
) -> Response {
    let keys = own_keys(&state, &signed);
    let chosen = choice.key.as_deref().and_then(|token| keys.iter().find(|k| k.token == token));
    render(&state, &signed, &base, chosen, None, None)
}

/// Makes a personal key for the signed-in user and shows the snippets with it.
async fn create(
    State(state): State<AppState>,
    signed: Signed,
    PublicBase(base): PublicBase,
    form: FormData,
) -> Response {
    let mut body = serde_json::json!({"user_id": signed.user.user_id});
    if let Some(alias) = form.get("key_alias").map(str::trim).filter(|a| !a.is_empty()) {
        body["key_alias"] = alias.into();
    }
    match crate::keys::issue_key(&state, &signed.caller, &body).await {
        Ok((key, clear, _)) => {
            let key = Arc::new(key);
            render(&state, &signed, &base, Some(&key), Some(&clear), None)
        }
        Err(error) if matches!(error.status(), StatusCode::FORBIDDEN | StatusCode::UNAUTHORIZED) => {
            super::keys::refused(&error)
        }
        Err(error) => render(&state, &signed, &base, None, None, Some(error.message())),
    }
}
