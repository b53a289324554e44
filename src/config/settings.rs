//! Every setting of `proxy`, declared once: its TOML section and name, type, default,
//! the environment variables that set it, an example and its documentation. The example
//! config, the README table, the unknown-key check and the environment overrides are all
//! derived from these declarations, so a new setting cannot be half-added.

use super::api_base::ApiBase;
use super::secret::Secret;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The documentation of one setting, as the macro below records it.
#[derive(Debug, Clone, Copy)]
pub struct SettingDoc {
    /// Dotted TOML path of the table holding the setting (`general_settings`).
    pub section: &'static str,
    pub name: &'static str,
    /// Environment variables that override the file, first match wins.
    pub env: &'static [&'static str],
    /// A TOML literal shown in the example when the default is "unset", or `table`/`map`
    /// for a field that is a table of its own.
    pub example: &'static str,
    pub doc: &'static str,
}

/// The documentation of one section.
#[derive(Debug, Clone, Copy)]
pub struct SectionDoc {
    pub path: &'static str,
    pub doc: &'static str,
    pub settings: &'static [SettingDoc],
    /// Renders the section's defaults as a TOML table (for the example file).
    pub defaults: fn() -> toml::Table,
}

macro_rules! section {
    (
        $(#[doc = $sdoc:literal])*
        $name:ident at $path:literal {
            $(
                $(#[doc = $doc:literal])*
                $field:ident : $ty:ty = $default:expr, eg $eg:literal, env [$($env:literal),*]
            );* $(;)?
        }
    ) => {
        $(#[doc = $sdoc])*
        #[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            $( $(#[doc = $doc])* pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                Self { $( $field: $default, )* }
            }
        }

        impl $name {
            pub const SECTION: SectionDoc = SectionDoc {
                path: $path,
                doc: concat!($($sdoc, "\n"),*),
                settings: &[ $( SettingDoc {
                    section: $path,
                    name: stringify!($field),
                    env: &[$($env),*],
                    example: $eg,
                    doc: concat!($($doc, "\n"),*),
                }, )* ],
                defaults: || toml::Table::try_from($name::default()).unwrap_or_default(),
            };
        }
    };
}

section! {
    /// Where the server listens and keeps its data.
    ServerSettings at "server" {
        /// Address to listen on. `0.0.0.0` accepts connections from other machines.
        host: String = "0.0.0.0".into(), eg "", env ["PROXY_HOST"];
        /// TCP port to listen on.
        port: u16 = 4000, eg "", env ["PORT", "PROXY_PORT"];
        /// The SQLite database file. Created on first start; back it up by copying it while
        /// the proxy is stopped, or with `proxy backup FILE` while it runs.
        database_path: String = "proxy.db".into(), eg "", env ["DATABASE_PATH"];
        /// Public URL of the proxy (scheme, host, port), used for invitation links and the
        /// SSO redirect URI. Defaults to the address the request came to.
        base_url: Option<String> = None, eg "\"https://llm.example.com\"", env ["PROXY_BASE_URL"];
        /// Seconds in-flight requests and streams get to finish after SIGTERM or Ctrl-C.
        shutdown_grace_seconds: u64 = 30, eg "", env ["PROXY_SHUTDOWN_GRACE_SECONDS"];
        /// Log line format: `text` for people, `json` for log collectors.
        log_format: LogFormat = LogFormat::Text, eg "", env ["PROXY_LOG_FORMAT"];
        /// Addresses of reverse proxies whose `X-Forwarded-Proto`/`X-Forwarded-For` are trusted.
        trusted_proxies: Vec<String> = Vec::new(), eg "[\"127.0.0.1\"]", env ["PROXY_TRUSTED_PROXIES"];
        /// Seconds a client has to send a request's whole body once its headers are in (the
        /// headers have 30). A slower body is answered 408 and its connection closed, so a
        /// trickling client cannot hold a connection for ever.
        body_read_timeout_seconds: u64 = 30, eg "", env ["PROXY_BODY_READ_TIMEOUT_SECONDS"];
        /// Client connections held open at once; further ones are closed at once, with a
        /// warning in the log. Lowered at start to fit the open-file limit (`ulimit -n`).
        max_connections: usize = 4096, eg "", env ["PROXY_MAX_CONNECTIONS"];
    }
}

section! {
    /// Authentication and UI access, named as in LiteLLM's `general_settings`.
    GeneralSettings at "general_settings" {
        /// The admin credential (`sk-...`). When unset, one is generated on first start,
        /// stored hashed in the database and printed once.
        master_key: Option<Secret> = None, eg "\"os.environ/LITELLM_MASTER_KEY\"", env ["LITELLM_MASTER_KEY", "PROXY_MASTER_KEY"];
        /// Start although the master key is weak (shorter than 8 characters, or LiteLLM's
        /// documented example `sk-1234` and its kin): anyone who knows it is admin. For
        /// throw-away test setups only (LiteLLM's CI runs so); a loud warning is printed at
        /// start. (An unset key is never weak here: one is generated.)
        dangerously_permit_weak_or_unset_master_key: bool = false, eg "", env ["LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY"];
        /// The largest model request body read, in MB (Claude Code's long sessions with
        /// images outgrow a few MB; Anthropic takes 32). Larger ones get a 413.
        max_request_size_mb: u64 = 32, eg "", env [];
        /// The largest audio upload (`/v1/audio/transcriptions`, `/v1/audio/translations`),
        /// in MB, as OpenAI's 25 MB. The upload is relayed to the upstream as it arrives and
        /// cut off with a 413 past this size. The other routes of the router take 2 MB.
        max_audio_request_size_mb: u64 = 25, eg "", env [];
        /// The proxy's own secret, at least 32 random characters (`openssl rand -hex 32`):
        /// the session-signing key is derived from it. Unset: a key file beside the database
        /// (`proxy.key` for `proxy.db`, mode 0600) is made on first start and read after.
        /// Never stored in the database nor in backups; changing it signs everyone out.
        /// `PROXY_SECRET_KEY_FILE` may name a file holding it; LiteLLM's `LITELLM_SALT_KEY`
        /// is read when neither is set.
        secret_key: Option<Secret> = None, eg "\"os.environ/PROXY_SECRET_KEY\"", env ["PROXY_SECRET_KEY", "LITELLM_SALT_KEY"];
        /// User name of the built-in admin sign-in on the UI.
        ui_username: String = "admin".into(), eg "", env ["UI_USERNAME"];
        /// Password of the built-in admin sign-in. Defaults to the master key.
        ui_password: Option<Secret> = None, eg "\"os.environ/UI_PASSWORD\"", env ["UI_PASSWORD"];
        /// A user id that is always a proxy admin (for example your SSO id).
        proxy_admin_id: Option<String> = None, eg "\"116544810872468347480\"", env ["PROXY_ADMIN_ID"];
        /// Where the browser goes after logout. Defaults to the sign-in page.
        proxy_logout_url: Option<String> = None, eg "\"https://example.com\"", env ["PROXY_LOGOUT_URL"];
        /// `all`, or `admin_only` to let only proxy admins and admin viewers sign in to the UI.
        ui_access_mode: UiAccessMode = UiAccessMode::All, eg "", env ["UI_ACCESS_MODE"];
        /// How long a UI session lasts (`30m`, `24h`, `7d`).
        ui_session_duration: String = "24h".into(), eg "", env ["LITELLM_UI_SESSION_DURATION"];
        /// Shortest password a user may set on the onboarding page.
        min_password_length: usize = 8, eg "", env ["PROXY_MIN_PASSWORD_LENGTH"];
        /// Failed sign-ins to one account from one client address before that address may not
        /// sign in to it for `login_lockout_duration`. Other addresses still can (failures only
        /// slow them down), so no one can lock the owner out.
        login_max_failures: u32 = 5, eg "", env ["PROXY_LOGIN_MAX_FAILURES"];
        /// Failed sign-ins from one client address before it is locked.
        login_max_failures_per_address: u32 = 20, eg "", env ["PROXY_LOGIN_MAX_FAILURES_PER_ADDRESS"];
        /// How long a locked account or address waits (`30s`, `5m`, `1h`).
        login_lockout_duration: String = "5m".into(), eg "", env ["PROXY_LOGIN_LOCKOUT_DURATION"];
        /// Extra request header that carries the API key, besides `Authorization`.
        litellm_key_header_name: Option<String> = None, eg "\"x-litellm-api-key\"", env [];
        /// Do not write a spend-log row per request (running spend is still kept).
        disable_spend_logs: bool = false, eg "", env [];
        /// How long spend-log rows (one per request, listed by `/spend/logs`) are kept, e.g.
        /// `30d` or `1mo`; older ones are deleted every `maximum_spend_logs_retention_interval`,
        /// in small batches. The per-day and per-week sums behind the usage page,
        /// `/user/daily/activity` and `/global/spend/report`, and the spend of keys, users
        /// and teams are kept for ever. Unset: rows are kept for ever.
        maximum_spend_logs_retention_period: Option<String> = None, eg "\"30d\"", env [];
        /// How often rows older than `maximum_spend_logs_retention_period` are deleted
        /// (`1h`, `1d`); also once at start.
        maximum_spend_logs_retention_interval: String = "1d".into(), eg "", env [];
        /// Keep each model request's request and response bodies with its spend-log row,
        /// shown in the request log's detail view and as `messages`, `response` and
        /// `proxy_server_request` in `/spend/logs`. Credentials (fields named like keys,
        /// anything like `sk-…` or `Bearer …`, the deployments' keys) are replaced first, and
        /// each body is cut at 64 KiB. A key's or team's `metadata` may set
        /// `store_prompts_in_spend_logs` too: `false` turns it off for them, `true` on for
        /// them alone.
        store_prompts_in_spend_logs: bool = false, eg "", env ["STORE_PROMPTS_IN_SPEND_LOGS"];
        /// How long kept request and response bodies stay (`1h`, `7d`, `1mo`): pruned with
        /// the spend-log retention job, every `maximum_spend_logs_retention_interval`, while
        /// the rows stay their own period.
        payload_retention_period: String = "7d".into(), eg "", env [];
        /// Serve `/metrics` to anyone who can reach it, without a key: for a Prometheus
        /// scraper on a private network. Unset, it takes a key (or UI session) with the
        /// `proxy_admin` or `proxy_admin_viewer` role.
        metrics_public: bool = false, eg "", env ["PROXY_METRICS_PUBLIC"];
        /// Count no model requests for `/metrics`: its request, token, spend and latency
        /// families stay empty (budgets, deployment states, the process and the database
        /// are still there). Made to measure what counting costs (`bench/metrics_cost.sh`);
        /// LiteLLM has no such setting (it counts only with its `prometheus` callback).
        disable_metrics: bool = false, eg "", env [];
        /// Where alerts go (LiteLLM's names): `slack` (a Slack-compatible `{"text": ...}`
        /// post to `slack_webhook_url`), `webhook` (a JSON event to `webhook_url`), `email`
        /// (to the budget's owner and the proxy admins, through `[email]`). Empty: no alerts.
        alerting: Vec<String> = Vec::new(), eg "[\"slack\", \"webhook\", \"email\"]", env [];
        /// Which alerts to send: `budget_alerts` (a key, user or team past its soft budget
        /// or 50/80/100% of its max budget), `key_expiring`, `cooldown_deployment`,
        /// `outage_alerts` (a deployment failing `alert_deployment_failures` times in a row),
        /// `llm_exceptions` (an upstream refusing the deployment's credentials, 401/403),
        /// `llm_too_slow` and `llm_requests_hanging` (upstream calls slower than
        /// `alerting_threshold`). Unset: all of them.
        alert_types: Option<Vec<String>> = None, eg "[\"budget_alerts\", \"cooldown_deployment\"]", env [];
        /// The Slack (or Slack-compatible: Mattermost, Rocket.Chat, Discord's `/slack`)
        /// incoming-webhook URL for `alerting = ["slack"]`.
        slack_webhook_url: Option<Secret> = None, eg "\"https://hooks.slack.com/services/T000/B000/XXXX\"", env ["SLACK_WEBHOOK_URL"];
        /// The URL that receives each alert as a JSON event for `alerting = ["webhook"]`
        /// (LiteLLM's `WEBHOOK_URL`).
        webhook_url: Option<Secret> = None, eg "\"https://alerts.example.com/llm-proxy\"", env ["WEBHOOK_URL"];
        /// Alert this many days before a key expires.
        alert_key_expiry_days: u32 = 7, eg "", env [];
        /// Alert when a deployment's upstream calls fail this many times in a row (timeouts,
        /// 401/403, 429 and 5xx; other 4xx are the client's).
        alert_deployment_failures: u32 = 5, eg "", env [];
        /// How often budgets, expiries and deployments are checked, and unsent alerts tried
        /// again (`10s`, `1m`).
        alert_check_interval: String = "30s".into(), eg "", env [];
        /// Seconds after which an upstream call is slow (`llm_too_slow`: one that answered
        /// after longer) or hanging (`llm_requests_hanging`: one still unanswered, found by
        /// the check every `alert_check_interval`), LiteLLM's setting. Each alerts at most
        /// once per deployment and hour. Fractions are allowed.
        alerting_threshold: f64 = 300.0, eg "", env [];
        /// Team ids claim of the SSO token (auto-adds users to those teams).
        litellm_jwtauth: JwtAuthSettings = JwtAuthSettings::default(), eg "table", env [];
    }
}

section! {
    /// Claims read from SSO tokens.
    JwtAuthSettings at "general_settings.litellm_jwtauth" {
        /// Claim of the id token or userinfo holding the team ids the user belongs to.
        team_ids_jwt_field: Option<String> = None, eg "\"groups\"", env [];
    }
}

section! {
    /// Budgets, key generation rules and user defaults, named as in LiteLLM's `litellm_settings`.
    LitellmSettings at "litellm_settings" {
        /// HTTP status of a `budget_exceeded` error (LiteLLM has used 400, 429 and 422).
        budget_exceeded_status_code: u16 = 400, eg "", env [];
        /// Budget (USD) given to new internal users who were created without one.
        max_internal_user_budget: Option<f64> = None, eg "10.0", env [];
        /// Reset period of that budget (`1d`, `7d`, `1mo`).
        internal_user_budget_duration: Option<String> = None, eg "\"1mo\"", env [];
        /// Optional price file in LiteLLM's `model_prices_and_context_window.json` format.
        pricing_file: Option<String> = None, eg "\"model_prices_and_context_window.json\"", env [];
        /// Extra public model names that point at a configured `model_name`.
        model_group_alias: BTreeMap<String, String> = BTreeMap::new(), eg "map", env [];
        /// Defaults for users created without these fields (SSO sign-ins included).
        default_internal_user_params: DefaultUserParams = DefaultUserParams::default(), eg "table", env [];
        /// Upper bounds of `/key/generate`: larger values are clamped, missing ones filled.
        upperbound_key_generate_params: UpperboundKeyParams = UpperboundKeyParams::default(), eg "table", env [];
        /// Labels left out of every `/metrics` family, e.g. `["hashed_api_key", "api_key_alias"]`
        /// to count per model and team but not per key; series that then look alike are
        /// added up.
        prometheus_exclude_labels: Vec<String> = Vec::new(), eg "[\"hashed_api_key\", \"api_key_alias\"]", env [];
        /// Who may create team keys and personal keys.
        key_generation_settings: KeyGenerationSettings = KeyGenerationSettings::default(), eg "table", env [];
    }
}

section! {
    /// Defaults for new internal users.
    DefaultUserParams at "litellm_settings.default_internal_user_params" {
        /// Role of new users: proxy_admin, proxy_admin_viewer, internal_user or internal_user_viewer.
        user_role: Option<String> = None, eg "\"internal_user\"", env [];
        /// Budget (USD) of new users.
        max_budget: Option<f64> = None, eg "100.0", env [];
        /// Reset period of that budget.
        budget_duration: Option<String> = None, eg "\"30d\"", env [];
        /// Models new users may call (empty: all).
        models: Vec<String> = Vec::new(), eg "[\"gpt-4o-mini\"]", env [];
    }
}

section! {
    /// Upper bounds applied to every `/key/generate`.
    UpperboundKeyParams at "litellm_settings.upperbound_key_generate_params" {
        /// Largest key budget (USD).
        max_budget: Option<f64> = None, eg "100.0", env [];
        /// Longest budget period.
        budget_duration: Option<String> = None, eg "\"10d\"", env [];
        /// Longest key lifetime.
        duration: Option<String> = None, eg "\"30d\"", env [];
        /// Largest `max_parallel_requests`.
        max_parallel_requests: Option<u64> = None, eg "1000", env [];
        /// Largest tokens-per-minute limit.
        tpm_limit: Option<u64> = None, eg "1000", env [];
        /// Largest requests-per-minute limit.
        rpm_limit: Option<u64> = None, eg "1000", env [];
    }
}

section! {
    /// Restrictions on who may create keys.
    KeyGenerationSettings at "litellm_settings.key_generation_settings" {
        /// Rules for keys with a `team_id`.
        team_key_generation: TeamKeyGeneration = TeamKeyGeneration::default(), eg "table", env [];
        /// Rules for personal keys (no team; the UI's "Default Team").
        personal_key_generation: PersonalKeyGeneration = PersonalKeyGeneration::default(), eg "table", env [];
    }
}

section! {
    /// Who may create team keys.
    TeamKeyGeneration at "litellm_settings.key_generation_settings.team_key_generation" {
        /// Team roles (`admin`, `user`) allowed to create keys for their team. Unset: both.
        allowed_team_member_roles: Option<Vec<String>> = None, eg "[\"admin\"]", env [];
        /// Fields a team key request must contain.
        required_params: Vec<String> = Vec::new(), eg "[\"key_alias\"]", env [];
    }
}

section! {
    /// Who may create personal keys.
    PersonalKeyGeneration at "litellm_settings.key_generation_settings.personal_key_generation" {
        /// Global roles allowed to create personal keys. Unset: everyone but viewers.
        allowed_user_roles: Option<Vec<String>> = None, eg "[\"proxy_admin\"]", env [];
        /// Fields a personal key request must contain.
        required_params: Vec<String> = Vec::new(), eg "[\"key_alias\"]", env [];
    }
}

section! {
    /// Load balancing, retries and cool-down across deployments.
    RouterSettings at "router_settings" {
        /// `simple-shuffle` (weighted by `rpm`) or `least-busy`.
        routing_strategy: RoutingStrategy = RoutingStrategy::SimpleShuffle, eg "", env [];
        /// Retries on another deployment after a connect error, timeout, 429 or 5xx.
        num_retries: u32 = 2, eg "", env [];
        /// Failures within a minute after which a deployment cools down.
        allowed_fails: u32 = 3, eg "", env [];
        /// Seconds a failing deployment is left out.
        cooldown_time: u64 = 60, eg "", env [];
        /// Seconds to wait for an upstream answer (per deployment `timeout` wins).
        timeout: u64 = 600, eg "", env [];
        /// Seconds to wait for an upstream connection.
        connect_timeout: u64 = 10, eg "", env [];
        /// Model groups tried in turn when a group fails after its retries (upstream errors,
        /// timeouts, rate limits), LiteLLM's list of one-entry maps.
        fallbacks: Vec<BTreeMap<String, Vec<String>>> = Vec::new(), eg "[{ \"gpt-4o\" = [\"gpt-4o-mini\"] }]", env [];
        /// Groups tried when a request is too long for a group's context window.
        context_window_fallbacks: Vec<BTreeMap<String, Vec<String>>> = Vec::new(), eg "[{ \"gpt-4o-mini\" = [\"gpt-4o\"] }]", env [];
        /// Groups tried when a group's provider refuses a request by its content policy.
        content_policy_fallbacks: Vec<BTreeMap<String, Vec<String>>> = Vec::new(), eg "[{ \"gpt-4o\" = [\"gpt-4o-mini\"] }]", env [];
        /// Groups tried after any group that has no fallbacks of its own.
        default_fallbacks: Vec<String> = Vec::new(), eg "[\"gpt-4o-mini\"]", env [];
    }
}

section! {
    /// Single sign-on providers (first configured wins: Google, Microsoft, generic).
    SsoSettings at "sso" {
        /// Google OAuth client id.
        google_client_id: Option<String> = None, eg "\"1234.apps.googleusercontent.com\"", env ["GOOGLE_CLIENT_ID"];
        /// Google OAuth client secret.
        google_client_secret: Option<Secret> = None, eg "\"os.environ/GOOGLE_CLIENT_SECRET\"", env ["GOOGLE_CLIENT_SECRET"];
        /// Microsoft Entra application id.
        microsoft_client_id: Option<String> = None, eg "\"84583a4d-...\"", env ["MICROSOFT_CLIENT_ID"];
        /// Microsoft Entra client secret.
        microsoft_client_secret: Option<Secret> = None, eg "\"os.environ/MICROSOFT_CLIENT_SECRET\"", env ["MICROSOFT_CLIENT_SECRET"];
        /// Microsoft Entra tenant id.
        microsoft_tenant: Option<String> = None, eg "\"5a39737...\"", env ["MICROSOFT_TENANT"];
        /// Generic OAuth/OIDC client id.
        generic_client_id: Option<String> = None, eg "\"proxy\"", env ["GENERIC_CLIENT_ID"];
        /// Generic OAuth/OIDC client secret.
        generic_client_secret: Option<Secret> = None, eg "\"os.environ/GENERIC_CLIENT_SECRET\"", env ["GENERIC_CLIENT_SECRET"];
        /// Authorization endpoint of the generic provider.
        generic_authorization_endpoint: Option<String> = None, eg "\"https://idp.example.com/auth\"", env ["GENERIC_AUTHORIZATION_ENDPOINT"];
        /// Token endpoint of the generic provider.
        generic_token_endpoint: Option<String> = None, eg "\"https://idp.example.com/token\"", env ["GENERIC_TOKEN_ENDPOINT"];
        /// Userinfo endpoint of the generic provider.
        generic_userinfo_endpoint: Option<String> = None, eg "\"https://idp.example.com/userinfo\"", env ["GENERIC_USERINFO_ENDPOINT"];
        /// The generic provider's signing keys (JWKS, `jwks_uri` of its discovery document).
        /// When set, the id token's signature, audience, expiry and nonce are checked and its
        /// claims are used; while unset, the id token is ignored and the claims come from
        /// userinfo only.
        generic_jwks_endpoint: Option<String> = None, eg "\"https://idp.example.com/jwks\"", env ["GENERIC_JWKS_ENDPOINT"];
        /// The generic provider's issuer (`issuer` of its discovery document). When set, an id
        /// token from another issuer (`iss`) is refused.
        generic_issuer: Option<String> = None, eg "\"https://idp.example.com\"", env ["GENERIC_ISSUER"];
        /// Scopes requested from the generic provider, space separated.
        generic_scope: String = "openid email profile".into(), eg "", env ["GENERIC_SCOPE"];
        /// Claim holding the user id.
        generic_user_id_attribute: String = "preferred_username".into(), eg "", env ["GENERIC_USER_ID_ATTRIBUTE"];
        /// Claim holding the email address.
        generic_user_email_attribute: String = "email".into(), eg "", env ["GENERIC_USER_EMAIL_ATTRIBUTE"];
        /// Claim holding the display name.
        generic_user_display_name_attribute: String = "sub".into(), eg "", env ["GENERIC_USER_DISPLAY_NAME_ATTRIBUTE"];
        /// Claim holding the user's role (used when it is one of ours).
        generic_user_role_attribute: String = "role".into(), eg "", env ["GENERIC_USER_ROLE_ATTRIBUTE"];
        /// Send a PKCE challenge to the generic provider (turn off only for a provider that
        /// refuses it).
        generic_client_use_pkce: bool = true, eg "", env ["GENERIC_CLIENT_USE_PKCE"];
    }
}

section! {
    /// Outgoing email for invitation links (optional).
    EmailSettings at "email" {
        /// SMTP server host. Email is off while unset.
        smtp_host: Option<String> = None, eg "\"smtp.example.com\"", env ["SMTP_HOST"];
        /// SMTP server port.
        smtp_port: u16 = 587, eg "", env ["SMTP_PORT"];
        /// `starttls`, `tls` or `none` (only for a server on this machine).
        smtp_security: SmtpSecurity = SmtpSecurity::Starttls, eg "", env ["SMTP_SECURITY"];
        /// SMTP user name.
        smtp_username: Option<String> = None, eg "\"proxy@example.com\"", env ["SMTP_USERNAME"];
        /// SMTP password.
        smtp_password: Option<Secret> = None, eg "\"os.environ/SMTP_PASSWORD\"", env ["SMTP_PASSWORD"];
        /// Sender address of invitation emails.
        smtp_from: Option<String> = None, eg "\"LLM proxy <proxy@example.com>\"", env ["SMTP_SENDER_EMAIL"];
    }
}

section! {
    /// One deployment behind a public model name (LiteLLM's `model_list` entry).
    ModelEntry at "model_list" {
        /// The name clients send as `model`. `openai/*` routes every `openai/...` model.
        model_name: String = String::new(), eg "\"gpt-4o-mini\"", env [];
        /// How to reach the deployment.
        litellm_params: ModelParams = ModelParams::default(), eg "table", env [];
        /// Prices and metadata of the deployment.
        model_info: ModelInfo = ModelInfo::default(), eg "table", env [];
    }
}

section! {
    /// Connection of one deployment.
    ModelParams at "model_list.litellm_params" {
        /// `provider/model`: `openai/gpt-4o-mini`, `azure/<deployment>`, `anthropic/claude-sonnet-4-5`, `gemini/gemini-2.5-flash`, or a bare OpenAI model name.
        model: String = String::new(), eg "\"openai/gpt-4o-mini\"", env [];
        /// Base URL of an OpenAI-compatible server (vLLM, Ollama, ...), the Azure resource, Anthropic's API (default `https://api.anthropic.com` for `anthropic/` models) or Gemini's (default `https://generativelanguage.googleapis.com` for `gemini/` models).
        api_base: Option<ApiBase> = None, eg "\"http://localhost:8000/v1\"", env [];
        /// The upstream key, usually `os.environ/NAME`.
        api_key: Option<Secret> = None, eg "\"os.environ/OPENAI_API_KEY\"", env [];
        /// Azure `api-version`.
        api_version: Option<String> = None, eg "\"2024-06-01\"", env [];
        /// Seconds to wait for this deployment's answer.
        timeout: Option<u64> = None, eg "60", env [];
        /// Requests per minute this deployment takes (also its balancing weight).
        rpm: Option<u64> = None, eg "600", env [];
        /// Tokens per minute this deployment takes.
        tpm: Option<u64> = None, eg "100000", env [];
        /// Balancing weight (defaults to `rpm`, else 1).
        weight: Option<u64> = None, eg "1", env [];
        /// Price per prompt token (USD), overriding the built-in price table.
        input_cost_per_token: Option<f64> = None, eg "0.00000015", env [];
        /// Price per completion token (USD), overriding the built-in price table.
        output_cost_per_token: Option<f64> = None, eg "0.0000006", env [];
        /// Price per prompt token read from the provider's prompt cache (USD).
        cache_read_input_token_cost: Option<f64> = None, eg "0.0000003", env [];
        /// Price per prompt token written to the provider's prompt cache (USD).
        cache_creation_input_token_cost: Option<f64> = None, eg "0.00000375", env [];
        /// The region the deployment serves from (`eu`, `us`): customers with an
        /// `allowed_model_region` are served only by deployments of their region.
        region_name: Option<String> = None, eg "\"eu\"", env [];
        /// LiteLLM's switch: `true` sends this deployment's `/v1/responses` requests through
        /// its chat completions API (translated) even when it has a Responses API.
        use_chat_completions_api: Option<bool> = None, eg "true", env [];
    }
}

section! {
    /// Metadata of one deployment.
    ModelInfo at "model_list.model_info" {
        /// A stable id of this deployment (generated when unset).
        id: Option<String> = None, eg "\"gpt-4o-mini-eu\"", env [];
        /// Price per prompt token (USD).
        input_cost_per_token: Option<f64> = None, eg "0.00000015", env [];
        /// Price per completion token (USD).
        output_cost_per_token: Option<f64> = None, eg "0.0000006", env [];
        /// Price per prompt token read from the provider's prompt cache (USD); the input
        /// price when neither this nor the built-in table has one.
        cache_read_input_token_cost: Option<f64> = None, eg "0.0000003", env [];
        /// Price per prompt token written to the provider's prompt cache (USD).
        cache_creation_input_token_cost: Option<f64> = None, eg "0.00000375", env [];
        /// Price of one generated image (USD), overriding the built-in table (its per-size
        /// prices, `1024-x-1024/dall-e-3`, are used otherwise).
        input_cost_per_image: Option<f64> = None, eg "0.04", env [];
        /// Price of one second of transcribed audio (USD).
        input_cost_per_second: Option<f64> = None, eg "0.0001", env [];
        /// Price of one character of text read aloud by `/v1/audio/speech` (USD).
        input_cost_per_character: Option<f64> = None, eg "0.000015", env [];
        /// Price of one rerank query (a search unit, USD).
        input_cost_per_query: Option<f64> = None, eg "0.002", env [];
        /// What the deployment is for: `chat`, `completion`, `embedding`,
        /// `image_generation`, `audio_transcription`, `audio_speech`, `moderation` or
        /// `rerank` (LiteLLM's modes). A request on a route of another kind is refused;
        /// unset, the built-in table's mode of the model counts. `/v1/completions` on a
        /// `chat` model is sent as a chat completion.
        mode: Option<String> = None, eg "\"chat\"", env [];
        /// Whether the deployment's server has OpenAI's Responses API, so that
        /// `/v1/responses` requests are relayed to it as they are. Unset: OpenAI's own API
        /// (`openai/` models without `api_base`, or on api.openai.com) and Azure have it;
        /// other OpenAI-compatible servers (vLLM, Ollama, ...) are reached through their chat
        /// completions API, translated. Anthropic and Gemini deployments are always translated.
        supports_responses_api: Option<bool> = None, eg "true", env [];
        /// Model access groups this deployment belongs to: a key, user or team whose `models`
        /// lists a group's name may call every model in it.
        access_groups: Vec<String> = Vec::new(), eg "[\"beta-models\"]", env [];
    }
}

/// The whole file: the sections above plus the model list.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub general_settings: GeneralSettings,
    pub litellm_settings: LitellmSettings,
    pub router_settings: RouterSettings,
    pub sso: SsoSettings,
    pub email: EmailSettings,
    pub model_list: Vec<ModelEntry>,
}

/// Every section, in the order of the example file.
pub const SECTIONS: &[SectionDoc] = &[
    ServerSettings::SECTION,
    GeneralSettings::SECTION,
    JwtAuthSettings::SECTION,
    LitellmSettings::SECTION,
    DefaultUserParams::SECTION,
    UpperboundKeyParams::SECTION,
    KeyGenerationSettings::SECTION,
    TeamKeyGeneration::SECTION,
    PersonalKeyGeneration::SECTION,
    RouterSettings::SECTION,
    SsoSettings::SECTION,
    EmailSettings::SECTION,
    ModelEntry::SECTION,
    ModelParams::SECTION,
    ModelInfo::SECTION,
];

pub fn section(path: &str) -> Option<&'static SectionDoc> {
    SECTIONS.iter().find(|s| s.path == path)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum UiAccessMode {
    All,
    AdminOnly,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RoutingStrategy {
    SimpleShuffle,
    LeastBusy,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    Starttls,
    Tls,
    None,
}
