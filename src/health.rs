//! Health routes with LiteLLM's paths: liveliness (the process answers) and readiness
//! (the database answers). `proxy healthcheck` and Docker's HEALTHCHECK call liveliness.

use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(liveliness))
        .routes(routes!(readiness))
        .routes(routes!(readiness_details))
        .routes(routes!(route_list))
}

/// The process is up and answering.
#[utoipa::path(get, path = "/health/liveliness", tag = "health", responses((status = 200, body = String, content_type = "application/json")))]
async fn liveliness() -> Json<&'static str> {
    Json("I'm alive!")
}

#[derive(Serialize, ToSchema)]
struct Readiness {
    /// `healthy` when the database answers, else `unhealthy`.
    status: &'static str,
    /// `connected` or the error.
    db: String,
    /// The proxy's version (under LiteLLM's field name).
    litellm_version: &'static str,
    /// Seconds since start.
    uptime_seconds: u64,
}

async fn database_check(state: &AppState) -> (&'static str, StatusCode, String) {
    match state.db.ping().await {
        Ok(()) => ("healthy", StatusCode::OK, "connected".to_string()),
        Err(e) => ("unhealthy", StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    }
}

/// Ready to serve: the database answers a query.
#[utoipa::path(get, path = "/health/readiness", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn readiness(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let (status, code, db) = database_check(&state).await;
    let body = Readiness {
        status,
        db,
        litellm_version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: state.started_at.elapsed().as_secs(),
    };
    (code, Json(body))
}

#[derive(Serialize, ToSchema)]
struct ReadinessDetails {
    #[serde(flatten)]
    readiness: Readiness,
    /// No cache is used (LiteLLM's field; `null`).
    cache: Option<String>,
    /// No logging callbacks: spend rows go to the database (LiteLLM's field).
    success_callbacks: Vec<String>,
    /// Public model names served.
    models: usize,
    /// Deployments by state: `healthy`, `failing` (failed within the last minute),
    /// `cooling_down`.
    deployments: std::collections::BTreeMap<&'static str, usize>,
    /// The database file's size with its write-ahead log, in bytes.
    database_bytes: u64,
}

/// Readiness with details for operators (any valid key): the models and the state of
/// their deployments, and the database's size.
#[utoipa::path(get, path = "/health/readiness/details", tag = "health",
    responses((status = 200, body = ReadinessDetails), (status = 503, body = ReadinessDetails)))]
async fn readiness_details(
    State(state): State<AppState>,
    _caller: crate::auth::Caller,
) -> (StatusCode, Json<ReadinessDetails>) {
    let (status, code, db) = database_check(&state).await;
    let router = state.router_snapshot();
    let mut deployments = std::collections::BTreeMap::from([("healthy", 0), ("failing", 0), ("cooling_down", 0)]);
    for deployment in router.all_deployments() {
        let state = match deployment.state() {
            0 => "healthy",
            1 => "failing",
            _ => "cooling_down",
        };
        *deployments.entry(state).or_default() += 1;
    }
    let path = state.db.path().to_path_buf();
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let mut wal = path.clone().into_os_string();
    wal.push("-wal");
    let body = ReadinessDetails {
        readiness: Readiness {
            status,
            db,
            litellm_version: env!("CARGO_PKG_VERSION"),
            uptime_seconds: state.started_at.elapsed().as_secs(),
        },
        cache: None,
        success_callbacks: Vec::new(),
        models: router.public_names().len(),
        deployments,
        database_bytes: size(&path) + size(std::path::Path::new(&wal)),
    };
    (code, Json(body))
}

#[derive(Serialize, ToSchema)]
struct RouteEntry {
    path: String,
    methods: Vec<String>,
    name: String,
}

#[derive(Serialize, ToSchema)]
struct RouteList {
    routes: Vec<RouteEntry>,
}

/// Every route the proxy answers, with its methods (any valid key).
#[utoipa::path(get, path = "/routes", tag = "health", responses((status = 200, body = RouteList)))]
async fn route_list(_caller: crate::auth::Caller) -> Json<serde_json::Value> {
    Json(serde_json::json!({"routes": crate::docs::route_list()}))
}
