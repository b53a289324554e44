//! One model request from body to answer: refuse it while spend cannot be recorded
//! (`spend::gate`), parse, resolve the model, check access, admit (budgets, limits,
//! reservation), then answer from `mock_response` or the upstream —
//! whole or streamed — and charge it through the ledger before the answer is finished.
//! Chat's and Anthropic's Messages requests take this one path; what differs is read from
//! the endpoint's dialect, and every refusal of an Anthropic request is rendered in
//! Anthropic's shape at the end (`anthropic::errors`).

use super::admission::{self, Admitted, insert};
use super::providers::{Dialect, Endpoint};
use super::request::ModelRequest;
use super::router::{Deployment, Route};
use super::{access, anthropic, dispatch, failure, fallback, media, mock, observe, respond, stream, text_bridge};
use crate::auth::Caller;
use crate::error::ApiError;
use crate::spend::payloads::{self, Payload};
use crate::spend::{Charge, Expected, Price, SpendRow, Usage};
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// What a spend row needs to know about the request.
pub struct Ctx {
    pub state: AppState,
    /// The spend row's id, made here (see [`RequestIds`]).
    pub request_id: String,
    pub client_request_id: Option<String>,
    /// Claude Code's session (`X-Claude-Code-Session-Id`).
    pub session_id: Option<String>,
    pub started: DateTime<Utc>,
    /// When the request arrived, for the latency metrics.
    pub arrived: std::time::Instant,
    pub api_key: String,
    pub user: Option<String>,
    pub team_id: Option<String>,
    pub key_alias: Option<String>,
    pub endpoint: Endpoint,
    pub group: String,
    /// The model the client named, and whether it names one the proxy serves (else the
    /// metrics say `other`: clients must not make new label values at will).
    pub requested_model: String,
    pub routed: bool,
    pub end_user: Option<String>,
    /// The request's tags with its key's and team's (see `crate::tags`).
    pub tags: Vec<String>,
    pub charge: Charge,
    /// The key's `max_budget`, `rpm_limit` and `tpm_limit` (its budget object's where it
    /// sets none), echoed in headers as LiteLLM does.
    pub key_limits: (Option<f64>, Option<i64>, Option<i64>),
    /// Fallback groups tried and retries made before the answer (LiteLLM's headers).
    pub attempted_fallbacks: u32,
    pub attempted_retries: u32,
    /// The request's own `timeout`, echoed as `x-litellm-timeout`.
    pub timeout: Option<std::time::Duration>,
    /// The request's body as `spend_payloads` keeps it, when payload capture is on for
    /// this request (`spend::payloads`); none, and nothing read, when it is off.
    pub captured_request: Option<String>,
    /// Tells the ledger this request's row is on its way.
    pub _expected: Expected,
}

impl Ctx {
    /// The row of an answered request: its tokens and cost, charged to the caller. `None`
    /// for the deployment is a `mock_response` answer.
    pub fn row(&self, deployment: Option<&Deployment>, model: &str, usage: Usage, cost: f64) -> SpendRow {
        let provider = deployment.map_or("mock", |d| d.provider.name());
        let mut metadata = self.metadata();
        if usage.cache_read > 0 || usage.cache_creation > 0 {
            metadata["cache_read_input_tokens"] = usage.cache_read.into();
            metadata["cache_creation_input_tokens"] = usage.cache_creation.into();
        }
        let mut row = self.base_row(deployment, model, provider, metadata);
        (row.prompt_tokens, row.completion_tokens, row.cost) = (usage.prompt(), usage.output, cost);
        row.status_ok = true;
        row.charge = self.charge.clone();
        row
    }

    /// The row of a request that got no answer from a model (refused by the proxy, or
    /// failed upstream): no tokens, no cost, nobody charged, and why in the metadata.
    pub fn failure_row(&self, deployment: Option<&Deployment>, model: &str, error: Value) -> SpendRow {
        let provider = deployment.map_or("", |d| d.provider.name());
        let mut metadata = self.metadata();
        metadata["error_information"] = error;
        self.base_row(deployment, model, provider, metadata)
    }

