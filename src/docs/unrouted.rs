//! The routes that are not served through `OpenApiRouter` (sign-in, sign-out, single
//! sign-on, onboarding, LiteLLM's UI settings: plain axum routers in `auth/` and
//! `invitations/`), described here so the document lists every route the proxy answers.
//! The functions are never called; `tests/openapi.rs` checks that every `.route(...)` in
//! the source is in the document. The OpenAI routes without `/v1` are copied from their
//! `/v1` twins by `add_aliases`.

// Description-only functions: the handlers live in `auth/` and `invitations/`.
#![allow(dead_code)]

use super::schemas::auth::{LoginAnswer, LoginRequest, UiConfig, UiSettings};
use super::schemas::invitations::{OnboardingClaimRequest, OnboardingClaimed, OnboardingToken, OnboardingTokenQuery};
use utoipa::openapi::OpenApi;

/// Sign in with the form LiteLLM's UI posts. Answers with pages, not JSON.
#[utoipa::path(post, path = "/login", tag = "sign-in", security(()),
    request_body(content = LoginRequest, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 303, description = "Signed in: on to `next` with the session cookie set"),
        (status = 401, description = "Wrong user name or password: the sign-in page again", body = String, content_type = "text/html"),
        (status = 403, description = "Blocked, or not admitted to the UI", body = String, content_type = "text/html"),
        (status = 429, description = "Too many failed attempts: try later", body = String, content_type = "text/html"),
    ))]
fn login() {}

/// Sign in with JSON: the session token in the answer and as the session cookie.
#[utoipa::path(post, path = "/v2/login", tag = "sign-in", security(()),
    request_body = LoginRequest,
    responses((status = 200, body = LoginAnswer)))]
fn login_json() {}

/// Sign out: ends the user's sessions, clears the cookie and leaves for
/// `PROXY_LOGOUT_URL` or the sign-in page. A cookie-authenticated call needs the CSRF
/// token, as every cookie-authenticated change does.
#[utoipa::path(post, path = "/logout", tag = "sign-in",
    responses((status = 303, description = "Signed out: on to the sign-in page or `PROXY_LOGOUT_URL`"),
              (status = 403, description = "A cookie without the CSRF token", body = String, content_type = "text/html")))]
fn logout() {}

/// Start single sign-on: on to the provider, or the sign-in page when SSO is off.
#[utoipa::path(get, path = "/sso/key/generate", tag = "sign-in", security(()),
    params(("next" = Option<String>, Query, description = "A local path to go to after signing in")),
    responses((status = 303, description = "On to the provider's sign-in"),
              (status = 200, description = "SSO is off: the password sign-in page", body = String, content_type = "text/html"),
              (status = 503, description = "The SSO settings are not usable", body = String, content_type = "text/html")))]
fn sso_start() {}

/// The provider's answer: signs the user in (creating them on first sign-in).
#[utoipa::path(get, path = "/sso/callback", tag = "sign-in", security(()),
    params(("code" = Option<String>, Query), ("state" = Option<String>, Query),
           ("error" = Option<String>, Query), ("error_description" = Option<String>, Query)),
    responses((status = 303, description = "Signed in: on to the UI with the session cookie set"),
              (status = 400, description = "A stale or forged sign-in", body = String, content_type = "text/html"),
              (status = 401, description = "The provider refused", body = String, content_type = "text/html"),
              (status = 403, description = "Not allowed to sign in", body = String, content_type = "text/html"),
              (status = 502, description = "The provider could not be reached", body = String, content_type = "text/html")))]
fn sso_callback() {}

/// What LiteLLM's UI asks before it draws the sign-in page.
#[utoipa::path(get, path = "/.well-known/litellm-ui-config", tag = "sign-in", security(()),
    responses((status = 200, body = UiConfig)))]
fn ui_config() {}

/// The base and sign-out URLs, for a signed-in UI.
#[utoipa::path(get, path = "/sso/get/ui_settings", tag = "sign-in",
    responses((status = 200, body = UiSettings)))]
fn ui_settings() {}

/// Trade an invitation id for a 15-minute onboarding token.
#[utoipa::path(get, path = "/onboarding/get_token", tag = "invitations", security(()),
    params(OnboardingTokenQuery),
    responses((status = 200, body = OnboardingToken)))]
fn onboarding_get_token() {}

/// Set the invited user's password, with the onboarding token as the bearer credential.
/// The invitation is used up.
#[utoipa::path(post, path = "/onboarding/claim_token", tag = "invitations",
    request_body = OnboardingClaimRequest,
    responses((status = 200, body = OnboardingClaimed)))]
fn onboarding_claim_token() {}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    login,
    login_json,
    logout,
    sso_start,
    sso_callback,
    ui_config,
    ui_settings,
    onboarding_get_token,
    onboarding_claim_token
))]
pub struct Unrouted;

/// The routes that answer pages and redirects, not JSON: they keep the answers their
/// description gives and get no JSON error answers.
pub const PAGE_ROUTES: &[&str] = &["/login", "/logout", "/sso/key/generate", "/sso/callback"];

/// The OpenAI and Anthropic routes are also served without `/v1`, as clients with a base
/// URL that lacks it call them; the Responses API's also under `/openai`, where Azure's
/// SDKs (`AzureOpenAI`) call it.
pub fn add_aliases(openapi: &mut OpenApi) {
    let twins: Vec<_> = openapi
        .paths
        .paths
        .iter()
        .flat_map(|(path, item)| {
            let without = path
                .strip_prefix("/v1")
                .filter(|alias| super::errors::is_openai_route(alias) || super::errors::is_anthropic_route(alias));
            let without = without.map(|alias| (alias.to_string(), item.clone(), "without_v1", "without `/v1`"));
            let azure = path
                .strip_prefix("/v1")
                .filter(|alias| alias.starts_with("/responses"))
                .map(|alias| (format!("/openai{alias}"), item.clone(), "azure", "Azure's route"));
            without.into_iter().chain(azure)
        })
        .collect();
    for (alias, mut item, suffix, said) in twins {
        for operation in [&mut item.get, &mut item.post, &mut item.delete].into_iter().flatten() {
            operation.operation_id = operation.operation_id.take().map(|id| format!("{id}_{suffix}"));
            operation.summary = operation.summary.take().map(|s| format!("{s} ({said})"));
        }
        openapi.paths.paths.entry(alias).or_insert(item);
    }
}
