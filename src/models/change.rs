//! Adding, changing and deleting stored models, shared by the JSON routes and the UI. A
//! change is checked as a `[[model_list]]` entry would be, committed with its audit row,
//! and served before the call answers.

use super::record::StoredModel;
use super::{serve, store};
use crate::audit::{self, Actor};
use crate::auth::Caller;
use crate::auth::policy::{self, Op};
use crate::error::ApiError;
use crate::state::AppState;
use serde_json::{Map, Value};

/// A deployment as LiteLLM's `/model/new` and `/model/update` take it. `None` leaves a
/// part as it is (update); `litellm_params` and `model_info` merge field by field, a
/// `null` removing the field.
#[derive(Debug, Default, Clone)]
pub struct ModelChange {
    pub model_name: Option<String>,
    pub litellm_params: Option<Map<String, Value>>,
    pub model_info: Option<Map<String, Value>>,
}

impl ModelChange {
    /// Reads LiteLLM's body: `model_name`, `litellm_params`, `model_info` objects.
    pub fn from_body(body: &Value) -> Result<Self, ApiError> {
        let Some(body) = body.as_object() else {
            return Err(ApiError::bad_request("the body must be a JSON object"));
        };
        let object = |name: &str| -> Result<Option<Map<String, Value>>, ApiError> {
            match body.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(map)) => Ok(Some(map.clone())),
                Some(_) => Err(ApiError::field(name, format!("`{name}` must be an object"))),
            }
        };
        let model_name = match body.get("model_name") {
            None | Some(Value::Null) => None,
            Some(Value::String(name)) => Some(name.trim().to_string()),
            Some(_) => return Err(ApiError::field("model_name", "`model_name` must be a string")),
        };
        Ok(ModelChange { model_name, litellm_params: object("litellm_params")?, model_info: object("model_info")? })
    }

    /// The id named in `model_info.id`, if any.
    pub fn id(&self) -> Option<String> {
        self.model_info.as_ref().and_then(|i| i.get("id")).and_then(Value::as_str).map(str::to_string)
    }

    fn apply(self, model: &mut StoredModel) {
        if let Some(name) = self.model_name {
            model.model_name = name;
        }
        if let Some(params) = self.litellm_params {
            let (clear, secrets) = StoredModel::split_params(params.clone());
            for (name, value) in params {
                if value.is_null() {
                    model.litellm_params.remove(&name);
                    model.secrets.remove(&name);
                }
            }
            model.litellm_params.extend(clear);
            model.secrets.extend(secrets);
        }
        if let Some(info) = self.model_info {
            for (name, value) in info {
                if name == "id" {
                    continue;
                }
                if value.is_null() {
                    model.model_info.remove(&name);
                } else {
                    model.model_info.insert(name, value);
                }
            }
        }
    }
}

fn checked(model: &StoredModel) -> Result<(), ApiError> {
    model.entry().map(|_| ()).map_err(|(field, message)| ApiError::field(&field, format!("`{field}` {message}")))
}

/// The answer's note for a stored model that `proxy.toml` shadows.
pub fn shadow_note(state: &AppState, model_name: &str) -> Option<String> {
    state.routing.is_configured(model_name).then(|| {
        format!(
            "proxy.toml defines model_name={model_name}, and proxy.toml wins: this stored model is kept but not served until the file's entry is removed"
        )
    })
}

fn audit_json(model: &StoredModel) -> Value {
    let secrets: Vec<&String> = model.secrets.keys().collect();
    serde_json::json!({
        "model_id": model.model_id, "model_name": model.model_name,
        "litellm_params": model.litellm_params, "model_info": model.model_info,
        "credentials_set": secrets,
    })
}