    /// The headers every answer carries: the call id (the spend row's server-made id) and
    /// the key's budget and limits, when it has them.
    pub fn answer_headers(&self, headers: &mut HeaderMap) {
        insert(headers, "x-litellm-call-id", self.request_id.clone());
        insert(headers, "x-litellm-model-group", self.group.clone());
        insert(headers, "x-litellm-attempted-retries", self.attempted_retries.to_string());
        if self.attempted_fallbacks > 0 {
            insert(headers, "x-litellm-attempted-fallbacks", self.attempted_fallbacks.to_string());
        }
        if let Some(timeout) = self.timeout {
            insert(headers, "x-litellm-timeout", timeout.as_secs_f64().to_string());
        }
        let (budget, rpm, tpm) = self.key_limits;
        if let Some(budget) = budget {
            insert(headers, "x-litellm-key-max-budget", budget.to_string());
        }
        if let Some(rpm) = rpm {
            insert(headers, "x-litellm-key-rpm-limit", rpm.to_string());
        }
        if let Some(tpm) = tpm {
            insert(headers, "x-litellm-key-tpm-limit", tpm.to_string());
        }
    }

    /// The bodies to keep with this request's row, the answer's made by `response` (given
    /// the deployments' credentials to take out); none, and `response` not called, when
    /// capture is off.
    pub fn payload(&self, response: impl FnOnce(&dyn Fn(&str) -> String) -> String) -> Option<Box<Payload>> {
        let request = self.captured_request.as_ref()?;
        let router = self.state.router();
        let known = |text: &str| router.redactor.redact_text(text);
        Some(Box::new(Payload { request: request.clone(), response: response(&known) }))
    }

    fn metadata(&self) -> Value {
        json!({"user_api_key_alias": self.key_alias, "end_user": self.end_user})
    }

    fn base_row(&self, deployment: Option<&Deployment>, model: &str, provider: &str, metadata: Value) -> SpendRow {
        SpendRow {
            request_id: self.request_id.clone(),
            client_request_id: self.client_request_id.clone(),
            session_id: self.session_id.clone(),
            call_type: self.endpoint.call_type().to_string(),
            api_key: self.api_key.clone(),
            user: self.user.clone(),
            team_id: self.team_id.clone(),
            end_user: self.end_user.clone(),
            model: model.to_string(),
            model_id: deployment.map(|d| d.id.clone()),
            model_group: self.group.clone(),
            provider: provider.to_string(),
            api_base: deployment.and_then(|d| d.api_base.as_ref().map(crate::config::ApiBase::masked)),
            start: crate::time::format(self.started),
            end: crate::time::format(self.state.clock.now()),
            prompt_tokens: 0,
            completion_tokens: 0,
            cost: 0.0,
            status_ok: false,
            first_token: None,
            metadata,
            charge: Charge::default(),
            tags: self.tags.clone(),
            payload: None,
        }
    }
}

/// How a request is named. The spend row's id is always made here: when it was the
/// client's `x-request-id`, a client could reuse an id and so hide later rows (other users'
/// too) from the logs while they were still charged. The client's id is kept beside it,
/// to search by and to echo, and is never a key.
pub struct RequestIds {
    /// A new time-ordered id (see `server::new_request_id`): the spend row's primary key
    /// and the answer's `x-litellm-call-id`.
    pub row: String,
    /// What the client sent in `x-request-id` or `x-litellm-call-id`, if usable.
    pub client: Option<String>,
    /// When the request arrived.
    pub arrived: std::time::Instant,
}

impl RequestIds {
    pub fn new(client: Option<&HeaderValue>) -> Self {
        let made = crate::server::new_request_id();
        Self {
            arrived: std::time::Instant::now(),
            row: made.to_str().unwrap_or_default().to_string(),
            client: client.and_then(|v| v.to_str().ok()).map(str::to_string),
        }
    }

    /// The id the answer's `x-request-id` carries and the logs name: the client's, else the
    /// row's.
    pub fn shown(&self) -> &str {
        self.client.as_deref().unwrap_or(&self.row)
    }
}

/// A model request that came through the router: the client's id is in the headers (there
/// the router's request-id layer has put one it made, when the client sent none).
pub async fn handle(
    state: AppState,
    caller: Caller,
    headers: HeaderMap,
    endpoint: Endpoint,
    body: bytes::Bytes,
) -> Response {
    let ids = RequestIds::new(crate::server::client_request_id(&headers).as_ref());
    handle_named(state, caller, ids, endpoint, &headers, body).await
}

pub async fn handle_named(
    state: AppState,
    caller: Caller,
    ids: RequestIds,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: bytes::Bytes,
) -> Response {
    handle_on(state, caller, ids, endpoint, headers, body, None).await
}

