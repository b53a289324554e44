//! Who is calling: the master key, or a virtual key found by its hash in memory. Every
//! handler takes a `Caller`; none reads the credential headers itself. The extractor also
//! refuses blocked and expired keys and the keys of blocked users, on every route, as
//! LiteLLM does for keys. Without a key, a
//! valid UI session cookie makes the caller (its CSRF check is `csrf::guard`'s).

use super::Role;
use super::request_info::client_ip;
use crate::error::ApiError;
use crate::keys::{KeyRecord, hash_key};
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

/// The user id the master key acts as when `PROXY_ADMIN_ID` is not set (LiteLLM's name).
pub const DEFAULT_ADMIN_USER_ID: &str = "default_user_id";

#[derive(Debug, Clone)]
pub struct Caller {
    pub credential: Credential,
    /// The user the credential acts for, if any.
    pub user_id: Option<String>,
    /// The global role used for permission checks; `None` for a key without a user.
    pub role: Option<Role>,
}

#[derive(Debug, Clone)]
pub enum Credential {
    MasterKey,
    VirtualKey(Arc<KeyRecord>),
    /// A signed-in UI user (the `token` cookie), checked against the user table.
    Session(super::SessionUser),
}

impl Caller {
    pub fn is_master_key(&self) -> bool {
        matches!(self.credential, Credential::MasterKey)
    }

    pub fn key(&self) -> Option<&Arc<KeyRecord>> {
        match &self.credential {
            Credential::VirtualKey(key) => Some(key),
            Credential::MasterKey | Credential::Session(_) => None,
        }
    }

    /// The hash the spend log records for this caller.
    pub fn api_key_hash(&self) -> &str {
        match &self.credential {
            Credential::VirtualKey(key) => &key.token,
            Credential::MasterKey => "master_key",
            Credential::Session(_) => "ui_session",
        }
    }

    /// The user id for messages: "none" when there is none.
    pub fn user_label(&self) -> &str {
        self.user_id.as_deref().unwrap_or("None")
    }

    pub fn role_label(&self) -> &str {
        self.role.map(Role::as_str).unwrap_or("None")
    }

    /// The caller of the key the headers present (None: they present none). `peer` is the
    /// connection's address: unknown keys are limited per client address (`key_guesses`).
    pub fn from_key(state: &AppState, headers: &HeaderMap, peer: Option<IpAddr>) -> Option<Result<Caller, ApiError>> {
        let custom = state.config.settings.general_settings.litellm_key_header_name.as_deref();
        match presented_key(headers, custom) {
            Ok(Some(key)) => Some(resolve_from(state, &key, || client_ip(headers, peer, state))),
            Ok(None) => None,
            Err(error) => Some(Err(error)),
        }
    }

    /// The answer to a request with no credential at all.
    pub fn no_key() -> ApiError {
        ApiError::Unauthorized("Authentication Error, No api key passed in.".into())
    }
}

/// The credential a request carries, by LiteLLM's order of headers.
pub fn presented_key(headers: &HeaderMap, custom_header: Option<&str>) -> Result<Option<String>, ApiError> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    if let Some(value) = text("authorization") {
        let key = value.strip_prefix("Bearer ").or_else(|| value.strip_prefix("bearer "));
        return match key {
            Some(key) if !key.trim().is_empty() => Ok(Some(key.trim().to_string())),
            _ => Err(ApiError::Unauthorized(
                "Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.".into(),
            )),
        };
    }
    let mut names: Vec<&str> = Vec::new();
    if let Some(custom) = custom_header {
        names.push(custom);
    }
    names.extend(["api-key", "x-api-key", "x-goog-api-key"]);
    for name in names {
        if let Some(value) = text(name).filter(|v| !v.is_empty()) {
            let key = value.strip_prefix("Bearer ").unwrap_or(value);
            return Ok(Some(key.trim().to_string()));
        }
    }
    Ok(None)
}

/// Resolves a presented key to a caller, without a client address to limit guesses by
/// (the UI's test chat, behind a session and its CSRF check).
pub fn resolve(state: &AppState, presented: &str) -> Result<Caller, ApiError> {
    resolve_from(state, presented, || None)
}

