//! Checks of request fields shared by the management routes: budgets, limits, durations,
//! roles. Each refusal names the field, so a client knows what to fix.

use crate::auth::Role;
use crate::duration::Duration;
use crate::error::ApiError;
use serde::{Deserialize, Deserializer};

/// For update bodies: absent -> `None`, `null` -> `Some(None)`, a value -> `Some(Some(v))`.
pub fn double<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

pub fn budget(field: &str, value: Option<f64>) -> Result<(), ApiError> {
    match value {
        Some(v) if !v.is_finite() || v < 0.0 => {
            Err(ApiError::field(field, format!("{field} must be a number of USD, 0 or more; got {v}")))
        }
        _ => Ok(()),
    }
}

pub fn limit(field: &str, value: Option<i64>) -> Result<(), ApiError> {
    match value {
        Some(v) if v < 0 => Err(ApiError::field(field, format!("{field} must be 0 or more; got {v}"))),
        _ => Ok(()),
    }
}

/// A budget period or lifetime; `-1` is allowed only where `never_ok`.
pub fn duration(field: &str, value: Option<&str>, never_ok: bool) -> Result<(), ApiError> {
    match value {
        None => Ok(()),
        Some("-1") if never_ok => Ok(()),
        Some(text) => Duration::parse(text).map(|_| ()).map_err(|e| ApiError::field(field, format!("{field}: {e}"))),
    }
}

/// Applies one field of an update body: absent leaves `target` as it is, `null` clears
/// it, a value sets it.
pub fn set<T: Clone>(target: &mut Option<T>, value: &Option<Option<T>>) {
    if let Some(v) = value {
        target.clone_from(v);
    }
}

/// Applies a `budget_duration` update: the period, and its next reset counted from `now`.
pub fn set_budget_period(
    period: &mut Option<String>,
    reset_at: &mut Option<String>,
    value: &Option<Option<String>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), ApiError> {
    let Some(value) = value else { return Ok(()) };
    *reset_at = match value {
        None => None,
        Some(text) => Some(crate::time::format(
            crate::limits::period::next_reset(text, now)
                .map_err(|e| ApiError::field("budget_duration", e.to_string()))?,
        )),
    };
    period.clone_from(value);
    Ok(())
}

pub fn role(field: &str, value: &str) -> Result<Role, ApiError> {
    value.parse().map_err(|e: crate::auth::UnknownRole| ApiError::field(field, format!("{field}: {e}")))
}

/// Page numbers and sizes: at least 1, at most `max`.
pub fn page(page: Option<i64>, size: Option<i64>, default_size: i64, max: i64) -> Result<(i64, i64), ApiError> {
    let page = page.unwrap_or(1);
    let size = size.unwrap_or(default_size);
    if page < 1 {
        return Err(ApiError::field("page", "page must be 1 or more"));
    }
    if !(1..=max).contains(&size) {
        return Err(ApiError::field("page_size", format!("page size must be between 1 and {max}")));
    }
    // A page past every row answers empty; bounded so that `(page - 1) * size`, the offset
    // the callers compute, cannot overflow.
    Ok((page.min(i64::MAX / max), size))
}

pub fn total_pages(total: usize, size: i64) -> i64 {
    let total = total as i64;
    if total == 0 { 0 } else { (total + size - 1) / size }
}

/// Reads a typed request out of a JSON body, naming the field that does not fit.
pub fn parse<T: serde::de::DeserializeOwned>(body: &serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(body).map_err(|e| {
        let path = e.path().to_string();
        ApiError::field(&path, format!("Invalid value for `{path}`: {}", e.into_inner()))
    })
}

/// The names of the fields a body gives a non-null value.
pub fn given(body: &serde_json::Value) -> Vec<String> {
    body.as_object()
        .map(|m| m.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.clone()).collect())
        .unwrap_or_default()
}

/// A string field of a body.
pub fn text(body: &serde_json::Value, field: &str) -> Option<String> {
    body.get(field).and_then(serde_json::Value::as_str).map(str::to_string)
}