/// As [`handle_named`]; `deployment`, when given, is the one deployment (by id) of the
/// model's group the request may go to (see `ModelRequest::deployment`).
pub async fn handle_on(
    state: AppState,
    caller: Caller,
    ids: RequestIds,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: bytes::Bytes,
    deployment: Option<String>,
) -> Response {
    let response = match run(state, caller, ids, endpoint, headers, body, deployment).await {
        Ok(response) | Err(response) => response,
    };
    in_dialect(endpoint, response)
}

/// An answer as the endpoint's clients expect it: errors the gateway made are rendered
/// in Anthropic's shape on its routes.
pub fn in_dialect(endpoint: Endpoint, response: Response) -> Response {
    match endpoint.dialect() {
        Dialect::OpenAi | Dialect::Gemini | Dialect::Responses => response,
        Dialect::Anthropic => anthropic::errors::render(response),
    }
}

/// The model a request's name stands for: under the key's `aliases`, then its team's
/// `model_aliases` (the router's `model_group_alias` comes after, in `resolve`).
pub fn aliased(state: &AppState, caller: &Caller, model: &str) -> String {
    aliases(state, caller, model).1
}

/// The name after the key's `aliases`, and after the team's `model_aliases` too: access is
/// checked on every name of the way, as for the key's aliases alone.
fn aliases(state: &AppState, caller: &Caller, model: &str) -> (String, String) {
    let key = caller.key();
    let by_key = key.and_then(|k| k.aliases.get(model)).and_then(Value::as_str).unwrap_or(model);
    let team = key.and_then(|k| k.team_id.as_deref()).and_then(|id| state.teams.get(id));
    let by_team = team.as_deref().and_then(|t| t.alias_target(by_key)).unwrap_or(by_key);
    (by_key.to_string(), by_team.to_string())
}

/// The request's own tags (body and `x-litellm-tags`), then its key's and team's.
fn tags_of(
    state: &AppState,
    caller: &Caller,
    request: &mut ModelRequest,
    headers: &HeaderMap,
) -> Result<Vec<String>, ApiError> {
    let own = crate::tags::of_request(&request.body, headers)?;
    // No upstream knows LiteLLM's top-level `tags`; bodies sent as they came keep it.
    if matches!(request.endpoint.dialect(), Dialect::OpenAi | Dialect::Gemini) {
        request.body.remove("tags");
    }
    let key = caller.key();
    let team = key.and_then(|k| k.team_id.as_deref()).and_then(|id| state.teams.get(id));
    let key_tags = key.into_iter().flat_map(|k| crate::tags::of_metadata(&k.metadata));
    let team_tags = team.as_deref().into_iter().flat_map(|t| crate::tags::of_metadata(&t.metadata));
    Ok(crate::tags::merged(own, key_tags.chain(team_tags)))
}

/// The refusal of a model name that names no deployment, with the models the caller may use.
pub fn unknown_model(state: &AppState, caller: &Caller, model: &str) -> ApiError {
    let usable = access::usable_models(state, caller);
    ApiError::InvalidField {
        param: "model".into(),
        message: format!(
            "Invalid model name passed in model={model}. Call `/v1/models` to view available models for your key. Models you may use: {}",
            usable.join(", ")
        ),
    }
}

async fn run(
    state: AppState,
    caller: Caller,
    ids: RequestIds,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: bytes::Bytes,
    deployment: Option<String>,
) -> Result<Response, Response> {
    let refused = |error: ApiError| observe::refused(&state, Some(&caller), endpoint, error.into_response());
    // Before anything is reserved or sent: on a full disk the answer could not be charged.
    state.ledger.admit_model_request(&state).map_err(refused)?;
    let mut request = ModelRequest::parse(endpoint, &body).map_err(refused)?;
    request.deployment = deployment;
    run_parsed(state, caller, ids, headers, request, None).await
}