/// Resolves a presented key to a caller. An unknown key counts against the client's
/// address; from a locked address it is answered 429, as is a found key that did not work
/// from there before the lock (see `key_guesses`). The master key always works.
fn resolve_from(
    state: &AppState,
    presented: &str,
    client: impl FnOnce() -> Option<IpAddr>,
) -> Result<Caller, ApiError> {
    match lookup(state, presented) {
        Err(Lookup::Unknown(error)) => {
            let refused = client().and_then(|address| state.key_guesses.failed(address, Instant::now()));
            Err(refused.map_or(error, too_many_guesses))
        }
        Err(Lookup::Refused(error)) => Err(error),
        Ok(caller) => {
            if let Some(key) = caller.key()
                && let Some(retry_after) = state.key_guesses.refuses_found(&key.token, client, Instant::now())
            {
                return Err(too_many_guesses(retry_after));
            }
            Ok(caller)
        }
    }
}

fn too_many_guesses(retry_after: u64) -> ApiError {
    ApiError::RateLimited {
        message: format!(
            "Authentication Error, too many unknown API keys from your address. Try again in {retry_after} seconds."
        ),
        retry_after,
    }
}

/// Why a presented key makes no caller: no such key (a guess, counted), or a key that
/// exists but may not be used now (blocked, expired, its user blocked).
enum Lookup {
    Unknown(ApiError),
    Refused(ApiError),
}

fn lookup(state: &AppState, presented: &str) -> Result<Caller, Lookup> {
    if state.master_key.matches(presented) {
        return Ok(Caller {
            credential: Credential::MasterKey,
            user_id: Some(state.admin_user_id().to_string()),
            role: Some(Role::ProxyAdmin),
        });
    }
    if !presented.starts_with("sk-") {
        return Err(Lookup::Unknown(ApiError::Unauthorized(format!(
            "Authentication Error, LiteLLM Virtual Key expected. Received={}, expected to start with 'sk-'.",
            crate::config::mask(presented)
        ))));
    }
    let hash = hash_key(presented);
    let key = state.keys.resolve(&hash, state.clock.now()).ok_or_else(|| {
        Lookup::Unknown(ApiError::KeyNotFound("Authentication Error, Invalid API key provided.".into()))
    })?;
    if key.blocked {
        return Err(Lookup::Refused(ApiError::Unauthorized(
            "Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.".into(),
        )));
    }
    if let Some(expires) = key.expires.as_deref().and_then(crate::time::parse) {
        let now = state.clock.now();
        if expires <= now {
            return Err(Lookup::Refused(ApiError::ExpiredKey(format!(
                "Authentication Error - Expired Key. Key Expiry time {} and current time {}",
                crate::time::format(expires),
                crate::time::format(now)
            ))));
        }
    }
    let user = key.user_id.as_deref().and_then(|id| state.users.get(id));
    if let Some(user) = user.as_ref().filter(|u| u.blocked) {
        return Err(Lookup::Refused(ApiError::Unauthorized(format!(
            "Authentication Error, User={} is blocked. Update via `/user/unblock` if you're an admin.",
            user.user_id
        ))));
    }
    let role = match (&key.user_id, &user) {
        (Some(id), _) if state.is_proxy_admin_id(id) => Some(Role::ProxyAdmin),
        (_, Some(user)) => Some(user.user_role),
        (Some(_), None) => Some(Role::InternalUser),
        (None, _) => None,
    };
    Ok(Caller { credential: Credential::VirtualKey(key.clone()), user_id: key.user_id.clone(), role })
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        if let Some(caller) = Caller::from_key(state, &parts.headers, peer) {
            return caller;
        }
        match super::session::from_headers(state, &parts.headers) {
            Some(user) => Ok(Caller {
                user_id: Some(user.user_id.clone()),
                role: Some(user.role),
                credential: Credential::Session(user),
            }),
            None => Err(Caller::no_key()),
        }
    }
}
