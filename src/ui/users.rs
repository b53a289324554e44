//! `/ui/users` (admins and admin viewers): every user with role, spend against budget,
//! keys and teams; "+ New user" and "+ Invite user" (a user and their invitation link,
//! shown with a copy button), a new link for an existing user, role changes, blocking and
//! deletion after a confirmation page. Each action is the JSON route's domain function
//! (`users::routes::new/update/delete`, `users::block`, `invitations::routes::new`) called
//! as the visitor.

use super::form::{FormData, Problem};
use super::{Signed, message, page};
use crate::auth::Role;
use crate::auth::policy::{self, Op};
use crate::auth::request_info::PublicBase;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

const PAGE_SIZE: usize = 50;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/users", get(list))
        .route("/ui/users/new", get(new_form).post(create))
        .route("/ui/users/{id}/role", post(change_role))
        .route("/ui/users/{id}/invite", post(invite_again))
        .route("/ui/users/{id}/block", post(block))
        .route("/ui/users/{id}/delete", get(confirm_delete).post(delete))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    page: Option<usize>,
    q: Option<String>,
    notice: Option<String>,
    /// `/ui/users/new?invite=1`: the short "+ Invite user" form.
    invite: Option<String>,
}

#[derive(Serialize)]
struct Row {
    user_id: String,
    email: Option<String>,
    role: &'static str,
    spend: f64,
    max_budget: Option<f64>,
    keys: usize,
    teams: Vec<String>,
    created_at: String,
    is_me: bool,
    blocked: bool,
    /// Not the built-in admin, whom the block route refuses.
    blockable: bool,
}

fn roles() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

fn notice_text(code: Option<&str>) -> Option<&'static str> {
    match code? {
        "role" => Some("The role is changed; that user's open sessions end at their next click."),
        "updated" => Some("The user's settings are saved."),
        "deleted" => Some("The user was deleted with their keys."),
        "blocked" => Some("The user is blocked: their sessions end at their next click, and their keys are refused."),
        "unblocked" => Some("The user is unblocked: they can sign in again and their keys work."),
        _ => None,
    }
}

/// What the visitor may do to users (the policy's answer, asked once per page).
fn may_manage(state: &AppState, signed: &Signed) -> bool {
    policy::authorize(state, &signed.caller, Op::UserNew).is_ok()
}

fn forbidden() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Admins only",
        "Only proxy admins and admin viewers can see the users.",
        Some(("/ui", "Back to the overview")),
    )
}

async fn list(State(state): State<AppState>, signed: Signed, Query(query): Query<ListQuery>) -> Response {
    if !signed.sees_users(&state) {
        return forbidden();
    }
    let search = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty()).map(str::to_lowercase);
    let mut users = state.users.all();
    users.retain(|u| {
        search.as_ref().is_none_or(|q| {
            u.user_id.to_lowercase().contains(q)
                || u.user_email.as_deref().is_some_and(|e| e.to_lowercase().contains(q))
        })
    });
    users.sort_by(|a, b| a.user_email.cmp(&b.user_email).then_with(|| a.user_id.cmp(&b.user_id)));
    let pages = users.len().div_ceil(PAGE_SIZE).max(1);
    let current = query.page.unwrap_or(1).clamp(1, pages);
    let shown: Vec<_> = users.iter().skip((current - 1) * PAGE_SIZE).take(PAGE_SIZE).collect();
    let mut key_counts: HashMap<&str, usize> = shown.iter().map(|u| (u.user_id.as_str(), 0)).collect();
    let keys = state.keys.all();
    for key in keys.iter().filter(|k| !k.is_session_key) {
        if let Some(count) = key.user_id.as_deref().and_then(|u| key_counts.get_mut(u)) {
            *count += 1;
        }
    }
    let rows: Vec<Row> = shown
        .iter()
        .map(|u| Row {
            user_id: u.user_id.clone(),
            email: u.user_email.clone(),
            role: crate::auth::session::effective_role(&state, u).as_str(),
            spend: u.spend,
            max_budget: u.max_budget,
            keys: key_counts.get(u.user_id.as_str()).copied().unwrap_or(0),
            teams: state
                .teams
                .of_user(&u.user_id)
                .into_iter()
                .map(|(t, _)| t.team_alias.clone().unwrap_or_else(|| t.team_id.clone()))
                .collect(),
            created_at: u.created_at.clone(),
            is_me: u.user_id == signed.user.user_id,
            blocked: u.blocked,
            blockable: u.user_id != state.admin_user_id(),
        })
        .collect();
    let context = minijinja::context! {
        rows,
        total => users.len(),
        page => current,
        pages,
        q => query.q,
        roles => roles(),
        can_manage => may_manage(&state, &signed),
        notice => notice_text(query.notice.as_deref()),
        ..signed.context(&state, "Users", "/ui/users")
    };
    page(StatusCode::OK, "users.html", context)
}

fn new_page(
    state: &AppState,
    signed: &Signed,
    status: StatusCode,
    invite_only: bool,
    values: Map<String, Value>,
    problem: Option<Problem>,
) -> Response {
    let context = minijinja::context! {
        invite_only,
        values,
        problem,
        roles => roles(),
        can_manage => may_manage(state, signed),
        ..signed.context(state, if invite_only { "Invite a user" } else { "New user" }, "/ui/users")
    };
    page(status, "user_new.html", context)
}

