//! The API's own documentation: `/openapi.json` and Swagger UI at `/`, whose header links
//! to the admin UI. Every file is embedded (served by `ui::assets`); nothing loads from a
//! CDN. The document is built from the route annotations (so it lists the routes the
//! router has), plus the routes served outside `OpenApiRouter` (`unrouted.rs`), the
//! OpenAI routes without `/v1`, and the error answers every route can give
//! (`errors.rs`), added once when the document is finished. Schema fuzzing in CI
//! (`scripts/fuzz-api.sh`) holds the proxy to this document, so a wrong or missing
//! description fails the build like a wrong answer does.

mod errors;
pub mod schemas;
mod unrouted;

use crate::state::AppState;
use crate::ui::assets::Assets;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "proxy", description = "An OpenAI-compatible LLM gateway with virtual keys, users, teams and budgets. The admin UI is at [/ui](/ui). Management routes answer errors in LiteLLM's envelope (`ManagementError`), the OpenAI routes in OpenAI's (`OpenAiError`)."),
    components(schemas(errors::ManagementError, errors::OpenAiError, schemas::gateway::StreamChunk)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        let scheme = HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build();
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
        openapi.security =
            Some(vec![utoipa::openapi::security::SecurityRequirement::new("bearer", Vec::<String>::new())]);
    }
}

/// The finished document: the router's routes plus what this module adds.
fn finish(mut openapi: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    openapi.merge(unrouted::Unrouted::openapi());
    unrouted::add_aliases(&mut openapi);
    errors::add_error_answers(&mut openapi, unrouted::PAGE_ROUTES);
    openapi
}

/// Every route the proxy answers, as `GET /routes` lists it (LiteLLM's shape): path,
/// methods and the operation's name, from the finished document.
static ROUTE_LIST: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();

pub fn route_list() -> serde_json::Value {
    ROUTE_LIST.get().cloned().unwrap_or_else(|| serde_json::json!([]))
}

fn list_routes(openapi: &utoipa::openapi::OpenApi) -> serde_json::Value {
    let document = serde_json::to_value(openapi).unwrap_or_default();
    let paths = document["paths"].as_object().cloned().unwrap_or_default();
    let routes: Vec<serde_json::Value> = paths
        .iter()
        .map(|(path, item)| {
            let operations = item.as_object().cloned().unwrap_or_default();
            let methods: Vec<String> = operations.keys().map(|m| m.to_uppercase()).collect();
            let name = operations.values().find_map(|o| o["operationId"].as_str()).unwrap_or_default();
            serde_json::json!({"path": path, "methods": methods, "name": name})
        })
        .collect();
    serde_json::Value::from(routes)
}

/// `/`, `/openapi.json` and `/assets/*`, given the router's OpenAPI document.
pub fn routes(openapi: utoipa::openapi::OpenApi) -> axum::Router<AppState> {
    let openapi = finish(openapi);
    let _ = ROUTE_LIST.set(list_routes(&openapi));
    let json = openapi.to_json().unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    axum::Router::new()
        .route("/", get(swagger_page))
        .route("/openapi.json", get(move || async move { ([(header::CONTENT_TYPE, "application/json")], json) }))
        .route("/assets/{*path}", get(crate::ui::assets::serve))
}

async fn swagger_page() -> Response {
    match Assets::get("docs.html") {
        Some(file) => Html(file.data.into_owned()).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}
