//! LiteLLM's model management routes. Changes are proxy-admin only (`Op::ModelWrite`);
//! reads (`info.rs`) are open to every caller, scoped to what their key may call.

use super::change::{self, ModelChange, shadow_note};
use super::info;
use super::record::StoredModel;
use crate::auth::Caller;
use crate::error::ApiError;
use crate::extract::JsonBody;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, State};
use serde_json::{Value, json};
use utoipa_axum::{router::OpenApiRouter, routes};

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(new_model))
        .routes(routes!(update_model))
        .routes(routes!(patch_model))
        .routes(routes!(delete_model))
        .merge(info::routes())
}

/// The stored row as LiteLLM answers it, credentials left out.
pub fn stored_view(state: &AppState, model: &StoredModel) -> Value {
    let mut info = model.model_info.clone();
    info.insert("id".into(), json!(model.model_id));
    info.insert("db_model".into(), json!(true));
    let mut answer = json!({
        "model_id": model.model_id,
        "model_name": model.model_name,
        "litellm_params": model.litellm_params,
        "model_info": info,
        "created_at": model.created_at,
        "created_by": model.created_by,
        "updated_at": model.updated_at,
        "updated_by": model.updated_by,
    });
    if let Some(note) = shadow_note(state, &model.model_name) {
        answer["served"] = json!(false);
        answer["note"] = json!(note);
    } else {
        answer["served"] = json!(true);
    }
    answer
}

/// Add a model at run time, served at once (proxy admins only). Its upstream credential is
/// kept sealed and never shown again.
#[utoipa::path(post, path = "/model/new", tag = "models", request_body = crate::docs::schemas::models::ModelNewRequest, responses((status = 200, body = crate::docs::schemas::models::StoredModel)))]
async fn new_model(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let change = ModelChange::from_body(&body)?;
    let model = change::create(&state, &caller, change).await?;
    Ok(Json(stored_view(&state, &model)))
}

/// Change a stored model, named by `model_info.id` (or `model_id`); the fields given
/// replace those stored, a `null` removes one.
#[utoipa::path(post, path = "/model/update", tag = "models", request_body = crate::docs::schemas::models::ModelUpdateRequest, responses((status = 200, body = crate::docs::schemas::models::StoredModel)))]
async fn update_model(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let change = ModelChange::from_body(&body)?;
    let id = change.id().or_else(|| body.get("model_id").and_then(Value::as_str).map(str::to_string));
    let Some(id) = id else {
        return Err(ApiError::field("model_info.id", "name the model to change in `model_info.id`"));
    };
    let model = change::update(&state, &caller, &id, change).await?;
    Ok(Json(stored_view(&state, &model)))
}

/// Change a stored model, named in the path.
#[utoipa::path(patch, path = "/model/{model_id}/update", tag = "models", params(("model_id" = String, Path)), request_body = crate::docs::schemas::models::ModelUpdateRequest, responses((status = 200, body = crate::docs::schemas::models::StoredModel)))]
async fn patch_model(
    State(state): State<AppState>,
    caller: Caller,
    Path(model_id): Path<String>,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let change = ModelChange::from_body(&body)?;
    if change.id().is_some_and(|id| id != model_id) {
        return Err(ApiError::field("model_info.id", "a model's id cannot change"));
    }
    let model = change::update(&state, &caller, &model_id, change).await?;
    Ok(Json(stored_view(&state, &model)))
}

/// Delete a stored model (`{"id": ...}`); it stops being served at once.
#[utoipa::path(post, path = "/model/delete", tag = "models", request_body = crate::docs::schemas::models::ModelDeleteRequest, responses((status = 200, body = crate::docs::schemas::models::ModelDeleted)))]
async fn delete_model(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<Value>,
) -> Result<Json<Value>, ApiError> {
    let Some(id) = body.get("id").and_then(Value::as_str).filter(|id| !id.is_empty()) else {
        return Err(ApiError::field("id", "name the model to delete in `id`"));
    };
    change::delete(&state, &caller, id).await?;
    Ok(Json(json!({"message": format!("Model: {id} deleted successfully")})))
}
