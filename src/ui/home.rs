//! `/ui`: the signed-in landing page (who you are, your role, sign out). A visitor without
//! a session is sent to the sign-in page and brought back here after it.

use super::page;
use crate::auth::session;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui", get(home)).route("/ui/", get(home))
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(user) = session::from_headers(&state, &headers) else {
        return Redirect::to("/ui/login?next=/ui").into_response();
    };
    let teams: Vec<String> = state
        .teams
        .of_user(&user.user_id)
        .into_iter()
        .map(|(team, membership)| {
            let name = team.team_alias.clone().unwrap_or_else(|| team.team_id.clone());
            format!("{name} ({})", membership.role.as_str())
        })
        .collect();
    page(
        StatusCode::OK,
        "home.html",
        minijinja::context! {
            title => "Overview",
            user => minijinja::context! {
                user_id => user.user_id,
                email => user.email,
                role => user.role.as_str(),
                login_method => user.login_method,
            },
            teams,
            csrf_token => state.sessions.csrf_token(&user.sid),
        },
    )
}
