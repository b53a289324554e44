//! `/ui/logs`: every model request, newest first (time, status, key, user, team, model and
//! deployment, tokens, cost, latency, time to first token when recorded, the error of a
//! failure), with filters and a search by request or call id, and `/ui/logs/{id}`: one
//! request in full, with its request and response bodies when payload capture kept them. A plain GET form, so it works without JavaScript and every view has a
//! link.
//!
//! The page reads through `spend::request_log`, which applies `/spend/logs`'s filters and
//! the policy's rule for it: admins and admin viewers see every row, everyone else only
//! their own. This file only turns the form's friendly values (a key's alias, a user's
//! email, a team's alias) into those filters, and rows into what a person reads.

use super::{Signed, message, page};
use crate::spend::request_log::{self, ROUTE};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Rows per page.
const PAGE_SIZE: u32 = 50;
/// The range shown when none is chosen: today and the six days before.
const DEFAULT_DAYS: u64 = 6;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/ui/logs", get(list)).route("/ui/logs/{id}", get(detail))
}

/// The form, as typed. Empty fields mean "any".
#[derive(Deserialize, Serialize, Default)]
struct Form {
    #[serde(default)]
    status: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    team: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    /// A request id or call id.
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<String>,
}

impl Form {
    fn page(&self) -> u32 {
        self.page.as_deref().and_then(|p| p.trim().parse().ok()).unwrap_or(1).clamp(1, 100_000)
    }

    /// The form's values as `/spend/logs` parameters. A search by id looks at every day;
    /// anything else is held to a date range (the last week by default), which keeps the
    /// read on the time index.
    fn parameters(&mut self, state: &AppState) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let q = self.q.trim();
        if !q.is_empty() {
            out.push(("request_id", q.to_string()));
            return out;
        }
        let today = state.clock.now().date_naive();
        if self.end.trim().is_empty() {
            self.end = today.format("%Y-%m-%d").to_string();
        }
        if self.start.trim().is_empty() {
            self.start = (today - chrono::Days::new(DEFAULT_DAYS)).format("%Y-%m-%d").to_string();
        }
        out.push(("start_date", self.start.trim().to_string()));
        out.push(("end_date", self.end.trim().to_string()));
        let status = self.status.trim();
        if !status.is_empty() {
            out.push(("status_filter", status.to_string()));
        }
        if let Some(key) = key_filter(state, &self.key) {
            out.push(("api_key", key));
        }
        if let Some(user) = user_filter(state, &self.user) {
            out.push(("user_id", user));
        }
        if let Some(team) = team_filter(state, &self.team) {
            out.push(("team_id", team));
        }
        let model = self.model.trim();
        if !model.is_empty() {
            out.push(("model_group", model.to_string()));
        }
        out
    }

    /// The query string of this form on another page.
    fn link(&self, page: u32) -> String {
        let mut link = form_urlencoded::Serializer::new(String::new());
        for (name, value) in [
            ("status", &self.status),
            ("key", &self.key),
            ("user", &self.user),
            ("team", &self.team),
            ("model", &self.model),
            ("start", &self.start),
            ("end", &self.end),
            ("q", &self.q),
        ] {
            if !value.trim().is_empty() {
                link.append_pair(name, value.trim());
            }
        }
        link.append_pair("page", &page.to_string());
        format!("/ui/logs?{}", link.finish())
    }
}

/// A key given by alias, clear key (`sk-...`) or hash, as the hash the rows keep.
fn key_filter(state: &AppState, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let by_alias = state.keys.all().into_iter().find(|k| k.key_alias.as_deref() == Some(value));
    Some(by_alias.map_or_else(
        || if value.starts_with("sk-") { crate::keys::hash_key(value) } else { value.to_string() },
        |k| k.token.clone(),
    ))
}

/// A user given by id or email, as the id the rows keep.
fn user_filter(state: &AppState, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    Some(state.users.by_email(value).map_or_else(|| value.to_string(), |u| u.user_id.clone()))
}

/// A team given by alias or id, as the id the rows keep.
fn team_filter(state: &AppState, value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let by_alias = state.teams.all().into_iter().find(|t| t.team_alias.as_deref() == Some(value));
    Some(by_alias.map_or_else(|| value.to_string(), |t| t.team_id.clone()))
}

