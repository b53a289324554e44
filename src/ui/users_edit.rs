//! `/ui/users/{id}/edit` (proxy admins): a user's display name, role, budget and its
//! period, as a plain form that becomes `/user/update`'s JSON body and goes through
//! `users::routes::update`, so the rules (roles, budgets, defaults on becoming an
//! internal user) and the permission check are the API's.

use super::form::{FormData, Problem};
use super::{Signed, message, page};
use crate::auth::Role;
use crate::auth::policy::{self, Op};
use crate::state::AppState;
use crate::users::UserRecord;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde_json::{Map, Value};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/users/{id}/edit", get(form).post(save))
}

/// Whether the visitor may change users' settings (not only their email).
pub fn may_edit(state: &AppState, signed: &Signed) -> bool {
    policy::authorize(state, &signed.caller, Op::UserUpdate).is_ok()
}

fn refused() -> Response {
    message(
        StatusCode::FORBIDDEN,
        "Admins only",
        "Only proxy admins can change users.",
        Some(("/ui/users", "Back to users")),
    )
}

fn not_found() -> Response {
    message(
        StatusCode::NOT_FOUND,
        "No such user",
        "The user does not exist (any more).",
        Some(("/ui/users", "Back to users")),
    )
}

fn values_of(user: &UserRecord) -> Map<String, Value> {
    let mut values = Map::new();
    let mut put = |name: &str, value: Option<String>| {
        values.insert(name.into(), Value::String(value.unwrap_or_default()));
    };
    put("user_alias", user.user_alias.clone());
    put("user_role", Some(user.user_role.as_str().to_string()));
    put("max_budget", user.max_budget.map(|v| v.to_string()));
    put("budget_duration", user.budget_duration.clone());
    values
}

fn form_page(
    state: &AppState,
    signed: &Signed,
    user: &UserRecord,
    status: StatusCode,
    values: Map<String, Value>,
    problem: Option<Problem>,
) -> Response {
    let context = minijinja::context! {
        user_id => user.user_id,
        email => user.user_email,
        // Admins do not demote themselves here: the list offers no role change on
        // their own row either, so nobody locks the last admin out by a slip.
        is_me => user.user_id == signed.user.user_id,
        roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        values,
        problem,
        ..signed.context(state, "Edit user", "/ui/users")
    };
    page(status, "user_edit.html", context)
}

async fn form(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    if !may_edit(&state, &signed) {
        return refused();
    }
    let Some(user) = state.users.get(&id) else { return not_found() };
    form_page(&state, &signed, &user, StatusCode::OK, values_of(&user), None)
}

/// The form as `/user/update`'s JSON body.
fn body_of(form: &FormData, user_id: &str, is_me: bool) -> Result<Value, Problem> {
    let mut body = Map::new();
    body.insert("user_id".into(), Value::String(user_id.to_string()));
    form.text_into(&mut body, &["user_alias", "budget_duration"]);
    if !is_me {
        form.text_into(&mut body, &["user_role"]);
    }
    form.numbers_into(&mut body, &["max_budget"], false)?;
    form.cleared_into(&mut body, &["user_alias", "budget_duration", "max_budget"]);
    Ok(Value::Object(body))
}

async fn save(State(state): State<AppState>, signed: Signed, Path(id): Path<String>, form: FormData) -> Response {
    // Before anything is rendered: a refused form would show the user's settings.
    if !may_edit(&state, &signed) {
        return refused();
    }
    let Some(user) = state.users.get(&id) else { return not_found() };
    let values = form.values();
    let mut body = match body_of(&form, &user.user_id, user.user_id == signed.user.user_id) {
        Ok(body) => body,
        Err(problem) => return form_page(&state, &signed, &user, StatusCode::BAD_REQUEST, values, Some(problem)),
    };
    super::form::drop_unchanged_period(&mut body, user.budget_duration.as_deref());
    match crate::users::routes::update(&state, &signed.caller, &body).await {
        Ok(_) => Redirect::to("/ui/users?notice=updated").into_response(),
        Err(error) => form_page(&state, &signed, &user, error.status(), values, Some(error.into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_admin_editing_themselves_sends_no_role() {
        let form = FormData(vec![("user_role".into(), "internal_user".into()), ("max_budget".into(), "".into())]);
        let body = body_of(&form, "me", true).unwrap();
        assert!(body.get("user_role").is_none(), "{body}");
        assert_eq!(body["max_budget"], Value::Null);
        assert_eq!(body_of(&form, "other", false).unwrap()["user_role"], "internal_user");
    }
}
