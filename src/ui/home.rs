//! `/ui`: the signed-in landing page: who you are, your teams, and the numbers that
//! matter at a glance (keys, spend against budget), with the next steps for your role. A
//! visitor without a session is sent to the sign-in page and brought back here after it.

use super::{Signed, page};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui", get(home)).route("/ui/", get(home))
}

async fn home(State(state): State<AppState>, signed: Signed) -> Response {
    let me = &signed.user.user_id;
    let teams: Vec<String> = state
        .teams
        .of_user(me)
        .into_iter()
        .map(|(team, membership)| {
            let name = team.team_alias.clone().unwrap_or_else(|| team.team_id.clone());
            format!("{name} ({})", membership.role.as_str())
        })
        .collect();
    let keys = state.keys.all();
    let my_keys = keys.iter().filter(|k| !k.is_session_key && k.user_id.as_deref() == Some(me.as_str())).count();
    let all_keys = keys.iter().filter(|k| !k.is_session_key).count();
    let record = state.users.get(me);
    let context = minijinja::context! {
        teams,
        my_keys,
        all_keys,
        user_count => state.users.all().len(),
        model_count => state.router().public_names().len(),
        spend => record.as_ref().map_or(0.0, |u| u.spend),
        max_budget => record.as_ref().and_then(|u| u.max_budget),
        can_create => super::keys::may_create(&state, &signed),
        ..signed.context(&state, "Overview", "/ui")
    };
    page(StatusCode::OK, "home.html", context)
}
