//! `/ui/keys`: the caller's keys (every key for admins and admin viewers), a page at a
//! time, with spend against budget, limits, expiry and last use; and the per-key actions
//! (edit in `keys_edit.rs`, regenerate, block/unblock, delete after a confirmation
//! page). Actions call the same `keys::` functions as `/key/*`, and a row offers only
//! what the policy would allow.

use super::form::FormData;
use super::{Signed, message, page};
use crate::auth::policy::{self, Op};
use crate::keys::KeyRecord;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::Arc;

const PAGE_SIZE: usize = 50;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/keys", get(list))
        .route("/ui/keys/{token}/block", post(block))
        .route("/ui/keys/{token}/regenerate", post(regenerate))
        .route("/ui/keys/{token}/delete", get(confirm_delete).post(delete))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<usize>,
    q: Option<String>,
    notice: Option<String>,
}

#[derive(Serialize)]
struct Row {
    token: String,
    alias: Option<String>,
    key_name: String,
    owner: Option<String>,
    team: Option<String>,
    team_id: Option<String>,
    models: String,
    spend: f64,
    max_budget: Option<f64>,
    budget_duration: Option<String>,
    limits: String,
    expires: Option<String>,
    expired: bool,
    last_active: Option<String>,
    blocked: bool,
    can_change: bool,
    can_edit: bool,
    can_block: bool,
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "deleted" => Some("The key was deleted; requests with it are refused from now on."),
        "blocked" => Some("The key is blocked: every request with it is refused until it is unblocked."),
        "unblocked" => Some("The key is unblocked."),
        "updated" => Some("The key's settings are saved."),
        _ => None,
    }
}

/// The keys this visitor may see, newest first.
fn visible(state: &AppState, signed: &Signed) -> Vec<Arc<KeyRecord>> {
    let sees_all = policy::authorize(state, &signed.caller, Op::KeyList { user_id: None, team_id: None })
        .is_ok_and(|p| p.sees_all());
    let me = signed.user.user_id.as_str();
    let admin_of: Vec<String> = state
        .teams
        .of_user(me)
        .into_iter()
        .filter(|(_, m)| m.role == crate::teams::TeamRole::Admin)
        .map(|(t, _)| t.team_id.clone())
        .collect();
    let mut keys: Vec<Arc<KeyRecord>> = state
        .keys
        .all()
        .into_iter()
        .filter(|k| !k.is_session_key)
        .filter(|k| {
            sees_all || k.user_id.as_deref() == Some(me) || k.team_id.as_ref().is_some_and(|t| admin_of.contains(t))
        })
        .collect();
    keys.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| a.token.cmp(&b.token)));
    keys
}

fn limits(key: &KeyRecord) -> String {
    let parts: Vec<String> = [("tpm", key.tpm_limit), ("rpm", key.rpm_limit), ("parallel", key.max_parallel_requests)]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("{} {name}", super::format::count(v))))
        .collect();
    if parts.is_empty() { "—".into() } else { parts.join(" · ") }
}

fn row(state: &AppState, signed: &Signed, key: &KeyRecord, now: &str) -> Row {
    let team = key.team_id.as_deref().and_then(|t| state.teams.get(t));
    let owner = key
        .user_id
        .as_deref()
        .map(|u| state.users.get(u).and_then(|u| u.user_email.clone()).unwrap_or_else(|| u.to_string()));
    let change = Op::key_change("/key/delete", "delete", key);
    Row {
        token: key.token.clone(),
        alias: key.key_alias.clone(),
        key_name: key.key_name.clone(),
        owner,
        team: team.as_ref().map(|t| t.team_alias.clone().unwrap_or_else(|| t.team_id.clone())),
        team_id: key.team_id.clone(),
        models: if key.models.is_empty() { "all models".into() } else { key.models.join(", ") },
        spend: key.spend,
        max_budget: key.max_budget,
        budget_duration: key.budget_duration.clone(),
        limits: limits(key),
        expired: key.expires.as_deref().is_some_and(|e| e <= now),
        expires: key.expires.clone(),
        last_active: key.last_active.clone(),
        blocked: key.blocked,
        can_change: policy::authorize(state, &signed.caller, change).is_ok(),
        can_edit: super::keys_edit::may_edit(state, signed, key),
        can_block: policy::authorize(state, &signed.caller, Op::KeyBlock { route: "/key/block", key }).is_ok(),
    }
}

