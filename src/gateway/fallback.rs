//! Fallbacks, LiteLLM's way: when a model group fails after its retries, the request is
//! tried on the groups its fallbacks name, in turn — `context_window_fallbacks` when the
//! prompt was too long for the group, `content_policy_fallbacks` when the provider refused
//! it by policy, `fallbacks` (else `default_fallbacks`) for upstream errors, timeouts and
//! rate limits. A request may name its own list (`fallbacks` in the body), which comes
//! first. Only groups the caller may use are tried (a fallback is no way around model
//! access), and each failed attempt leaves its failure row. All of it happens before the
//! first byte goes to the client.

use super::access;
use super::dispatch::{self, Upstream};
use super::failure;
use super::flow::Ctx;
use super::request::ModelRequest;
use super::router::Deployment;
use crate::auth::Caller;
use crate::config::RouterSettings;
use axum::response::Response;
use std::collections::HashMap;
use std::sync::Arc;

/// At most this many fallback groups are tried for one request (LiteLLM's `max_fallbacks`
/// default): a request's own list is the client's to write, and each attempt is an
/// upstream call that one admitted request must not multiply without bound.
const MAX_FALLBACKS: u32 = 5;

/// The fallbacks of the configuration, by the group that fails.
#[derive(Default)]
pub struct Fallbacks {
    general: HashMap<String, Vec<String>>,
    context_window: HashMap<String, Vec<String>>,
    content_policy: HashMap<String, Vec<String>>,
    default: Vec<String>,
}

fn merged(lists: &[std::collections::BTreeMap<String, Vec<String>>]) -> HashMap<String, Vec<String>> {
    let mut merged: HashMap<String, Vec<String>> = HashMap::new();
    for map in lists {
        for (group, targets) in map {
            merged.entry(group.clone()).or_default().extend(targets.iter().cloned());
        }
    }
    merged
}

impl Fallbacks {
    pub fn new(settings: &RouterSettings) -> Self {
        Self {
            general: merged(&settings.fallbacks),
            context_window: merged(&settings.context_window_fallbacks),
            content_policy: merged(&settings.content_policy_fallbacks),
            default: settings.default_fallbacks.clone(),
        }
    }

    /// The groups to try after `group` failed this way, the request's own list first.
    fn candidates(&self, group: &str, failure: Failure, requested: &[String]) -> Vec<String> {
        let configured = match failure {
            Failure::ContextWindow => self.context_window.get(group),
            Failure::ContentPolicy => self.content_policy.get(group),
            Failure::Upstream => self.general.get(group).or(Some(&self.default)),
            Failure::Final => return Vec::new(),
        };
        let mut candidates: Vec<String> = requested.to_vec();
        candidates.extend(configured.into_iter().flatten().cloned());
        let mut seen = std::collections::HashSet::new();
        candidates.retain(|name| name != group && seen.insert(name.clone()));
        candidates
    }
}

/// How a group failed, as far as fallbacks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    ContextWindow,
    ContentPolicy,
    /// An upstream error, a timeout or a rate limit: another group may do better.
    Upstream,
    /// The request itself is at fault: no other group would do better.
    Final,
}

fn classify(status: u16, body: &[u8]) -> Failure {
    let text = String::from_utf8_lossy(body).to_ascii_lowercase();
    let mentions = |needles: &[&str]| needles.iter().any(|n| text.contains(n));
    if mentions(&["context_length_exceeded", "context window", "maximum context length", "prompt is too long"]) {
        return Failure::ContextWindow;
    }
    if mentions(&["content_policy_violation", "content_filter", "content management policy"]) {
        return Failure::ContentPolicy;
    }
    match status {
        401 | 403 | 404 | 408 | 429 | 500..=599 => Failure::Upstream,
        _ => Failure::Final,
    }
}