/// A row as the page shows it.
#[derive(Serialize)]
struct Entry {
    id: String,
    time: String,
    ok: bool,
    key: String,
    user: Option<String>,
    team: Option<String>,
    model: String,
    deployment: String,
    prompt_tokens: i64,
    completion_tokens: i64,
    cost: f64,
    latency_ms: Option<i64>,
    ttft_ms: Option<i64>,
    error_code: Option<String>,
    error: Option<String>,
}

fn text(value: &Value) -> Option<String> {
    value.as_str().filter(|s| !s.is_empty()).map(str::to_string)
}

fn millis_between(from: &Value, to: &Value) -> Option<i64> {
    let (from, to) = (crate::time::parse(from.as_str()?)?, crate::time::parse(to.as_str()?)?);
    Some((to - from).num_milliseconds().max(0))
}

/// The time to the first token of a streamed answer: LiteLLM's `completionStartTime`,
/// which is the end for answers that were not streamed (then there is none to show), or a
/// duration in the metadata.
fn first_token_ms(row: &Value) -> Option<i64> {
    let metadata = &row["metadata"];
    let streamed = row["completionStartTime"].as_str().is_some_and(|first| Some(first) != row["endTime"].as_str());
    streamed
        .then(|| millis_between(&row["startTime"], &row["completionStartTime"]))
        .flatten()
        .or_else(|| millis_between(&row["startTime"], &metadata["completion_start_time"]))
        .or_else(|| metadata["time_to_first_token_ms"].as_f64().map(|ms| ms.round() as i64))
}

/// A kept body as the detail view shows it: JSON indented, text as it is; none when
/// nothing was kept (`{}`, LiteLLM's value then).
fn body_text(value: &Value) -> Option<String> {
    match value {
        Value::Object(fields) if fields.is_empty() => None,
        Value::Null => None,
        Value::String(text) => Some(text.clone()),
        other => serde_json::to_string_pretty(other).ok(),
    }
}

fn entry(state: &AppState, row: &Value) -> Entry {
    let hash = row["api_key"].as_str().unwrap_or_default();
    let key = text(&row["metadata"]["user_api_key_alias"])
        .or_else(|| state.keys.get(hash).map(|k| k.key_alias.clone().unwrap_or_else(|| k.key_name.clone())))
        .unwrap_or_else(|| short_hash(hash));
    let user = text(&row["user"]).map(|id| state.users.get(&id).and_then(|u| u.user_email.clone()).unwrap_or(id));
    let team = text(&row["team_id"]).map(|id| state.teams.get(&id).and_then(|t| t.team_alias.clone()).unwrap_or(id));
    let model = text(&row["model_group"]).unwrap_or_else(|| text(&row["model"]).unwrap_or_default());
    let deployment = match (text(&row["model"]), text(&row["model_id"])) {
        (Some(model), Some(id)) => format!("{model} ({id})"),
        (model, id) => model.or(id).unwrap_or_else(|| "—".into()),
    };
    let error = &row["metadata"]["error_information"];
    Entry {
        id: text(&row["request_id"]).unwrap_or_default(),
        time: text(&row["startTime"]).unwrap_or_default(),
        ok: row["status"] == "success",
        key,
        user,
        team,
        model,
        deployment,
        prompt_tokens: row["prompt_tokens"].as_i64().unwrap_or(0),
        completion_tokens: row["completion_tokens"].as_i64().unwrap_or(0),
        cost: row["spend"].as_f64().unwrap_or(0.0),
        latency_ms: millis_between(&row["startTime"], &row["endTime"]),
        ttft_ms: first_token_ms(row),
        error_code: text(&error["error_code"]),
        error: text(&error["error_message"]),
    }
}

/// `…` and the last eight characters of a key hash (`master_key` as it is).
fn short_hash(hash: &str) -> String {
    match hash.char_indices().rev().nth(7) {
        Some((at, _)) if hash.len() > 12 => format!("…{}", &hash[at..]),
        _ => hash.to_string(),
    }
}

