//! `GET /metrics`: Prometheus' text format with LiteLLM's metric names and labels, so
//! dashboards built for LiteLLM keep working, plus the process' own metrics and the
//! database's size. Model requests are counted as they end (`registry`), on every path
//! and in every dialect, by the gateway's answer, failure and stream code; budgets and
//! deployment health are read from the in-memory tables when scraped, so they cost
//! nothing per request. Reading it takes a key with the admin or admin-viewer role (the
//! one policy, `Op::MetricsRead`) unless `metrics_public` opens it.

mod exposition;
mod families;
mod histogram;
pub mod label_hash;
mod process;
pub mod registry;

pub use registry::{Answer, DeploymentLabels, Registry, Who};

use crate::auth::Caller;
use crate::auth::policy::{Op, authorize};
use crate::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use families::Context;
use utoipa_axum::{router::OpenApiRouter, routes};

/// The label value of a requested model the proxy does not serve (LiteLLM's).
pub const OTHER_MODEL: &str = "other";

/// The label names `prometheus_exclude_labels` may drop.
pub const LABELS: &[&str] = families::LABELS;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(metrics))
}

/// Prometheus metrics in the text exposition format, with LiteLLM's names and labels.
/// Needs a key (or UI session) with the `proxy_admin` or `proxy_admin_viewer` role, unless
/// `general_settings.metrics_public` is set.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "The metrics, in Prometheus' text format (version 0.0.4)",
        content_type = "text/plain; version=0.0.4; charset=utf-8", body = String)))]
async fn metrics(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Result<Response, ApiError> {
    if !state.config.settings.general_settings.metrics_public {
        authorize(&state, &caller?, Op::MetricsRead)?;
    }
    let mut response = render(&state).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    Ok(response)
}

/// Every metric, as the scrape's body.
pub fn render(state: &AppState) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let team_alias = |team: &str| state.teams.get(team).and_then(|t| t.team_alias.clone()).unwrap_or_default();
    let ctx = Context {
        excluded: &state.config.settings.litellm_settings.prometheus_exclude_labels,
        team_alias: &team_alias,
    };
    families::write(&mut out, &state.metrics.all(), &ctx);
    budgets(&mut out, state, &ctx);
    deployments(&mut out, state, &ctx);
    process::write(&mut out);
    database(&mut out, state);
    out
}

/// Remaining budgets of the teams and keys that have one.
fn budgets(out: &mut String, state: &AppState, ctx: &Context<'_>) {
    let teams = state.teams.all();
    let rows = teams
        .iter()
        .filter_map(|t| {
            let remaining = t.max_budget? - t.spend;
            let labels = vec![("team", t.team_id.clone()), ("team_alias", t.team_alias.clone().unwrap_or_default())];
            Some((labels, remaining))
        })
        .collect();
    families::gauge(
        out,
        ctx,
        ("litellm_remaining_team_budget_metric", "Remaining budget for team", &["team", "team_alias"]),
        rows,
    );
    let keys = state.keys.all();
    let rows = keys
        .iter()
        .filter_map(|k| {
            let remaining = k.max_budget? - k.spend;
            let labels =
                vec![("hashed_api_key", k.token.clone()), ("api_key_alias", k.key_alias.clone().unwrap_or_default())];
            Some((labels, remaining))
        })
        .collect();
    families::gauge(
        out,
        ctx,
        (
            "litellm_remaining_api_key_budget_metric",
            "Remaining budget for api key",
            &["hashed_api_key", "api_key_alias"],
        ),
        rows,
    );
}

/// Each deployment's state: 0 healthy, 1 failing lately, 2 cooling down.
fn deployments(out: &mut String, state: &AppState, ctx: &Context<'_>) {
    let rows = state
        .router()
        .all_deployments()
        .iter()
        .map(|d| {
            let labels = vec![
                ("litellm_model_name", d.litellm_model.clone()),
                ("model_id", d.id.clone()),
                ("api_base", d.api_base.as_ref().map(crate::config::ApiBase::masked).unwrap_or_default()),
                ("api_provider", d.provider.name().to_string()),
            ];
            (labels, f64::from(d.state()))
        })
        .collect();
    families::gauge(
        out,
        ctx,
        (
            "litellm_deployment_state",
            "LLM Deployment Analytics - The state of the deployment: 0 = healthy, 1 = partial outage, 2 = complete outage",
            families::DEPLOYMENT_STATE,
        ),
        rows,
    );
}

/// The database file and its write-ahead log, in bytes.
fn database(out: &mut String, state: &AppState) {
    let path = std::path::Path::new(&state.config.settings.server.database_path);
    let size = |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.len()) as f64;
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    exposition::header(
        out,
        "proxy_database_size_bytes",
        "Size of the SQLite database file in bytes.",
        exposition::Kind::Gauge,
    );
    exposition::sample(out, "proxy_database_size_bytes", &[], size(path));
    exposition::header(
        out,
        "proxy_database_wal_size_bytes",
        "Size of the database's write-ahead log in bytes.",
        exposition::Kind::Gauge,
    );
    exposition::sample(out, "proxy_database_wal_size_bytes", &[], size(std::path::Path::new(&wal)));
}

/// LiteLLM's `exception_class` of an error answer: the OpenAI client's exception for the
/// status, prefixed by the provider (`Openai.RateLimitError`) when the upstream answered
/// it; a spent budget is `BudgetExceededError` as in LiteLLM.
pub fn exception_class(status: u16, error_type: &str, upstream_provider: Option<&str>) -> String {
    if error_type == "budget_exceeded" {
        return "BudgetExceededError".into();
    }
    let name = match status {
        400 | 413 => "BadRequestError",
        401 => "AuthenticationError",
        403 => "PermissionDeniedError",
        404 => "NotFoundError",
        408 => "Timeout",
        422 => "UnprocessableEntityError",
        429 => "RateLimitError",
        503 => "ServiceUnavailableError",
        500..=599 => "InternalServerError",
        _ => "APIError",
    };
    match upstream_provider {
        Some(provider) if !provider.is_empty() => {
            let mut chars = provider.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase()).unwrap_or_default();
            format!("{first}{}.{name}", chars.as_str())
        }
        _ => name.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exception_classes_follow_litellm() {
        assert_eq!(exception_class(429, "rate_limit_error", Some("openai")), "Openai.RateLimitError");
        assert_eq!(exception_class(400, "budget_exceeded", None), "BudgetExceededError");
        assert_eq!(exception_class(401, "key_model_access_denied", None), "AuthenticationError");
        assert_eq!(exception_class(502, "", Some("anthropic")), "Anthropic.InternalServerError");
    }
}
