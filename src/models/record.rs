//! A model stored in the database: LiteLLM's deployment shape (`model_name`,
//! `litellm_params`, `model_info`) as the admin gave it, with the credentials apart. Fields
//! the gateway does not use are kept and shown, but only the known ones reach the router;
//! the known ones are checked exactly as `[[model_list]]` entries of `proxy.toml` are.

use crate::config::{ModelEntry, ModelInfo, ModelParams};
use serde_json::{Map, Value};

/// `litellm_params` fields that hold a credential: sealed at rest, never shown.
pub const SECRET_PARAMS: &[&str] =
    &["api_key", "aws_secret_access_key", "aws_session_token", "azure_ad_token", "client_secret", "vertex_credentials"];

#[derive(Debug, Clone)]
pub struct StoredModel {
    pub model_id: String,
    pub model_name: String,
    /// Without the credentials.
    pub litellm_params: Map<String, Value>,
    /// The credentials, clear (in memory only; sealed in the database).
    pub secrets: Map<String, Value>,
    pub model_info: Map<String, Value>,
    pub created_at: String,
    pub created_by: String,
    pub updated_at: String,
    pub updated_by: String,
}

pub const COLUMNS: &str =
    "model_id, model_name, litellm_params, secrets, model_info, created_at, created_by, updated_at, updated_by";

impl StoredModel {
    /// Splits `litellm_params` into the clear part and the credentials.
    pub fn split_params(params: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
        params.into_iter().filter(|(_, v)| !v.is_null()).partition(|(k, _)| !SECRET_PARAMS.contains(&k.as_str()))
    }

    /// The deployment the router serves; `Err` names the field and what is wrong with it.
    pub fn entry(&self) -> Result<ModelEntry, (String, String)> {
        let mut params = known(&self.litellm_params, ModelParams::SECTION.settings);
        params.extend(known(&self.secrets, ModelParams::SECTION.settings));
        let mut info = known(&self.model_info, ModelInfo::SECTION.settings);
        info.insert("id".into(), Value::String(self.model_id.clone()));
        for (name, value) in params.iter_mut() {
            resolve_env(value).map_err(|m| (format!("litellm_params.{name}"), m))?;
        }
        let entry = serde_json::json!({"model_name": self.model_name, "litellm_params": params, "model_info": info});
        let entry: ModelEntry = serde_path_to_error::deserialize(entry).map_err(|e| {
            let field = e.path().to_string();
            (field, e.into_inner().to_string())
        })?;
        match crate::config::model_problems(&entry).into_iter().next() {
            Some(problem) => Err(problem),
            None => Ok(entry),
        }
    }
}

/// The fields of `map` that `settings` declares.
fn known(map: &Map<String, Value>, settings: &[crate::config::SettingDoc]) -> Map<String, Value> {
    map.iter()
        .filter(|(k, v)| !v.is_null() && settings.iter().any(|s| s.name == k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `os.environ/NAME`, as in the config file: the variable's value, read now.
fn resolve_env(value: &mut Value) -> Result<(), String> {
    if let Value::String(text) = value
        && let Some(name) = text.strip_prefix("os.environ/")
    {
        match std::env::var(name) {
            Ok(resolved) => *text = resolved,
            Err(_) => {
                return Err(format!(
                    "refers to the environment variable {name} (`os.environ/{name}`), which is not set in the proxy's environment"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn stored(params: Value, info: Value) -> StoredModel {
        let Value::Object(params) = params else { panic!() };
        let (litellm_params, secrets) = StoredModel::split_params(params);
        StoredModel {
            model_id: "m1".into(),
            model_name: "mine".into(),
            litellm_params,
            secrets,
            model_info: info.as_object().cloned().unwrap_or_default(),
            created_at: String::new(),
            created_by: String::new(),
            updated_at: String::new(),
            updated_by: String::new(),
        }
    }

    #[test]
    fn keeps_credentials_apart_and_unknown_fields_out_of_the_router() {
        let model = stored(
            json!({"model": "openai/gpt-4o", "api_key": "sk-up", "rpm": 10, "drop_params": true}),
            json!({"access_groups": ["beta"], "description": "x"}),
        );
        assert!(!model.litellm_params.contains_key("api_key"));
        assert_eq!(model.secrets["api_key"], "sk-up");
        let entry = model.entry().unwrap();
        assert_eq!(entry.litellm_params.api_key.unwrap().expose(), "sk-up");
        assert_eq!(entry.litellm_params.rpm, Some(10));
        assert_eq!(entry.model_info.id.as_deref(), Some("m1"));
        assert_eq!(entry.model_info.access_groups, vec!["beta".to_string()]);
    }

    #[test]
    fn names_the_bad_field() {
        let (field, message) = stored(json!({"model": "openai/x", "rpm": "many"}), json!({})).entry().unwrap_err();
        assert_eq!(field, "litellm_params.rpm");
        assert!(message.contains("invalid type"), "{message}");
        let (field, _) = stored(json!({"model": "azure/x"}), json!({})).entry().unwrap_err();
        assert_eq!(field, "litellm_params.api_base");
        let (field, message) =
            stored(json!({"model": "openai/x", "api_key": "os.environ/PROXY_TEST_SURELY_UNSET"}), json!({}))
                .entry()
                .unwrap_err();
        assert_eq!(field, "litellm_params.api_key");
        assert!(message.contains("PROXY_TEST_SURELY_UNSET"));
    }
}