/// The request path after the body is read: a JSON body parsed, or the form fields of an
/// audio upload whose file is still arriving (`upload`, relayed as it comes).
pub async fn run_parsed(
    state: AppState,
    caller: Caller,
    ids: RequestIds,
    headers: &HeaderMap,
    mut request: ModelRequest,
    upload: Option<media::Upload>,
) -> Result<Response, Response> {
    let endpoint = request.endpoint;
    let started = state.clock.now();
    // LiteLLM's customer headers name the customer over the body's fields.
    if let Some(customer) = crate::customers::identify::from_headers(headers) {
        request.end_user = Some(customer);
    }
    if endpoint.dialect() == Dialect::Anthropic {
        request.forwarded = anthropic::forwarded_headers(headers);
    }
    let refused = |error: ApiError| observe::refused(&state, Some(&caller), endpoint, error.into_response());
    let tags = tags_of(&state, &caller, &mut request, headers).map_err(refused)?;
    let (by_key, aliased) = aliases(&state, &caller, &request.model);
    let route = state.router().resolve(&aliased);
    let key = caller.key();
    let key_limits = key.map(|k| crate::budgets::effective::of_key(&state, k)).unwrap_or_default();
    let mut ctx = Ctx {
        request_id: ids.row,
        client_request_id: ids.client,
        session_id: anthropic::session_id(headers),
        started,
        arrived: ids.arrived,
        api_key: caller.api_key_hash().to_string(),
        user: caller.user_id.clone(),
        team_id: key.and_then(|k| k.team_id.clone()),
        key_alias: key.and_then(|k| k.key_alias.clone()),
        endpoint,
        group: route.as_ref().map_or_else(|| aliased.clone(), |r| r.group.clone()),
        requested_model: request.model.clone(),
        routed: route.is_some(),
        end_user: request.end_user.clone(),
        tags,
        charge: Charge::default(),
        key_limits: (key_limits.max_budget, key_limits.rpm_limit, key_limits.tpm_limit),
        attempted_fallbacks: 0,
        attempted_retries: 0,
        timeout: request.timeout,
        // An upload's file is relayed as it arrives: its form fields are what is kept.
        captured_request: captured_request(&state, &caller, || serde_json::to_vec(&request.body).unwrap_or_default()),
        _expected: Expected::new(&state),
        state: state.clone(),
    };
    let (route, Admitted { admission, charge }) = match admit(&state, &caller, &mut request, [&by_key, &aliased], route)
    {
        Ok(admitted) => admitted,
        Err(refusal) => return Err(failure::logged(&ctx, refusal, None, &request.model).await),
    };
    ctx.charge = charge;
    let route = pinned(route, request.deployment.as_deref());
    if let Some(upload) = upload {
        return media::upload::relay(ctx, admission, &route, &request, upload).await;
    }
    if let Some(text) = request.mock_response.take() {
        return mock::respond(ctx, admission, &request, &text).await;
    }
    let bridged = text_bridge::applies(&state, &route, &request);
    if bridged && let Err(error) = text_bridge::to_chat(&mut request) {
        return Err(failure::logged(&ctx, error.into_response(), None, &request.model).await);
    }
    let first = match request.mock_failure.take() {
        Some(failure) => Err(failure.response(&ctx.group)),
        None => dispatch::send(&ctx, &route, &mut request).await,
    };
    let upstream = match first {
        Ok(upstream) => upstream,
        Err(response) => {
            let first = route.deployments.first().cloned();
            match fallback::after(&mut ctx, &caller, &mut request, response, first).await {
                Ok(upstream) => upstream,
                Err((response, deployment)) => {
                    return Err(failure::logged(&ctx, response, deployment.as_deref(), &request.model).await);
                }
            }
        }
    };
    ctx.attempted_retries = upstream.retries;
    let stream = request.stream;
    if endpoint.modes().is_some() {
        return media::answer::complete(ctx, admission, upstream, &request).await;
    }
    let price = state.router().price(&upstream.deployment, &upstream.upstream_model);
    if price.is_none() {
        state.router().prices.warn_unpriced(&upstream.deployment.litellm_model);
    }
    let answer = if request.stream {
        Ok(stream::relay(ctx, admission, upstream, request, price))
    } else {
        respond::complete(ctx, admission, upstream, &request, price).await
    };
    match answer {
        Ok(response) if bridged => Ok(text_bridge::answer(response, stream).await),
        answer => answer,
    }
}

/// The request's body as stored, when payload capture is on for the caller's key and team
/// (and spend-log rows are written at all, for it to be kept with).
fn captured_request(state: &AppState, caller: &Caller, body: impl FnOnce() -> Vec<u8>) -> Option<String> {
    let general = &state.config.settings.general_settings;
    let key = caller.key();
    let team = key.and_then(|k| k.team_id.as_deref()).and_then(|id| state.teams.get(id));
    let wanted = payloads::wanted(
        general.store_prompts_in_spend_logs,
        key.map(|k| &k.metadata),
        team.as_ref().map(|t| &t.metadata),
    );
    if !wanted || general.disable_spend_logs {
        return None;
    }
    let router = state.router();
    Some(payloads::stored(&body(), &|text| router.redactor.redact_text(text)))
}

