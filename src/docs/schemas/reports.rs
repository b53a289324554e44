//! The answers of the spend reports and the audit log.

use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// One request's spend-log row.
#[derive(ToSchema)]
#[allow(non_snake_case)] // LiteLLM's field names
pub struct SpendLogRow {
    /// The proxy's id for the request.
    request_id: String,
    call_type: String,
    /// The hash of the key used.
    api_key: String,
    spend: f64,
    total_tokens: i64,
    prompt_tokens: i64,
    completion_tokens: i64,
    startTime: String,
    endTime: String,
    model: String,
    model_id: Option<String>,
    model_group: Option<String>,
    custom_llm_provider: Option<String>,
    api_base: Option<String>,
    user: Option<String>,
    team_id: Option<String>,
    end_user: Option<String>,
    metadata: Value,
    /// `True` or `False`, as LiteLLM writes it.
    cache_hit: String,
    /// `success` or `failure`.
    status: String,
    /// The request's tags, its key's and team's included (LiteLLM's `request_tags`).
    request_tags: Vec<String>,
    /// When a streamed answer's first chunk came; the end (`endTime`) for answers that
    /// were not streamed, as LiteLLM writes it.
    completionStartTime: String,
    /// The request's `messages` (or `input`, `prompt`) as payload capture kept them; `{}`
    /// when none were kept. In `/spend/logs` rows, not in `/spend/logs/v2` pages.
    messages: Option<Value>,
    /// The answer as kept (a streamed one as `{"object": "stream", "content": ...}`; text
    /// with a note when cut at 64 KiB); `{}` when none was kept. In `/spend/logs` rows.
    response: Option<Value>,
    /// The request body as kept; `{}` when none was kept. In `/spend/logs` rows.
    proxy_server_request: Option<Value>,
}

/// One day of `/spend/logs?summarize=true` with both dates: spend per model and user.
#[derive(ToSchema)]
#[allow(non_snake_case)]
pub struct SpendDay {
    /// The day, `YYYY-MM-DD`.
    startTime: String,
    spend: f64,
    models: BTreeMap<String, f64>,
    users: BTreeMap<String, f64>,
}

#[derive(ToSchema)]
#[serde(untagged)]
pub enum SpendLogsEntry {
    Row(Box<SpendLogRow>),
    Day(SpendDay),
}

/// `GET /spend/logs/v2`.
#[derive(ToSchema)]
pub struct SpendLogsPage {
    data: Vec<SpendLogRow>,
    total: u64,
    page: u64,
    page_size: u64,
    total_pages: u64,
}

/// Sums over a day or a breakdown entry.
#[derive(ToSchema)]
pub struct ActivityMetrics {
    spend: f64,
    prompt_tokens: i64,
    completion_tokens: i64,
    total_tokens: i64,
    api_requests: i64,
    successful_requests: i64,
    failed_requests: i64,
}

/// One day of `/user/daily/activity`.
#[derive(ToSchema)]
pub struct ActivityDay {
    /// `YYYY-MM-DD`.
    date: String,
    metrics: ActivityMetrics,
    /// By `models`, `model_groups`, `providers`, `endpoints`, `api_keys`, `entities`:
    /// each name to `{metrics, metadata}`.
    breakdown: BTreeMap<String, BTreeMap<String, Value>>,
}

/// `GET /user/daily/activity`.
#[derive(ToSchema)]
pub struct ActivityAnswer {
    results: Vec<ActivityDay>,
    /// Totals (`total_spend`, `total_tokens`, ...) and `page`, `total_pages`, `has_more`.
    metadata: BTreeMap<String, Value>,
}

/// One day of `/global/spend/report`: per team (`teams`) or per key (`api_keys`).
#[derive(ToSchema)]
pub struct SpendReportDay {
    /// `YYYY-MM-DD`.
    group_by_day: String,
    teams: Option<Vec<BTreeMap<String, Value>>>,
    api_keys: Option<Vec<BTreeMap<String, Value>>>,
}

/// Spend of one request tag (`/spend/tags`): requests that carried it (a request with
/// several tags counts under each) and their spend.
#[derive(ToSchema)]
pub struct TagSpend {
    individual_request_tag: String,
    log_count: i64,
    total_spend: f64,
}

/// One change in the audit log.
#[derive(ToSchema)]
pub struct AuditEntry {
    id: String,
    updated_at: String,
    changed_by: String,
    changed_by_api_key: Option<String>,
    /// `created`, `updated`, `deleted`, `blocked`, ...
    action: String,
    table_name: String,
    object_id: String,
    before_value: Value,
    updated_values: Value,
}

/// `GET /audit`.
#[derive(ToSchema)]
pub struct AuditPage {
    audit_logs: Vec<AuditEntry>,
    total: u64,
    page: u64,
    page_size: u64,
    total_pages: u64,
}
