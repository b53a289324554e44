//! Password sign-in and sign-out: `GET /ui/login` (the page), `POST /login` (the form, as
//! LiteLLM's UI posts it), `POST /v2/login` (JSON, returns the token too) and
//! `POST /logout` (CSRF-checked like every cookie-authenticated change; `GET /logout` only
//! asks, so a link or image on another site cannot sign anyone out). The built-in admin (`UI_USERNAME`/`UI_PASSWORD`, the password defaulting
//! to the master key) signs in as `PROXY_ADMIN_ID`; everyone else by email and the
//! argon2id password set at onboarding. Failures never say whether the email exists.

use super::login_limit::{Admission, Limits};
use super::request_info::{Peer, RequestInfo, base_url};
use super::session::{self, SessionUser};
use super::{Role, password};
use crate::error::ApiError;
use crate::state::AppState;
use crate::users::UserRecord;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Json};
use serde::Deserialize;
use std::sync::Arc;
use subtle::ConstantTimeEq;

pub const INVALID_CREDENTIALS: &str =
    "Invalid credentials used to access UI. Check 'UI_USERNAME' and 'UI_PASSWORD', or the password set for your user.";
pub const BLOCKED: &str = "This account is blocked. Ask a proxy admin to unblock it.";
pub const ADMIN_ONLY: &str = "User not allowed to access proxy. This proxy admits only proxy admins and admin viewers \
     to the UI (ui_access_mode = admin_only).";

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/ui/login", get(login_page))
        .route("/fallback/login", get(login_page))
        .route("/login", post(login_form))
        .route("/v2/login", post(login_json))
        .route("/logout", get(logout_page).post(logout))
}

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct Credentials {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Where the browser goes after signing in when `next` is missing or refused.
pub const DEFAULT_NEXT: &str = "/ui";

/// Where to go after signing in: `next` if it is a plain path on this site, else
/// [`DEFAULT_NEXT`]. Every route that takes `next` (the sign-in page and form, SSO) asks
/// this one function, so `next` cannot send the browser and its fresh session elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| is_local_path(n)).unwrap_or(DEFAULT_NEXT).to_string()
}

/// A path that stays on this site in every browser: one leading `/`, then neither `/` nor
/// `\`. Browsers drop tabs and line breaks from a URL and read `\` as `/`, so `/<TAB>/x`
/// and `/\x` both become `//x`, another host: any control character, white space or
/// backslash anywhere refuses the value (and CR/LF could not go into a header anyway).
fn is_local_path(next: &str) -> bool {
    let bytes = next.as_bytes();
    bytes.first() == Some(&b'/')
        && !matches!(bytes.get(1), Some(b'/' | b'\\'))
        && !bytes.iter().any(|b| b.is_ascii_control() || b.is_ascii_whitespace() || *b == b'\\')
}

/// `next`, URL-encoded for the "Login with SSO" link; `None` hides the link (no provider).
fn sso_next(state: &AppState, next: &str) -> Option<String> {
    // A half-configured provider still shows the link: its page names what is missing.
    let _provider = super::sso::Provider::configured(state)?;
    Some(form_urlencoded::byte_serialize(next.as_bytes()).collect())
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap, Query(query): Query<NextQuery>) -> Response {
    let next = safe_next(query.next.as_deref());
    if session::from_headers(&state, &headers).is_some() {
        return Redirect::to(&next).into_response();
    }
    login_page_with(&state, StatusCode::OK, &next, "", None)
}

pub(crate) fn login_page_with(
    state: &AppState,
    status: StatusCode,
    next: &str,
    username: &str,
    error: Option<&str>,
) -> Response {
    crate::ui::page(
        status,
        "login.html",
        minijinja::context! { title => "Sign in", next, username, error, sso_next => sso_next(state, next) },
    )
}

/// Why a sign-in failed.
enum Failure {
    Invalid,
    Locked {
        retry_after: u64,
    },
    NotAllowed,
    /// The password was right, but an admin blocked the user.
    Blocked,
    Internal(String),
}

fn limits(state: &AppState) -> Limits {
    let general = &state.config.settings.general_settings;
    let lockout = crate::duration::Duration::parse(&general.login_lockout_duration).map(|d| d.approx_seconds());
    Limits {
        per_account: general.login_max_failures,
        per_address: general.login_max_failures_per_address,
        lockout_seconds: lockout.unwrap_or(300),
    }
}

fn lock_message(retry_after: u64) -> String {
    let minutes = retry_after.div_ceil(60);
    format!(
        "Too many failed sign-in attempts. Sign-in from your address is locked: try again in {} {}.",
        minutes,
        if minutes == 1 { "minute" } else { "minutes" }
    )
}