async fn list(State(state): State<AppState>, signed: Signed, Query(mut form): Query<Form>) -> Response {
    let parameters = form.parameters(&state);
    let page_number = form.page();
    let result = match request_log::query(&parameters) {
        Ok(q) => request_log::newest(&state, &signed.caller, &q, page_number, PAGE_SIZE).await,
        Err(error) => Err(error),
    };
    let (status, rows, more, error) = match result {
        Ok(found) => (StatusCode::OK, found.rows, found.more, None),
        Err(error) if error.status() == StatusCode::FORBIDDEN || error.status() == StatusCode::UNAUTHORIZED => {
            return super::keys::refused(&error);
        }
        Err(error) => (StatusCode::BAD_REQUEST, Vec::new(), false, Some(error.message())),
    };
    let entries: Vec<Entry> = rows.iter().map(|row| entry(&state, row)).collect();
    let everything =
        crate::auth::policy::authorize(&state, &signed.caller, crate::auth::policy::Op::SpendRead { route: ROUTE })
            .is_ok_and(|permit| permit.sees_all());
    let context = minijinja::context! {
        entries,
        filters => &form,
        models => state.router().public_names(),
        everything,
        error,
        page => page_number,
        newer => (page_number > 1).then(|| form.link(page_number - 1)),
        older => more.then(|| form.link(page_number + 1)),
        ..signed.context(&state, "Request log", "/ui/logs")
    };
    page(status, "logs.html", context)
}

async fn detail(State(state): State<AppState>, signed: Signed, Path(id): Path<String>) -> Response {
    let row = match request_log::one(&state, &signed.caller, &id).await {
        Ok(Some(row)) => row,
        Ok(None) => {
            return message(
                StatusCode::NOT_FOUND,
                "No such request",
                &format!("No request you may see has the id {id}."),
                Some(("/ui/logs", "Back to the request log")),
            );
        }
        Err(error) => return super::keys::refused(&error),
    };
    let summary = entry(&state, &row);
    let metadata = serde_json::to_string_pretty(&row["metadata"]).unwrap_or_default();
    let context = minijinja::context! {
        e => summary,
        row => minijinja::Value::from_serialize(&row),
        error_class => text(&row["metadata"]["error_information"]["error_class"]),
        cache_read => row["metadata"]["cache_read_input_tokens"].as_i64(),
        cache_write => row["metadata"]["cache_creation_input_tokens"].as_i64(),
        metadata,
        request_body => body_text(&row["proxy_server_request"]),
        response_body => body_text(&row["response"]),
        ..signed.context(&state, "Request", "/ui/logs")
    };
    page(StatusCode::OK, "log_detail.html", context)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn durations_are_read_from_the_row() {
        let row = json!({"startTime": "2026-01-02T03:04:05.000000Z", "endTime": "2026-01-02T03:04:06.250000Z",
            "metadata": {"completion_start_time": "2026-01-02T03:04:05.400000Z"}});
        assert_eq!(millis_between(&row["startTime"], &row["endTime"]), Some(1250));
        assert_eq!(first_token_ms(&row), Some(400));
        assert_eq!(first_token_ms(&json!({"startTime": "x", "metadata": {}})), None);
        let streamed = json!({"startTime": "2026-01-02T03:04:05.000000Z", "endTime": "2026-01-02T03:04:06.250000Z",
            "completionStartTime": "2026-01-02T03:04:05.031000Z", "metadata": {}});
        assert_eq!(first_token_ms(&streamed), Some(31));
        let whole = json!({"startTime": "2026-01-02T03:04:05.000000Z", "endTime": "2026-01-02T03:04:06.250000Z",
            "completionStartTime": "2026-01-02T03:04:06.250000Z", "metadata": {}});
        assert_eq!(first_token_ms(&whole), None, "LiteLLM's completionStartTime of an answer not streamed");
        assert_eq!(body_text(&json!({})), None);
        assert_eq!(body_text(&json!("cut text")).as_deref(), Some("cut text"));
        assert_eq!(short_hash("0123456789abcdef0123"), "…cdef0123");
        assert_eq!(short_hash("master_key"), "master_key");
    }
}
