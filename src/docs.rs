//! The API's own documentation: `/openapi.json` (built from the route annotations, so it
//! lists exactly the routes the router has) and Swagger UI at `/`, whose header links to
//! the admin UI. Every file is embedded (served by `ui::assets`); nothing loads from a CDN.

use crate::state::AppState;
use crate::ui::assets::Assets;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(title = "proxy", description = "An OpenAI-compatible LLM gateway with virtual keys, users, teams and budgets. The admin UI is at [/ui](/ui)."),
    components(schemas()),
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

/// `/`, `/openapi.json` and `/assets/*`, given the finished OpenAPI document.
pub fn routes(openapi: utoipa::openapi::OpenApi) -> axum::Router<AppState> {
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
