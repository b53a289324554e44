//! Who is looking at a page: the `Signed` extractor admits a request with a valid UI
//! session and sends everyone else to the sign-in page with `next` set to where they were
//! going, so they come back after it. It also builds the `Caller` the domain functions
//! take, so a page asks the same policy as the JSON routes, and the context every page
//! shares (user, navigation for the role, CSRF token, asset names).

use crate::auth::policy::{self, Op};
use crate::auth::{Caller, Credential, Role, SessionUser, session};
use crate::state::AppState;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

/// A signed-in visitor.
pub struct Signed {
    pub user: SessionUser,
    pub caller: Caller,
    pub csrf: String,
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let Some(user) = session::from_headers(state, &parts.headers) else {
            let here = parts.uri.path_and_query().map_or("/ui", |p| p.as_str());
            // A form post has nowhere useful to come back to: its page will do.
            let here = if parts.method == axum::http::Method::GET { here } else { parts.uri.path() };
            // Slashes stay readable (`next=/ui/keys`); everything else that could end the
            // parameter is escaped.
            let next = crate::invitations::encode(here).replace("%2F", "/");
            return Err(Redirect::to(&format!("/ui/login?next={next}")).into_response());
        };
        let caller = Caller {
            user_id: Some(user.user_id.clone()),
            role: Some(user.role),
            credential: Credential::Session(user.clone()),
        };
        let csrf = state.sessions.csrf_token(&user.sid);
        Ok(Signed { user, caller, csrf })
    }
}

#[derive(Serialize)]
struct NavItem {
    href: &'static str,
    label: &'static str,
    current: bool,
}

impl Signed {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// Whether the policy lets this visitor list users (admins and admin viewers).
    pub fn sees_users(&self, state: &AppState) -> bool {
        policy::authorize(state, &self.caller, Op::UserList).is_ok()
    }

    /// The context every page gets; `current` is the navigation entry to highlight.
    pub fn context(&self, state: &AppState, title: &str, current: &str) -> minijinja::Value {
        let admin_view = self.user.role.sees_everything();
        let mut nav = vec![("/ui", "Overview"), ("/ui/keys", "Keys")];
        if self.sees_users(state) {
            nav.push(("/ui/users", "Users"));
        }
        nav.extend([("/ui/teams", "Teams"), ("/ui/usage", "Usage"), ("/ui/logs", "Logs"), ("/ui/models", "Models")]);
        if policy::authorize(state, &self.caller, Op::AlertRead).is_ok() {
            nav.push(("/ui/alerts", "Alerts"));
        }
        nav.push(("/ui/test-key", "Test key"));
        nav.push(("/ui/connect", "Connect"));
        if self.user.role == Role::ProxyAdmin {
            nav.push(("/ui/settings", "Settings"));
        }
        let nav: Vec<NavItem> =
            nav.into_iter().map(|(href, label)| NavItem { href, label, current: href == current }).collect();
        minijinja::context! {
            title,
            nav,
            admin_view,
            csrf_token => self.csrf,
            user => minijinja::context! {
                user_id => self.user.user_id,
                email => self.user.email,
                role => self.user.role.as_str(),
                login_method => self.user.login_method,
            },
        }
    }
}