async fn new_form(State(state): State<AppState>, signed: Signed, Query(query): Query<ListQuery>) -> Response {
    let status = if may_manage(&state, &signed) { StatusCode::OK } else { StatusCode::FORBIDDEN };
    let mut values = Map::new();
    values.insert("user_role".into(), json!("internal_user"));
    new_page(&state, &signed, status, query.invite.is_some(), values, None)
}

async fn create(
    State(state): State<AppState>,
    PublicBase(base): PublicBase,
    signed: Signed,
    form: FormData,
) -> Response {
    let invite_only = form.get("mode") == Some("invite");
    let values = form.values();
    let fail = |status, problem: Problem| new_page(&state, &signed, status, invite_only, values.clone(), Some(problem));
    let mut body = Map::new();
    form.text_into(&mut body, &["user_email", "user_role", "user_alias", "budget_duration"]);
    if let Err(problem) = form.numbers_into(&mut body, &["max_budget"], false) {
        return fail(StatusCode::BAD_REQUEST, problem);
    }
    if !body.contains_key("user_email") {
        return fail(StatusCode::BAD_REQUEST, Problem::field("user_email", "Enter the user's email address."));
    }
    body.insert("auto_create_key".into(), json!(false));
    let created = match crate::users::routes::new(&state, &signed.caller, &Value::Object(body)).await {
        Ok(created) => created,
        Err(error) => {
            let mut problem = Problem::from(error.clone());
            if problem.field.is_none() && error.message().contains("email") {
                problem.field = Some("user_email".into());
            }
            return fail(error.status(), problem);
        }
    };
    let user_id = created["user_id"].as_str().unwrap_or_default().to_string();
    let link = if invite_only || form.get("invite").is_some() {
        match crate::invitations::routes::new(&state, &base, &signed.caller, &json!({"user_id": user_id})).await {
            Ok(invitation) => invitation["invitation_link"].as_str().map(str::to_string),
            Err(error) => return super::keys::refused(&error),
        }
    } else {
        None
    };
    invited_page(&state, &signed, &user_id, link)
}

fn invited_page(state: &AppState, signed: &Signed, user_id: &str, link: Option<String>) -> Response {
    let user = state.users.get(user_id);
    let context = minijinja::context! {
        email => user.as_ref().and_then(|u| u.user_email.clone()),
        role => user.as_ref().map(|u| u.user_role.as_str()),
        user_id,
        link,
        ..signed.context(state, "User added", "/ui/users")
    };
    page(StatusCode::OK, "user_invited.html", context)
}

async fn invite_again(
    State(state): State<AppState>,
    PublicBase(base): PublicBase,
    signed: Signed,
    Path(id): Path<String>,
) -> Response {
    match crate::invitations::routes::new(&state, &base, &signed.caller, &json!({"user_id": id})).await {
        Ok(invitation) => {
            invited_page(&state, &signed, &id, invitation["invitation_link"].as_str().map(str::to_string))
        }
        Err(error) => super::keys::refused(&error),
    }
}

async fn change_role(
    State(state): State<AppState>,
    signed: Signed,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    let role = form.get("user_role").unwrap_or_default();
    match crate::users::routes::update(&state, &signed.caller, &json!({"user_id": id, "user_role": role})).await {
        Ok(_) => Redirect::to("/ui/users?notice=role").into_response(),
        Err(error) => super::keys::refused(&error),
    }
}

async fn block(State(state): State<AppState>, signed: Signed, Path(id): Path<String>, form: FormData) -> Response {
    let blocked = form.get("blocked") != Some("false");
    match crate::users::block::set_blocked(&state, &signed.caller, &json!({"user_ids": [id]}), blocked).await {
        Ok(_) => Redirect::to(if blocked { "/ui/users?notice=blocked" } else { "/ui/users?notice=unblocked" })
            .into_response(),
        Err(error) => super::keys::refused(&error),
    }
}

async fn confirm_delete(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    // Asked before the lookup: the page shows the user's email.
    if let Err(error) = policy::authorize(&state, &signed.caller, Op::UserDelete) {
        return super::keys::refused(&error);
    }
    let Some(user) = state.users.get(&id) else {
        return message(
            StatusCode::NOT_FOUND,
            "No such user",
            "The user does not exist (any more).",
            Some(("/ui/users", "Back to users")),
        );
    };
    let keys =
        state.keys.all().iter().filter(|k| k.user_id.as_deref() == Some(id.as_str()) && !k.is_session_key).count();
    let context = minijinja::context! {
        user_id => user.user_id,
        email => user.user_email,
        keys,
        can_manage => may_manage(&state, &signed),
        ..signed.context(&state, "Delete user", "/ui/users")
    };
    page(StatusCode::OK, "user_delete.html", context)
}

async fn delete(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    match crate::users::routes::delete(&state, &signed.caller, &json!({"user_ids": [id]})).await {
        Ok(_) => Redirect::to("/ui/users?notice=deleted").into_response(),
        Err(error) => super::keys::refused(&error),
    }
}

/// A path segment, percent-encoded (ids may hold any character).
pub fn encode(segment: &str) -> String {
    crate::invitations::encode(segment)
}
