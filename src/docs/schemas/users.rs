//! The `/user/*` bodies and answers. The settable fields are the handlers' own
//! `UserFields`; what else a body names (whose account, the first key) is described here.

use crate::users::fields::UserFields;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// `POST /user/new`. A password cannot be set here: send an invitation (`/invitation/new`).
#[derive(ToSchema)]
pub struct UserNewRequest {
    /// Generated (a UUID) when not given.
    #[schema(min_length = 1)]
    user_id: Option<String>,
    /// Add the user to this team as a member. A team that does not exist is skipped (the
    /// user is still created; the answer's `teams` lists the teams joined).
    team_id: Option<String>,
    /// Teams to join: team ids, or `{"team_id", "user_role", "max_budget_in_team"}`;
    /// unknown teams are skipped as for `team_id`.
    teams: Option<Vec<Value>>,
    /// Create a first key for the user (default true).
    auto_create_key: Option<bool>,
    /// The first key's lifetime, e.g. `30d`, or `-1` for none.
    duration: Option<String>,
    /// The first key's alias.
    key_alias: Option<String>,
    #[serde(flatten)]
    settings: UserFields,
}

/// `POST /user/update`: the user by `user_id` (or else by `user_email`) and the fields to
/// change (`null` clears a field; a field not sent stays as it is). As in LiteLLM, a
/// `user_id` or `user_email` nobody has creates that user, with the defaults for new users.
#[derive(ToSchema)]
pub struct UserUpdateRequest {
    #[schema(min_length = 1)]
    user_id: Option<String>,
    /// A new password for the user's sign-in.
    password: Option<String>,
    #[serde(flatten)]
    settings: UserFields,
}

/// `POST /user/delete`, `/user/block`, `/user/unblock`.
#[derive(ToSchema)]
pub struct UserIdsRequest {
    #[schema(min_items = 1)]
    user_ids: Vec<String>,
}

/// A user as answers show them (never a password).
#[derive(ToSchema)]
pub struct UserObject {
    user_id: String,
    user_email: Option<String>,
    user_alias: Option<String>,
    /// `proxy_admin`, `proxy_admin_viewer`, `internal_user`, `internal_user_viewer`.
    user_role: String,
    sso_user_id: Option<String>,
    max_budget: Option<f64>,
    spend: f64,
    budget_duration: Option<String>,
    budget_reset_at: Option<String>,
    models: Vec<String>,
    tpm_limit: Option<i64>,
    rpm_limit: Option<i64>,
    max_parallel_requests: Option<i64>,
    metadata: BTreeMap<String, Value>,
    blocked: bool,
    /// The ids of the user's teams.
    teams: Vec<String>,
    created_at: String,
    updated_at: String,
}

/// `POST /user/new`: the user and their first key (`key` is empty without one).
#[derive(ToSchema)]
pub struct UserCreated {
    /// The first key's clear secret, shown once; empty with `auto_create_key: false`.
    key: String,
    key_name: Option<String>,
    expires: Option<String>,
    token: Option<String>,
    #[serde(flatten)]
    user: UserObject,
}

/// `GET /user/info`.
#[derive(ToSchema)]
pub struct UserInfoAnswer {
    user_id: String,
    user_info: UserObject,
    keys: Vec<super::keys::KeyObject>,
    /// The user's teams, each with its memberships and keys (as in `/team/list`).
    teams: Vec<super::teams::TeamListEntry>,
}

/// `GET /user/list`.
#[derive(ToSchema)]
pub struct UserListAnswer {
    users: Vec<UserObject>,
    total: u64,
    page: u64,
    page_size: u64,
    total_pages: u64,
}

/// `POST /user/block` and `/user/unblock`: the users after the change.
#[derive(ToSchema)]
pub struct UsersAnswer {
    users: Vec<UserObject>,
}
