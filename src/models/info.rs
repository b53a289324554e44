//! The model reads: `/model/info` (and `/v1/model/info`), `/v2/model/info` (paged, with
//! filters) and `/model_group/info` (one entry per public name). Admins and admin
//! viewers see every deployment with its settings (credentials never); other callers see
//! the deployments of the models their key may call, without upstream addresses.

use super::record::StoredModel;
use super::view;
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::extract::QueryParams;
use crate::gateway::{Deployment, ModelRouter, Origin};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(model_info))
        .routes(routes!(model_info_v1))
        .routes(routes!(model_info_v2))
        .routes(routes!(model_group_info))
}

/// Every deployment the caller may see, in the router's order, then the stored models that
/// are not served (admins only).
async fn visible(state: &AppState, caller: &Caller, route: &str) -> Result<Vec<Value>, ApiError> {
    let permit = policy::authorize(state, caller, Op::ModelRead { route })?;
    let sees_all = permit.sees_all();
    let stored: HashMap<String, StoredModel> =
        super::list(state).await?.into_iter().map(|m| (m.model_id.clone(), m)).collect();
    let router = state.router();
    let usable = if sees_all { Vec::new() } else { crate::gateway::usable_models(state, caller) };
    let mut shown: Vec<Value> = router
        .all_deployments()
        .iter()
        .filter(|d| sees_all || usable.contains(&d.model_name))
        .map(|d| {
            let model = (d.origin == Origin::Stored).then(|| stored.get(&d.id)).flatten();
            view::deployment(&router, d, model, sees_all)
        })
        .collect();
    if sees_all {
        let served: std::collections::HashSet<String> = router.all_deployments().iter().map(|d| d.id.clone()).collect();
        for model in stored.values().filter(|m| !served.contains(&m.model_id)) {
            let why = match super::change::shadow_note(state, &model.model_name) {
                Some(note) => note,
                None => model.entry().err().map(|(f, m)| format!("`{f}` {m}")).unwrap_or_default(),
            };
            shown.push(view::unserved(model, &why));
        }
    }
    Ok(shown)
}

#[derive(Deserialize, Default)]
struct InfoQuery {
    litellm_model_id: Option<String>,
}

async fn info(state: AppState, caller: Caller, query: InfoQuery, route: &str) -> Result<Json<Value>, ApiError> {
    let mut data = visible(&state, &caller, route).await?;
    if let Some(id) = &query.litellm_model_id {
        data.retain(|m| m["model_info"]["id"].as_str() == Some(id));
    }
    Ok(Json(json!({"data": data})))
}

/// Every deployment the caller may see (`?litellm_model_id=` for one).
#[utoipa::path(get, path = "/model/info", tag = "models", params(("litellm_model_id" = Option<String>, Query)), responses((status = 200, body = crate::docs::schemas::models::ModelInfoList)))]
async fn model_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    info(state, caller, query, "/model/info").await
}