/// Checks the credentials (rate limited) and returns the user and the role to sign in as.
async fn attempt(
    state: &AppState,
    client: &str,
    username: &str,
    given: &str,
) -> Result<(Arc<UserRecord>, Role), Failure> {
    let limits = limits(state);
    let now = state.clock.now();
    match state.login_limits.admit(username, client, now, limits) {
        Admission::Locked { retry_after } => return Err(Failure::Locked { retry_after }),
        Admission::Proceed { delay_ms } if delay_ms > 0 => {
            tokio::time::sleep(std::time::Duration::from_millis(delay_ms)).await;
        }
        Admission::Proceed { .. } => {}
    }
    let general = &state.config.settings.general_settings;
    let is_admin_name: bool = username.as_bytes().ct_eq(general.ui_username.as_bytes()).into();
    let admin_password_ok = match &general.ui_password {
        Some(expected) => given.as_bytes().ct_eq(expected.expose().as_bytes()).into(),
        None => state.master_key.matches(given),
    };
    let found = if is_admin_name && admin_password_ok && !given.is_empty() {
        state.users.get(state.admin_user_id()).map(|u| (u, Role::ProxyAdmin))
    } else {
        let user = state.users.by_email(username.trim());
        let stored = user.as_ref().and_then(|u| u.password_hash.clone());
        let given = given.to_string();
        let ok = password::run_limited(move || match stored {
            Some(stored) => password::verify(&given, &stored),
            None => {
                password::verify_nothing(&given);
                false
            }
        })
        .await
        .map_err(Failure::Internal)?;
        user.filter(|_| ok).map(|u| {
            let role = session::effective_role(state, &u);
            (u, role)
        })
    };
    match found {
        Some((user, role)) => {
            state.login_limits.succeeded(username, client);
            // Said only to someone who knows the password, so it reveals nothing more.
            if user.blocked {
                return Err(Failure::Blocked);
            }
            if !session::may_use_ui(state, role) {
                return Err(Failure::NotAllowed);
            }
            Ok((user, role))
        }
        None => match state.login_limits.failed(username, client, now, limits) {
            Some(retry_after) => Err(Failure::Locked { retry_after }),
            None => Err(Failure::Invalid),
        },
    }
}

fn client_of(headers: &HeaderMap, peer: Option<std::net::IpAddr>, state: &AppState) -> RequestInfo {
    RequestInfo::from_headers(headers, peer, state)
}

/// Opens a session for `user`: the token and its `Set-Cookie` value.
fn open_session(
    state: &AppState,
    info: &RequestInfo,
    user: &UserRecord,
    role: Role,
    method: &str,
) -> Result<(String, HeaderValue), String> {
    let (token, lifetime) = session::issue(state, user, role, method)?;
    let cookie = session::set_cookie(session::COOKIE, &token, "/", lifetime, info.https);
    Ok((token, cookie))
}

/// `response` with a new session cookie for `user` (every sign-in path ends here).
pub fn with_session(
    state: &AppState,
    info: &RequestInfo,
    user: &UserRecord,
    role: Role,
    method: &str,
    mut response: Response,
) -> Result<Response, String> {
    let (_, cookie) = open_session(state, info, user, role, method)?;
    response.headers_mut().append(header::SET_COOKIE, cookie);
    Ok(response)
}

async fn login_form(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    Form(form): Form<Credentials>,
) -> Response {
    let info = client_of(&headers, peer, &state);
    let next = safe_next(form.next.as_deref());
    match attempt(&state, &info.client, &form.username, &form.password).await {
        Ok((user, role)) => {
            let redirect = Redirect::to(&next).into_response();
            match with_session(&state, &info, &user, role, session::PASSWORD, redirect) {
                Ok(response) => response,
                Err(detail) => internal_page(&detail),
            }
        }
        Err(Failure::Invalid) => {
            login_page_with(&state, StatusCode::UNAUTHORIZED, &next, &form.username, Some(INVALID_CREDENTIALS))
        }
        Err(Failure::Locked { retry_after }) => {
            let mut page = login_page_with(
                &state,
                StatusCode::TOO_MANY_REQUESTS,
                &next,
                &form.username,
                Some(&lock_message(retry_after)),
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after.to_string()) {
                page.headers_mut().insert(header::RETRY_AFTER, value);
            }
            page
        }
        Err(Failure::NotAllowed) => {
            login_page_with(&state, StatusCode::FORBIDDEN, &next, &form.username, Some(ADMIN_ONLY))
        }
        Err(Failure::Blocked) => login_page_with(&state, StatusCode::FORBIDDEN, &next, &form.username, Some(BLOCKED)),
        Err(Failure::Internal(detail)) => internal_page(&detail),
    }
}

