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
    OpenApiRouter::new().routes(routes!(liveliness)).routes(routes!(readiness))
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

/// Ready to serve: the database answers a query.
#[utoipa::path(get, path = "/health/readiness", tag = "health",
    responses((status = 200, body = Readiness), (status = 503, body = Readiness)))]
async fn readiness(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let check = state.db.read(|conn| conn.query_row("SELECT count(*) FROM settings", [], |r| r.get::<_, i64>(0))).await;
    let (status, code, db) = match check {
        Ok(_) => ("healthy", StatusCode::OK, "connected".to_string()),
        Err(e) => ("unhealthy", StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
    };
    let body = Readiness {
        status,
        db,
        litellm_version: env!("CARGO_PKG_VERSION"),
        uptime_seconds: state.started_at.elapsed().as_secs(),
    };
    (code, Json(body))
}
