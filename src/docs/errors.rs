//! The error answers in the document. Every route can refuse a request (bad input, no or
//! a wrong credential, no right, nothing there, a limit, a busy store, a bug), so the
//! statuses and their bodies are added to every operation in one place here instead of
//! on each handler's attribute, where one would be forgotten. Management routes answer
//! LiteLLM's envelope (`ApiError`); the OpenAI routes answer OpenAI's, which is the same
//! envelope except that an upstream's own error is relayed, so its fields are looser;
//! Anthropic's routes (`/v1/messages...`) answer Anthropic's shape.

// Schema-only types: the answers are built by `ApiError::body`, never from these.
#![allow(dead_code)]

use utoipa::ToSchema;
use utoipa::openapi::path::Operation;
use utoipa::openapi::{OpenApi, RefOr, Response, ResponseBuilder, content::ContentBuilder};

/// LiteLLM's management error: `{"error": {"message", "type", "param", "code"}}`.
#[derive(ToSchema)]
pub struct ManagementError {
    error: ManagementErrorDetail,
}

#[derive(ToSchema)]
pub struct ManagementErrorDetail {
    /// What went wrong, for a person.
    message: String,
    /// The kind of error, for a program (`bad_request_error`, `auth_error`, ...).
    r#type: String,
    /// The request field the error is about.
    param: Option<String>,
    /// The HTTP status, as a string.
    code: String,
}

/// OpenAI's error envelope, as the `/v1` routes answer it. An upstream's refusal is
/// relayed as the upstream wrote it, so only `message` is sure to be there.
#[derive(ToSchema)]
pub struct OpenAiError {
    error: OpenAiErrorDetail,
}

#[derive(ToSchema)]
pub struct OpenAiErrorDetail {
    message: String,
    r#type: Option<String>,
    param: Option<String>,
    /// A string or a number, depending on who refused.
    code: Option<serde_json::Value>,
}

/// The statuses every route may answer besides its own, with why.
const ANSWERS: &[(&str, &str)] = &[
    ("400", "The request is malformed or a field is invalid (`param` names it)."),
    ("401", "No credential, or one that is unknown, expired or blocked."),
    ("403", "The caller may not do this."),
    ("404", "What the request names does not exist."),
    ("413", "The body is larger than the proxy reads."),
    ("429", "A rate limit or too many failed sign-ins: see `Retry-After`."),
    ("500", "A bug: the proxy logged the details."),
    ("503", "The database cannot take the change now (disk full, read-only, busy)."),
];

/// Statuses that only routes with a body can answer.
const WRITE_ANSWERS: &[(&str, &str)] = &[("409", "Something with this id, email or alias exists already.")];

/// Statuses only the model routes answer: the upstream's own refusal or failure.
const UPSTREAM_ANSWERS: &[(&str, &str)] = &[
    ("402", "A budget is spent (with `budget_exceeded_status_code = 402`)."),
    ("502", "The upstream failed or could not be reached."),
    ("504", "The upstream did not answer in time."),
];

/// Whether a path is one of the OpenAI-compatible model routes (Azure's
/// `/openai/deployments/...` and `/openai/responses...`, and the rerank API's
/// `/v2/rerank` among them).
pub fn is_openai_route(path: &str) -> bool {
    let path = path.strip_prefix("/v1").or_else(|| path.strip_prefix("/v2")).unwrap_or(path);
    [
        "/chat/completions",
        "/completions",
        "/embeddings",
        "/models",
        "/responses",
        "/images/",
        "/audio/",
        "/moderations",
        "/rerank",
        "/openai/deployments/",
        "/openai/responses",
    ]
    .iter()
    .any(|p| path.starts_with(p))
}

/// Whether a path is one of Anthropic's routes (which answer Anthropic's error shape).
pub fn is_anthropic_route(path: &str) -> bool {
    path.strip_prefix("/v1").unwrap_or(path).starts_with("/messages")
}

fn answer(description: &str, schema: &str) -> RefOr<Response> {
    let content = ContentBuilder::new().schema(Some(utoipa::openapi::Ref::from_schema_name(schema))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

fn has_content(response: &RefOr<Response>) -> bool {
    match response {
        RefOr::Ref(_) => true,
        RefOr::T(response) => !response.content.is_empty(),
    }
}

/// Adds the error answers to every operation that does not describe them itself.
/// `pages` answer HTML and redirects and describe their own answers.
pub fn add_error_answers(openapi: &mut OpenApi, pages: &[&str]) {
    for (path, item) in openapi.paths.paths.iter_mut() {
        if pages.contains(&path.as_str()) {
            continue;
        }
        let anthropic = is_anthropic_route(path);
        let openai = is_openai_route(path) || anthropic;
        let schema = match (anthropic, openai) {
            (true, _) => "AnthropicError",
            (false, true) => "OpenAiError",
            (false, false) => "ManagementError",
        };
        let mut operations: Vec<(&mut Operation, bool)> = Vec::new();
        for (operation, has_body) in [
            (item.get.as_mut(), false),
            (item.delete.as_mut(), false),
            (item.post.as_mut(), true),
            (item.put.as_mut(), true),
            (item.patch.as_mut(), true),
        ] {
            if let Some(operation) = operation {
                operations.push((operation, has_body));
            }
        }
        for (operation, has_body) in operations {
            let extra: &[(&str, &str)] = if has_body { WRITE_ANSWERS } else { &[] };
            let upstream: &[(&str, &str)] = if openai { UPSTREAM_ANSWERS } else { &[] };
            for (status, description) in ANSWERS.iter().chain(extra).chain(upstream) {
                let documented = operation.responses.responses.get(*status).is_some_and(has_content);
                if !documented {
                    operation.responses.responses.insert((*status).to_string(), answer(description, schema));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_openai_routes_are_known_with_and_without_v1() {
        for path in [
            "/v1/chat/completions",
            "/completions",
            "/v1/embeddings",
            "/models/{id}",
            "/v1/models",
            "/v1/audio/speech",
            "/rerank",
            "/v2/rerank",
            "/openai/deployments/{deployment}/chat/completions",
        ] {
            assert!(is_openai_route(path), "{path}");
        }
        for path in ["/key/generate", "/health", "/v1", "/team/list", "/v2/login"] {
            assert!(!is_openai_route(path), "{path}");
        }
    }
}
