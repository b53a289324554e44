//! The `/key/*` bodies and answers. The settable fields are the handlers' own `KeyFields`;
//! the rest of each body (which key, its new secret) is read field by field by the
//! handler and described here beside them.

use crate::keys::fields::KeyFields;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `POST /key/generate`: the key's settings, and optionally its secret. A proxy admin may
/// name a `user_id` that has no user row (the key belongs to that id; no row is made, as
/// in LiteLLM); others may name only existing users or themselves.
#[derive(ToSchema)]
pub struct KeyGenerateRequest {
    /// The secret to use instead of a generated one (it starts with `sk-`).
    key: Option<String>,
    #[serde(flatten)]
    settings: KeyFields,
}

/// `POST /key/update`: the key, by its clear secret or hash, and the fields to change
/// (`null` clears a field; a field not sent stays as it is).
#[derive(ToSchema)]
pub struct KeyUpdateRequest {
    key: String,
    #[serde(flatten)]
    settings: KeyFields,
}

/// `POST /key/regenerate`: a new secret for the key, same settings unless changed here.
#[derive(ToSchema)]
pub struct KeyRegenerateRequest {
    key: String,
    #[serde(flatten)]
    regenerate: KeyRegeneratePathRequest,
}

/// `POST /key/{key}/regenerate`: as `/key/regenerate`, the key in the path.
#[derive(ToSchema)]
pub struct KeyRegeneratePathRequest {
    /// The new secret instead of a generated one.
    new_key: Option<String>,
    /// How long the old secret keeps working, e.g. `24h`.
    grace_period: Option<String>,
    #[serde(flatten)]
    settings: KeyFields,
}

/// `POST /key/delete`: the keys by secret or hash, or by alias.
#[derive(ToSchema)]
pub struct KeyDeleteRequest {
    keys: Option<Vec<String>>,
    key_aliases: Option<Vec<String>>,
}

#[derive(ToSchema)]
pub struct KeyDeleted {
    /// The keys or aliases as sent.
    deleted_keys: Vec<String>,
}

/// `POST /key/block` and `/key/unblock`.
#[derive(ToSchema)]
pub struct KeyRef {
    /// The clear key or its hash.
    key: String,
}

/// A key's settings and spend, as `/key/info` shows them (never the secret).
#[derive(ToSchema)]
pub struct KeyInfo {
    /// `sk-...` and the secret's last four characters.
    key_name: String,
    key_alias: Option<String>,
    spend: f64,
    expires: Option<String>,
    models: Vec<String>,
    user_id: Option<String>,
    team_id: Option<String>,
    max_budget: Option<f64>,
    soft_budget: Option<f64>,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    tpm_limit: Option<i64>,
    rpm_limit: Option<i64>,
    max_parallel_requests: Option<i64>,
    /// Holds `tags`, the key's request tags.
    metadata: BTreeMap<String, Value>,
    blocked: bool,
    allowed_routes: Vec<String>,
    /// The budget object whose max budget, limits and period apply where the key sets none.
    budget_id: Option<String>,
    created_at: String,
    updated_at: String,
}

/// A key with its hash (`token`), as lists and changes show it.
#[derive(ToSchema)]
pub struct KeyObject {
    /// The key's hash, its id in every other route.
    token: String,
    #[serde(flatten)]
    info: KeyInfo,
}

/// A new secret: the only answer that shows it (`key`).
#[derive(ToSchema)]
pub struct KeyGenerated {
    /// The clear secret, shown once.
    key: String,
    /// The lifetime asked for.
    duration: Option<String>,
    #[serde(flatten)]
    key_object: KeyObject,
}

/// `GET /key/info`.
#[derive(ToSchema)]
pub struct KeyInfoAnswer {
    /// The key as asked for (secret or hash).
    key: String,
    info: KeyInfo,
}

/// `GET /key/list`: hashes, or key objects with `return_full_object=true`.
#[derive(ToSchema)]
pub struct KeyListAnswer {
    keys: Vec<KeyListEntry>,
    total_count: u64,
    current_page: u64,
    total_pages: u64,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum KeyListEntry {
    Hash(String),
    Key(Box<KeyObject>),
}

/// `POST /key/update`: the key as `/key/info` shows it, with its hash and the `key` sent.
#[derive(ToSchema)]
pub struct KeyUpdated {
    token: String,
    key: Option<String>,
    #[serde(flatten)]
    info: KeyInfo,
}