fn internal_page(detail: &str) -> Response {
    tracing::error!(error = %detail, "sign-in failed");
    crate::ui::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Sign-in failed",
        "Something went wrong on the proxy; it logged the details. Try again.",
        Some(("/ui/login", "Back to sign-in")),
    )
}

async fn login_json(
    State(state): State<AppState>,
    Peer(peer): Peer,
    headers: HeaderMap,
    body: Result<Json<Credentials>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body.map_err(crate::error::json_rejection)?;
    let info = client_of(&headers, peer, &state);
    match attempt(&state, &info.client, &body.username, &body.password).await {
        Ok((user, role)) => {
            let redirect_url = format!("{}/ui?login=success", base_url(&state, &info));
            let (token, cookie) =
                open_session(&state, &info, &user, role, session::PASSWORD).map_err(ApiError::internal)?;
            let mut answer = Json(serde_json::json!({ "redirect_url": redirect_url, "token": token })).into_response();
            answer.headers_mut().append(header::SET_COOKIE, cookie);
            Ok(answer)
        }
        Err(Failure::Invalid) => Err(ApiError::Unauthorized(INVALID_CREDENTIALS.into())),
        Err(Failure::Locked { retry_after }) => {
            Err(ApiError::RateLimited { message: lock_message(retry_after), retry_after })
        }
        Err(Failure::NotAllowed) => Err(ApiError::Unauthorized(ADMIN_ONLY.into())),
        Err(Failure::Blocked) => Err(ApiError::Forbidden(BLOCKED.into())),
        Err(Failure::Internal(detail)) => Err(ApiError::internal(detail)),
    }
}

/// `GET /logout`: a page with the sign-out form (signing out changes state, so it takes a
/// POST with the CSRF token); signed out already, the sign-in page.
async fn logout_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(user) = session::from_headers(&state, &headers) else {
        return Redirect::to("/ui/login").into_response();
    };
    let csrf_token = state.sessions.csrf_token(&user.sid);
    crate::ui::page(StatusCode::OK, "logout.html", minijinja::context! { title => "Sign out", csrf_token })
}

/// `POST /logout` ends the session: bumps the user's `session_epoch` (so this token, and any copy of it,
/// stops working), clears the cookie and leaves for `PROXY_LOGOUT_URL` or the sign-in page.
async fn logout(State(state): State<AppState>, Peer(peer): Peer, headers: HeaderMap) -> Response {
    let info = client_of(&headers, peer, &state);
    if let Some(user) = session::from_headers(&state, &headers)
        && let Err(e) = end_sessions(&state, &user).await
    {
        tracing::warn!(error = %e, "could not end the sessions at logout; the cookie is cleared anyway");
    }
    let target = state.config.settings.general_settings.proxy_logout_url.clone().unwrap_or_else(|| "/ui/login".into());
    let mut response = Redirect::to(&target).into_response();
    response.headers_mut().append(header::SET_COOKIE, session::clear_cookie(session::COOKIE, "/", info.https));
    response
}

/// Ends every session of the user (bumps `session_epoch`).
pub async fn end_sessions(state: &AppState, user: &SessionUser) -> Result<(), ApiError> {
    let user_id = user.user_id.clone();
    let users = state.clone();
    state
        .db
        .write_then(
            move |tx| {
                crate::users::store::end_sessions(tx, &user_id).map_err(ApiError::from)?;
                Ok::<String, ApiError>(user_id)
            },
            move |user_id| {
                if let Some(current) = users.users.get(user_id) {
                    let mut record = (*current).clone();
                    record.session_epoch += 1;
                    users.users.put(record);
                }
            },
        )
        .await
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/ui/keys?x=1")), "/ui/keys?x=1");
        assert_eq!(safe_next(Some("/ui/usage?back=https://example.com/")), "/ui/usage?back=https://example.com/");
        let refused = [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "/\t/evil.example",
            "/\r\n/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            " //evil.example",
            "/ui\\..\\..",
            "/ui/\u{7f}",
            "/ui/\u{0}",
            "ui",
            "",
        ];
        for bad in refused {
            assert_eq!(safe_next(Some(bad)), "/ui", "{bad:?}");
        }
        assert_eq!(safe_next(None), "/ui");
    }
}