/// `/model/new`: a new stored model; its id is `model_info.id` or a new uuid.
pub async fn create(state: &AppState, caller: &Caller, change: ModelChange) -> Result<StoredModel, ApiError> {
    let _permit = policy::authorize(state, caller, Op::ModelWrite { route: "/model/new" })?;
    let Some(model_name) = change.model_name.clone().filter(|n| !n.is_empty()) else {
        return Err(ApiError::field("model_name", "`model_name` is required: the name clients send as `model`"));
    };
    if change.litellm_params.as_ref().and_then(|p| p.get("model")).and_then(Value::as_str).is_none_or(str::is_empty) {
        return Err(ApiError::field(
            "litellm_params.model",
            "`litellm_params.model` is required, e.g. `openai/gpt-4o-mini`",
        ));
    }
    let model_id = match change.id() {
        Some(id) if id.trim().is_empty() => {
            return Err(ApiError::field("model_info.id", "`model_info.id` must not be empty"));
        }
        Some(id) => id,
        None => uuid::Uuid::new_v4().to_string(),
    };
    if state.router().all_deployments().iter().any(|d| d.id == model_id) {
        return Err(ApiError::field("model_info.id", format!("A model with id={model_id} exists already")));
    }
    let now = crate::time::format(state.clock.now());
    let actor = Actor::of(caller);
    let mut model = StoredModel {
        model_id: model_id.clone(),
        model_name,
        litellm_params: Map::new(),
        secrets: Map::new(),
        model_info: Map::new(),
        created_at: now.clone(),
        created_by: actor.user_id.clone(),
        updated_at: now.clone(),
        updated_by: actor.user_id.clone(),
    };
    change.apply(&mut model);
    checked(&model)?;
    let s = state.clone();
    let cache = state.clone();
    let saved = model.clone();
    state
        .db
        .write_then(
            move |tx| {
                if store::get(tx, &s.credentials, &saved.model_id)?.is_some() {
                    return Err(ApiError::field(
                        "model_info.id",
                        format!("A model with id={} exists already", saved.model_id),
                    ));
                }
                store::save(tx, &s.credentials, &saved)?;
                audit::record(tx, &actor, &now, "created", "models", &saved.model_id, None, Some(&audit_json(&saved)))?;
                Ok(store::all(tx, &s.credentials)?)
            },
            move |all: &Vec<StoredModel>| serve(&cache, all),
        )
        .await?;
    Ok(model)
}

fn refuse_config_model(state: &AppState, model_id: &str) -> ApiError {
    let configured =
        state.router().all_deployments().iter().any(|d| d.id == model_id && d.origin == crate::gateway::Origin::Config);
    if configured {
        ApiError::bad_request(format!(
            "model id={model_id} is defined in proxy.toml: change it there (models from the config file are read-only here)"
        ))
    } else {
        ApiError::NotFound(format!("Model with id={model_id} not found"))
    }
}

/// `/model/update` and `PATCH /model/{id}/update`: changes the fields given.
pub async fn update(
    state: &AppState,
    caller: &Caller,
    model_id: &str,
    change: ModelChange,
) -> Result<StoredModel, ApiError> {
    let _permit = policy::authorize(state, caller, Op::ModelWrite { route: "/model/update" })?;
    if change.model_name.as_deref() == Some("") {
        return Err(ApiError::field("model_name", "`model_name` must not be empty"));
    }
    let now = crate::time::format(state.clock.now());
    let actor = Actor::of(caller);
    let s = state.clone();
    let cache = state.clone();
    let id = model_id.to_string();
    let (model, _) = state
        .db
        .write_then(
            move |tx| {
                let Some(mut model) = store::get(tx, &s.credentials, &id)? else {
                    return Err(refuse_config_model(&s, &id));
                };
                let before = audit_json(&model);
                change.apply(&mut model);
                model.updated_at = now.clone();
                model.updated_by = actor.user_id.clone();
                checked(&model)?;
                store::save(tx, &s.credentials, &model)?;
                audit::record(tx, &actor, &now, "updated", "models", &id, Some(&before), Some(&audit_json(&model)))?;
                Ok((model, store::all(tx, &s.credentials)?))
            },
            move |(_, all): &(StoredModel, Vec<StoredModel>)| serve(&cache, all),
        )
        .await?;
    Ok(model)
}

/// `/model/delete`.
pub async fn delete(state: &AppState, caller: &Caller, model_id: &str) -> Result<(), ApiError> {
    let _permit = policy::authorize(state, caller, Op::ModelWrite { route: "/model/delete" })?;
    let now = crate::time::format(state.clock.now());
    let actor = Actor::of(caller);
    let s = state.clone();
    let cache = state.clone();
    let id = model_id.to_string();
    state
        .db
        .write_then(
            move |tx| {
                let Some(model) = store::get(tx, &s.credentials, &id)? else {
                    return Err(refuse_config_model(&s, &id));
                };
                store::delete(tx, &id)?;
                audit::record(tx, &actor, &now, "deleted", "models", &id, Some(&audit_json(&model)), None)?;
                Ok(store::all(tx, &s.credentials)?)
            },
            move |all: &Vec<StoredModel>| serve(&cache, all),
        )
        .await?;
    Ok(())
}
