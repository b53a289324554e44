//! What LiteLLM's UI asks before it draws the sign-in page: `GET
//! /.well-known/litellm-ui-config` (public: is SSO on, where is the proxy) and `GET
//! /sso/get/ui_settings` (signed in: base and logout URLs). Served so LiteLLM-era tools
//! and scripts that read them keep working.

use super::Caller;
use super::request_info::{Peer, RequestInfo, base_url};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use serde_json::{Value, json};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/.well-known/litellm-ui-config", get(ui_config))
        .route("/sso/get/ui_settings", get(ui_settings))
}

async fn ui_config(State(state): State<AppState>, Peer(peer): Peer, headers: HeaderMap) -> Json<Value> {
    let info = RequestInfo::from_headers(&headers, peer, &state);
    Json(json!({
        "server_root_path": "",
        "proxy_base_url": base_url(&state, &info),
        "auto_redirect_to_sso": false,
        "admin_ui_disabled": false,
        "sso_configured": super::sso::Provider::configured(&state).is_some(),
    }))
}

async fn ui_settings(
    State(state): State<AppState>,
    _caller: Caller,
    Peer(peer): Peer,
    headers: HeaderMap,
) -> Json<Value> {
    let info = RequestInfo::from_headers(&headers, peer, &state);
    Json(json!({
        "PROXY_BASE_URL": base_url(&state, &info),
        "PROXY_LOGOUT_URL": state.config.settings.general_settings.proxy_logout_url,
        "DEFAULT_TEAM_DISABLED": false,
        "SSO_ENABLED": super::sso::Provider::configured(&state).is_some(),
        "DISABLE_EXPENSIVE_DB_QUERIES": false,
    }))
}