/// After the first group failed with `response`: the answer of the first fallback group
/// that answers, or the last failure. `attempted` counts the groups tried after the first.
pub async fn after(
    ctx: &mut Ctx,
    caller: &Caller,
    request: &mut ModelRequest,
    response: Response,
    first: Option<Arc<Deployment>>,
) -> Result<Upstream, (Response, Option<Arc<Deployment>>)> {
    let state = ctx.state.clone();
    let mut failed = response;
    let mut deployment = first;
    let mut tried = vec![ctx.group.clone()];
    loop {
        let (parts, body) = failed.into_parts();
        let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap_or_default();
        let failure = classify(parts.status.as_u16(), &bytes);
        let response = Response::from_parts(parts, axum::body::Body::from(bytes));
        let group = ctx.group.clone();
        let candidates = state.router().fallbacks.candidates(&group, failure, &request.fallbacks);
        let next = candidates.into_iter().filter(|name| !tried.contains(name)).find_map(|name| {
            let route = state.router().resolve(&name)?;
            access::check(&state, caller, &[name.as_str(), route.group.as_str()]).ok()?;
            let translatable = route
                .deployments
                .iter()
                .all(|d| d.provider.dialect() == request.endpoint.dialect() || request.endpoint.is_conversation());
            translatable.then_some(route)
        });
        let Some(route) = next.filter(|_| ctx.attempted_fallbacks < MAX_FALLBACKS) else {
            return Err((response, deployment));
        };
        // The failed attempt keeps a row of its own (under an id of its own: the request's
        // id names the row of the answer, or of the last failure).
        let answer_id = std::mem::replace(&mut ctx.request_id, attempt_id());
        failure::logged(ctx, response, deployment.as_deref(), &request.model).await;
        ctx.request_id = answer_id;
        tracing::info!(from = %group, to = %route.group, "model group failed; trying its fallback");
        tried.push(route.group.clone());
        ctx.group = route.group.clone();
        ctx.attempted_fallbacks += 1;
        if route.deployments.iter().any(|d| d.provider.dialect() != request.endpoint.dialect())
            && let Err(error) = request.prepare_translation()
        {
            return Err((axum::response::IntoResponse::into_response(error), deployment));
        }
        match dispatch::send(ctx, &route, request).await {
            Ok(upstream) => return Ok(upstream),
            Err(response) => {
                deployment = route.deployments.first().cloned();
                failed = response;
            }
        }
    }
}

/// A new spend-row id for a failed attempt.
fn attempt_id() -> String {
    crate::server::new_request_id().to_str().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_told_apart() {
        assert_eq!(classify(400, br#"{"error":{"code":"context_length_exceeded"}}"#), Failure::ContextWindow);
        assert_eq!(
            classify(400, br#"{"error":{"message":"prompt is too long: 210000 tokens"}}"#),
            Failure::ContextWindow
        );
        assert_eq!(classify(400, br#"{"error":{"code":"content_filter"}}"#), Failure::ContentPolicy);
        assert_eq!(classify(429, b"{}"), Failure::Upstream);
        assert_eq!(classify(503, b""), Failure::Upstream);
        assert_eq!(classify(400, br#"{"error":{"message":"bad temperature"}}"#), Failure::Final);
    }

    #[test]
    fn candidates_put_the_request_first_and_skip_repeats() {
        let settings = RouterSettings {
            fallbacks: vec![[("a".to_string(), vec!["b".to_string(), "c".to_string()])].into()],
            default_fallbacks: vec!["d".into()],
            ..RouterSettings::default()
        };
        let fallbacks = Fallbacks::new(&settings);
        assert_eq!(fallbacks.candidates("a", Failure::Upstream, &["c".into(), "a".into()]), ["c", "b"]);
        assert_eq!(fallbacks.candidates("x", Failure::Upstream, &[]), ["d"]);
        assert!(fallbacks.candidates("a", Failure::ContextWindow, &[]).is_empty());
        assert!(fallbacks.candidates("a", Failure::Final, &["c".into()]).is_empty());
    }
}