/// The checks before any upstream call: model access, a known model, then budgets and
/// limits (which reserve the request's share).
#[allow(clippy::result_large_err)] // the refusal is the finished response, built once
fn admit(
    state: &AppState,
    caller: &Caller,
    request: &mut ModelRequest,
    [by_key, aliased]: [&str; 2],
    route: Option<Route>,
) -> Result<(Route, Admitted), Response> {
    let mut names = vec![request.model.as_str(), by_key, aliased];
    if let Some(route) = &route {
        names.push(route.group.as_str());
    }
    access::check(state, caller, &names).map_err(IntoResponse::into_response)?;
    let Some(route) = route else {
        return Err(unknown_model(state, caller, &request.model).into_response());
    };
    let route = match request.end_user.as_deref() {
        Some(customer) => {
            let asked = [request.model.clone(), aliased.to_string(), route.group.clone()];
            let asked: Vec<&str> = asked.iter().map(String::as_str).collect();
            crate::customers::admission::check(state, customer, &asked, route).map_err(IntoResponse::into_response)?
        }
        None => route,
    };
    let wanted = request.endpoint.dialect();
    if let Some(other) = route.deployments.iter().find(|d| d.dialect_for(wanted) != wanted) {
        if !request.endpoint.is_conversation() {
            return Err(untranslated(&route.group, other, request.endpoint).into_response());
        }
        // Read now, so that a request no provider could take is refused before admission.
        request.prepare_translation().map_err(IntoResponse::into_response)?;
    }
    let estimate = match request.endpoint.modes() {
        Some(modes) => {
            media::kind::check(state, &route, request.endpoint, modes).map_err(IntoResponse::into_response)?;
            media::cost::estimate(state, caller, &route, request)
        }
        None => estimate(state, caller, &route, request, price_of(state, &route)),
    };
    let admitted = admission::admit(state, caller, request.end_user.as_deref(), estimate)?;
    Ok((route, admitted))
}

/// The route narrowed to the deployment `id`, when the request must go there and the
/// group has it; a group without it keeps its deployments (the request names another
/// model, whose upstream answers for the id itself).
fn pinned(route: Route, id: Option<&str>) -> Route {
    let Some(only) = id.and_then(|id| route.deployments.iter().find(|d| d.id == id)) else { return route };
    Route { deployments: std::sync::Arc::new(vec![only.clone()]), ..route }
}

/// The refusal of a request that only a provider of its own dialect can serve (text
/// completions and embeddings have no counterpart at Anthropic or Gemini).
fn untranslated(group: &str, deployment: &Deployment, endpoint: Endpoint) -> ApiError {
    ApiError::bad_request(format!(
        "Model {group} is served by a `{}` deployment ({}), which has no counterpart of /v1/{}. Use a model served by an OpenAI-compatible deployment.",
        deployment.provider.name(),
        deployment.litellm_model,
        endpoint.path(),
    ))
}

fn price_of(state: &AppState, route: &Route) -> Option<Price> {
    let deployment = route.deployments.first()?;
    state.router().price(deployment, &deployment.upstream_model_for(route))
}

/// The cost to reserve: this key's recent real cost for the model when known (capped by
/// what `max_tokens` allows), else the prompt's size plus `max_tokens` (or as many
/// completion tokens as prompt tokens when the client sets no bound).
fn estimate(state: &AppState, caller: &Caller, route: &Route, request: &ModelRequest, price: Option<Price>) -> f64 {
    let Some(price) = price else { return 0.0 };
    if request.mock_response.is_some() {
        return 0.0;
    }
    let prompt = request.prompt_estimate();
    let bound = request.max_tokens.map(|max| price.cost(prompt, max));
    let recent = caller.key().and_then(|k| state.limiter.recent_cost(&k.token, &route.group));
    match (recent, bound) {
        (Some(recent), Some(bound)) => recent.min(bound),
        (Some(recent), None) => recent,
        (None, Some(bound)) => bound,
        (None, None) => price.cost(prompt, prompt),
    }
}
