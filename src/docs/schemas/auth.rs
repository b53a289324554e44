//! The sign-in routes' bodies and answers, and LiteLLM's UI-settings answers.

use utoipa::ToSchema;

/// `POST /login` (a form, as LiteLLM's UI posts it) and `POST /v2/login` (JSON).
#[derive(ToSchema)]
pub struct LoginRequest {
    /// `admin` (or `UI_USERNAME`) for the built-in admin, else the user's email.
    username: String,
    password: String,
    /// A local path to go to after signing in (`/login` only).
    next: Option<String>,
}

/// `POST /v2/login`: the session token (also set as the session cookie).
#[derive(ToSchema)]
pub struct LoginAnswer {
    redirect_url: String,
    token: String,
}

/// `GET /.well-known/litellm-ui-config`.
#[derive(ToSchema)]
pub struct UiConfig {
    server_root_path: String,
    proxy_base_url: String,
    auto_redirect_to_sso: bool,
    admin_ui_disabled: bool,
    sso_configured: bool,
}

/// `GET /sso/get/ui_settings`.
#[derive(ToSchema)]
#[allow(non_snake_case)] // LiteLLM's field names
pub struct UiSettings {
    PROXY_BASE_URL: String,
    PROXY_LOGOUT_URL: Option<String>,
    DEFAULT_TEAM_DISABLED: bool,
    SSO_ENABLED: bool,
    DISABLE_EXPENSIVE_DB_QUERIES: bool,
}