/// The same as `/model/info`.
#[utoipa::path(get, path = "/v1/model/info", tag = "models", params(("litellm_model_id" = Option<String>, Query)), responses((status = 200, body = crate::docs::schemas::models::ModelInfoList)))]
async fn model_info_v1(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<InfoQuery>,
) -> Result<Json<Value>, ApiError> {
    info(state, caller, query, "/v1/model/info").await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PageQuery {
    #[serde(default, rename = "model")]
    model: Option<String>,
    #[serde(default)]
    model_id: Option<String>,
    #[serde(default)]
    search: Option<String>,
    #[serde(default = "first_page")]
    page: u64,
    #[serde(default = "page_size")]
    size: u64,
}

fn first_page() -> u64 {
    1
}

fn page_size() -> u64 {
    50
}

/// One page of the deployments the caller may see: `model` (a public name), `modelId`,
/// `search` (part of the name, any case), `page` (from 1) and `size`.
#[utoipa::path(get, path = "/v2/model/info", tag = "models", params(("model" = Option<String>, Query), ("modelId" = Option<String>, Query), ("search" = Option<String>, Query), ("page" = Option<u64>, Query, minimum = 1), ("size" = Option<u64>, Query, minimum = 1)), responses((status = 200, body = crate::docs::schemas::models::ModelInfoPage)))]
async fn model_info_v2(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<PageQuery>,
) -> Result<Json<Value>, ApiError> {
    if query.page == 0 {
        return Err(ApiError::field("page", "`page` counts from 1"));
    }
    if query.size == 0 || query.size > 1000 {
        return Err(ApiError::field("size", "`size` must be between 1 and 1000"));
    }
    let mut data = visible(&state, &caller, "/v2/model/info").await?;
    let search = query.search.as_deref().map(str::to_lowercase);
    data.retain(|m| {
        let name = m["model_name"].as_str().unwrap_or_default();
        query.model.as_deref().is_none_or(|wanted| name == wanted)
            && query.model_id.as_deref().is_none_or(|id| m["model_info"]["id"].as_str() == Some(id))
            && search.as_deref().is_none_or(|s| name.to_lowercase().contains(s))
    });
    let total = data.len() as u64;
    let start = usize::try_from((query.page - 1).saturating_mul(query.size)).unwrap_or(usize::MAX);
    let page: Vec<Value> = data.into_iter().skip(start).take(usize::try_from(query.size).unwrap_or(50)).collect();
    Ok(Json(json!({
        "data": page,
        "total_count": total,
        "current_page": query.page,
        "total_pages": total.div_ceil(query.size),
        "size": query.size,
    })))
}

#[derive(Deserialize, Default)]
struct GroupQuery {
    model_group: Option<String>,
}

/// Per public model name the caller may call: its providers, mode, prices, limits and
/// supported parameters (`?model_group=` for one).
#[utoipa::path(get, path = "/model_group/info", tag = "models", params(("model_group" = Option<String>, Query)), responses((status = 200, body = crate::docs::schemas::models::ModelGroupList)))]
async fn model_group_info(
    State(state): State<AppState>,
    caller: Caller,
    QueryParams(query): QueryParams<GroupQuery>,
) -> Result<Json<Value>, ApiError> {
    let permit = policy::authorize(&state, &caller, Op::ModelRead { route: "/model_group/info" })?;
    let router = state.router();
    let names = if permit.sees_all() { router.public_names() } else { crate::gateway::usable_models(&state, &caller) };
    let data: Vec<Value> = names
        .iter()
        .filter(|name| query.model_group.as_deref().is_none_or(|wanted| wanted == name.as_str()))
        .filter_map(|name| router.resolve(name).map(|route| group(&router, name, &route.deployments)))
        .collect();
    Ok(Json(json!({"data": data})))
}

fn group(router: &ModelRouter, name: &str, deployments: &[std::sync::Arc<Deployment>]) -> Value {
    let mut providers: Vec<&str> = deployments.iter().map(|d| d.provider.name()).collect();
    providers.dedup();
    let first = deployments.first();
    let price = first.and_then(|d| router.price(d, &d.upstream_model));
    let sum = |limit: fn(&Deployment) -> Option<u64>| -> Option<u64> {
        deployments.iter().map(|d| limit(d)).sum::<Option<u64>>()
    };
    let mode = first.and_then(|d| d.mode.clone()).unwrap_or_else(|| "chat".into());
    let chat = mode == "chat";
    json!({
        "model_group": name,
        "providers": providers,
        "mode": mode,
        "input_cost_per_token": price.map(|p| p.input),
        "output_cost_per_token": price.map(|p| p.output),
        "tpm": sum(|d| d.tpm),
        "rpm": sum(|d| d.rpm),
        "max_input_tokens": null,
        "max_output_tokens": null,
        "supports_function_calling": chat,
        "supports_parallel_function_calling": chat,
        "supports_vision": chat,
        "supported_openai_params": if chat { SUPPORTED_CHAT_PARAMS } else { &[] },
        "access_groups": router.access_groups_of(name),
    })
}

/// The chat parameters every provider behind the gateway takes (translated where needed).
const SUPPORTED_CHAT_PARAMS: &[&str] = &[
    "max_tokens",
    "max_completion_tokens",
    "messages",
    "model",
    "response_format",
    "stop",
    "stream",
    "stream_options",
    "temperature",
    "tool_choice",
    "tools",
    "top_p",
    "user",
];
