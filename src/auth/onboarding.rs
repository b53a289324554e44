//! The invitation link's page: `GET /ui/onboarding?id=…` (LiteLLM's current UI builds
//! `?invitation_id=`; both work) shows who is invited and asks for a password twice;
//! `POST /ui/onboarding` accepts the invitation once (compare-and-set on `is_accepted`,
//! expiry compared as a timestamp against the clock), stores the argon2id hash and signs
//! the user in. The form's token is a MAC of the invitation id, so another site cannot
//! post it. The JSON `/onboarding/*` routes are the management API's.

use super::login::with_session;
use super::request_info::{Peer, RequestInfo};
use super::session;
use crate::error::ApiError;
use crate::invitations::claim::{LinkState, claim, link_state};
use crate::state::AppState;
use crate::ui::{message, page};
use crate::users::UserRecord;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

const FORM_PURPOSE: &str = "onboarding";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/onboarding", get(show).post(accept))
}

#[derive(Deserialize, Default)]
pub struct InvitationQuery {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    invitation_id: Option<String>,
}

impl InvitationQuery {
    fn id(&self) -> Option<&str> {
        self.id.as_deref().or(self.invitation_id.as_deref()).map(str::trim).filter(|s| !s.is_empty())
    }
}

#[derive(Deserialize)]
pub struct OnboardingForm {
    #[serde(default, alias = "id", alias = "invitation_link")]
    invitation_id: String,
    #[serde(default)]
    password: String,
    #[serde(default, alias = "password_confirm", alias = "password2")]
    confirm_password: String,
    #[serde(default)]
    csrf_token: String,
}

fn closed_page(invitation: &LinkState) -> Response {
    let (status, title, text) = match invitation {
        LinkState::Unknown => (
            StatusCode::NOT_FOUND,
            "Invitation not found",
            "This invitation link does not exist. Check that you copied the whole link, or ask your admin for a new one.",
        ),
        LinkState::Used => (
            StatusCode::GONE,
            "Invitation already used",
            "This invitation link has already been used. Sign in with your email and password.",
        ),
        LinkState::Expired => {
            (StatusCode::GONE, "Invitation expired", "This invitation link has expired. Ask your admin for a new one.")
        }
        LinkState::Revoked => (
            StatusCode::GONE,
            "Invitation no longer valid",
            "Whoever made this invitation may no longer onboard you. Ask your admin for a new one.",
        ),
        LinkState::Open { .. } => (StatusCode::OK, "Invitation", ""),
    };
    message(status, title, text, Some(("/ui/login", "Go to sign-in")))
}

/// A blocked user keeps their invitation but cannot use it until they are unblocked (it
/// would set a password and open a session the block is meant to prevent).
fn blocked_page() -> Response {
    message(StatusCode::FORBIDDEN, "Account blocked", super::login::BLOCKED, Some(("/ui/login", "Go to sign-in")))
}

fn form_page(state: &AppState, id: &str, user: &UserRecord, error: Option<&str>, status: StatusCode) -> Response {
    page(
        status,
        "onboarding.html",
        minijinja::context! {
            title => "Set your password",
            invitation_id => id,
            invitee => user.user_email.clone().unwrap_or_else(|| user.user_id.clone()),
            role => user.user_role.as_str(),
            csrf_token => state.sessions.mac(FORM_PURPOSE, id),
            min_length => state.config.settings.general_settings.min_password_length,
            error,
        },
    )
}

async fn show(State(state): State<AppState>, Query(query): Query<InvitationQuery>) -> Response {
    let Some(id) = query.id() else { return closed_page(&LinkState::Unknown) };
    match link_state(&state, id).await {
        Ok(LinkState::Open { user, .. }) if user.blocked => blocked_page(),
        Ok(LinkState::Open { user, .. }) => form_page(&state, id, &user, None, StatusCode::OK),
        Ok(closed) => closed_page(&closed),
        Err(e) => e.into_response(),
    }
}

async fn accept(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(form): Form<OnboardingForm>,
) -> Response {
    let id = form.invitation_id.trim().to_string();
    if id.is_empty() {
        return closed_page(&LinkState::Unknown);
    }
    if !state.sessions.mac_matches(FORM_PURPOSE, &id, &form.csrf_token) {
        return message(
            StatusCode::FORBIDDEN,
            "Form refused",
            "This form did not come from the invitation page (missing or wrong CSRF token). Open the invitation link again.",
            None,
        );
    }
    let user = match link_state(&state, &id).await {
        Ok(LinkState::Open { user, .. }) if user.blocked => return blocked_page(),
        Ok(LinkState::Open { user, .. }) => user,
        Ok(closed) => return closed_page(&closed),
        Err(e) => return e.into_response(),
    };
    let min = state.config.settings.general_settings.min_password_length;
    let problem = if form.password.chars().count() < min {
        Some(format!("The password must have at least {min} characters."))
    } else if form.password != form.confirm_password {
        Some("The two passwords are not the same.".to_string())
    } else {
        None
    };
    if let Some(problem) = problem {
        return form_page(&state, &id, &user, Some(&problem), StatusCode::BAD_REQUEST);
    }
    let password = form.password.clone();
    let hash = match super::password::run_limited(move || super::password::hash(&password)).await {
        Ok(Ok(hash)) => hash,
        Ok(Err(e)) | Err(e) => return ApiError::internal(format!("cannot hash a password: {e}")).into_response(),
    };
    let accepted = match claim(&state, &id, &user.user_id, hash).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            // Someone used or the clock expired the link between the page and the post.
            return match link_state(&state, &id).await {
                Ok(closed) => closed_page(&closed),
                Err(e) => e.into_response(),
            };
        }
        Err(e) => return e.into_response(),
    };
    let role = session::effective_role(&state, &accepted);
    if !session::may_use_ui(&state, role) {
        return message(
            StatusCode::FORBIDDEN,
            "Password set",
            "Your password is set, but this proxy lets only proxy admins and admin viewers sign in to the UI.",
            None,
        );
    }
    let info = RequestInfo::from_headers(&headers, peer, &state);
    let redirect = Redirect::to("/ui").into_response();
    match with_session(&state, &info, &accepted, role, session::PASSWORD, redirect) {
        Ok(response) => response,
        Err(detail) => ApiError::internal(detail).into_response(),
    }
}