/// Whether the visitor may create a key at all (personally or for one of their teams).
pub fn may_create(state: &AppState, signed: &Signed) -> bool {
    let me = Some(signed.user.user_id.as_str());
    let personal = Op::KeyGenerate { team_id: None, team: None, for_user: me, fields: &[] };
    if policy::authorize(state, &signed.caller, personal).is_ok() {
        return true;
    }
    state.teams.of_user(&signed.user.user_id).iter().any(|(team, _)| {
        let op = Op::KeyGenerate { team_id: Some(&team.team_id), team: Some(team), for_user: me, fields: &[] };
        policy::authorize(state, &signed.caller, op).is_ok()
    })
}

async fn list(State(state): State<AppState>, signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    let all = visible(&state, &signed);
    let total_visible = all.len();
    let matching: Vec<&Arc<KeyRecord>> = all
        .iter()
        .filter(|k| {
            search.as_ref().is_none_or(|q| {
                k.key_alias.as_deref().is_some_and(|a| a.to_lowercase().contains(q))
                    || k.key_name.to_lowercase().contains(q)
                    || k.user_id.as_deref().is_some_and(|u| u.to_lowercase().contains(q))
            })
        })
        .collect();
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    let current = query.page.unwrap_or(1).clamp(1, pages);
    let now = crate::time::format(state.clock.now());
    let rows: Vec<Row> = matching
        .iter()
        .skip((current - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .map(|k| row(&state, &signed, k, &now))
        .collect();
    let context = minijinja::context! {
        rows,
        total => matching.len(),
        total_visible,
        page => current,
        pages,
        q => query.q,
        can_create => may_create(&state, &signed),
        notice => notice_text(query.notice.as_deref()),
        ..signed.context(&state, "Keys", "/ui/keys")
    };
    page(StatusCode::OK, "keys.html", context)
}

/// A refused or failed action as a page that says why.
pub fn refused(error: &crate::error::ApiError) -> Response {
    message(error.status(), "That did not work", &error.message(), Some(("/ui/keys", "Back to keys")))
}

async fn block(State(state): State<AppState>, signed: Signed, Path(token): Path<String>, form: FormData) -> Response {
    let blocked = form.get("blocked") != Some("false");
    match crate::keys::set_blocked(&state, &signed.caller, &json!({"key": token}), blocked).await {
        Ok(_) => {
            Redirect::to(if blocked { "/ui/keys?notice=blocked" } else { "/ui/keys?notice=unblocked" }).into_response()
        }
        Err(e) => refused(&e),
    }
}

async fn regenerate(State(state): State<AppState>, signed: Signed, Path(token): Path<String>) -> Response {
    match crate::keys::regenerate_key(&state, &signed.caller, Some(token), &json!({})).await {
        Ok((key, clear)) => super::keys_new::show_once(&state, &signed, &key, &clear, "regenerated"),
        Err(e) => refused(&e),
    }
}

async fn confirm_delete(State(state): State<AppState>, signed: Signed, Path(token): Path<String>) -> Response {
    let Some(key) = state.keys.get(&token).filter(|k| !k.is_session_key) else {
        return message(
            StatusCode::NOT_FOUND,
            "No such key",
            "The key does not exist (any more).",
            Some(("/ui/keys", "Back to keys")),
        );
    };
    // The page shows the key's alias and owner: only to whoever may delete it.
    if let Err(error) = policy::authorize(&state, &signed.caller, Op::key_change("/key/delete", "delete", &key)) {
        return refused(&error);
    }
    let now = crate::time::format(state.clock.now());
    let context = minijinja::context! { key => row(&state, &signed, &key, &now), ..signed.context(&state, "Delete key", "/ui/keys") };
    page(StatusCode::OK, "key_delete.html", context)
}

async fn delete(State(state): State<AppState>, signed: Signed, Path(token): Path<String>) -> Response {
    match crate::keys::delete_by(&state, &signed.caller, &json!({"keys": [token]})).await {
        Ok(_) => Redirect::to("/ui/keys?notice=deleted").into_response(),
        Err(e) => refused(&e),
    }
}
