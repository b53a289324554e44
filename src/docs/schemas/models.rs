//! The `/model/*` and `/model_group/info` bodies and answers.

use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// LiteLLM's `litellm_params`: `model` (`provider/name`) is required; `api_key`,
/// `api_base`, `api_version`, `timeout`, `rpm`, `tpm`, `weight`, the prices per token and
/// `use_chat_completions_api` are used. `os.environ/NAME` reads the proxy's environment.
/// Other fields are kept and shown, not used.
#[derive(ToSchema)]
pub struct LitellmParams {
    model: String,
    /// Sealed with the proxy's secret; never shown again.
    api_key: Option<String>,
    api_base: Option<String>,
    api_version: Option<String>,
    timeout: Option<u64>,
    rpm: Option<u64>,
    tpm: Option<u64>,
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

/// LiteLLM's `model_info`: `id` (generated when not given), `mode`, prices per token,
/// `access_groups`; other fields are kept and shown.
#[derive(ToSchema)]
pub struct ModelInfoFields {
    id: Option<String>,
    mode: Option<String>,
    access_groups: Option<Vec<String>>,
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    #[serde(flatten)]
    other: BTreeMap<String, Value>,
}

/// `POST /model/new`.
#[derive(ToSchema)]
pub struct ModelNewRequest {
    model_name: String,
    litellm_params: LitellmParams,
    model_info: Option<ModelInfoFields>,
}

/// `POST /model/update`, `PATCH /model/{model_id}/update`: the fields given replace the
/// stored ones (`null` removes one); `/model/update` names the model in `model_info.id`.
#[derive(ToSchema)]
pub struct ModelUpdateRequest {
    model_name: Option<String>,
    litellm_params: Option<BTreeMap<String, Value>>,
    model_info: Option<BTreeMap<String, Value>>,
}

/// `POST /model/delete`.
#[derive(ToSchema)]
pub struct ModelDeleteRequest {
    id: String,
}

#[derive(ToSchema)]
pub struct ModelDeleted {
    message: String,
}

/// A stored model, credentials left out.
#[derive(ToSchema)]
pub struct StoredModel {
    model_id: String,
    model_name: String,
    litellm_params: BTreeMap<String, Value>,
    model_info: BTreeMap<String, Value>,
    created_at: String,
    created_by: String,
    updated_at: String,
    updated_by: String,
    /// False when proxy.toml defines the same `model_name` (the file wins; `note` says so).
    served: bool,
    note: Option<String>,
}

/// One deployment as `/model/info` shows it.
#[derive(ToSchema)]
pub struct ModelDeployment {
    model_name: String,
    litellm_params: BTreeMap<String, Value>,
    /// `id`, `db_model` (stored at run time), `litellm_provider`, `mode`, prices, `access_groups`.
    model_info: BTreeMap<String, Value>,
}

#[derive(ToSchema)]
pub struct ModelInfoList {
    data: Vec<ModelDeployment>,
}

#[derive(ToSchema)]
pub struct ModelInfoPage {
    data: Vec<ModelDeployment>,
    total_count: u64,
    current_page: u64,
    total_pages: u64,
    size: u64,
}

/// One public model name.
#[derive(ToSchema)]
pub struct ModelGroup {
    model_group: String,
    providers: Vec<String>,
    mode: String,
    input_cost_per_token: Option<f64>,
    output_cost_per_token: Option<f64>,
    tpm: Option<u64>,
    rpm: Option<u64>,
    max_input_tokens: Option<u64>,
    max_output_tokens: Option<u64>,
    supports_function_calling: bool,
    supports_parallel_function_calling: bool,
    supports_vision: bool,
    supported_openai_params: Vec<String>,
    access_groups: Vec<String>,
}

#[derive(ToSchema)]
pub struct ModelGroupList {
    data: Vec<ModelGroup>,
}
