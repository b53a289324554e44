//! One deployment as `/model/info` shows it (LiteLLM's shape): `model_name`,
//! `litellm_params` without credentials, `model_info` with its `id`, `db_model` (stored at
//! run time, not from proxy.toml) and the prices in use. Callers who do not see everything
//! get no `api_base` either: an internal address is not theirs to learn.

use super::record::StoredModel;
use crate::gateway::{Deployment, ModelRouter, Origin};
use serde_json::{Map, Value, json};

pub fn deployment(router: &ModelRouter, d: &Deployment, stored: Option<&StoredModel>, sees_all: bool) -> Value {
    let mut params = match stored {
        Some(model) => model.litellm_params.clone(),
        None => configured_params(d),
    };
    if !sees_all {
        params.retain(|k, _| k == "model");
    } else if let Some(base) = &d.api_base {
        params.insert("api_base".into(), Value::String(base.masked()));
    }
    let mut info = stored.map(|m| m.model_info.clone()).unwrap_or_default();
    let price = router.price(d, &d.upstream_model);
    info.insert("id".into(), json!(d.id));
    info.insert("db_model".into(), json!(d.origin == Origin::Stored));
    info.insert("litellm_provider".into(), json!(d.provider.name()));
    info.insert("mode".into(), json!(d.mode.as_deref().unwrap_or("chat")));
    info.insert("input_cost_per_token".into(), json!(price.map(|p| p.input)));
    info.insert("output_cost_per_token".into(), json!(price.map(|p| p.output)));
    info.insert("access_groups".into(), json!(d.access_groups));
    if let Some(model) = stored {
        info.insert("created_at".into(), json!(model.created_at));
        info.insert("created_by".into(), json!(model.created_by));
        info.insert("updated_at".into(), json!(model.updated_at));
        info.insert("updated_by".into(), json!(model.updated_by));
    }
    json!({"model_name": d.model_name, "litellm_params": params, "model_info": info})
}

/// A stored model that is not served (proxy.toml defines its name, or it does not convert).
pub fn unserved(model: &StoredModel, why: &str) -> Value {
    let mut info = model.model_info.clone();
    info.insert("id".into(), json!(model.model_id));
    info.insert("db_model".into(), json!(true));
    info.insert("served".into(), json!(false));
    info.insert("not_served_because".into(), json!(why));
    json!({"model_name": model.model_name, "litellm_params": model.litellm_params, "model_info": info})
}

/// The clear `litellm_params` of a deployment from proxy.toml.
fn configured_params(d: &Deployment) -> Map<String, Value> {
    let mut params = Map::new();
    params.insert("model".into(), json!(d.litellm_model));
    if let Some(version) = &d.api_version {
        params.insert("api_version".into(), json!(version));
    }
    params.insert("timeout".into(), json!(d.timeout.as_secs()));
    if let Some(rpm) = d.rpm {
        params.insert("rpm".into(), json!(rpm));
    }
    if let Some(tpm) = d.tpm {
        params.insert("tpm".into(), json!(tpm));
    }
    params
}
