//! Plain HTML forms: `FormData` reads a urlencoded body keeping repeated fields (a list of
//! checkboxes), and `Problem` turns a domain error into a message shown beside its field
//! (or above the form when it names none), so a failed form comes back with its values.

use crate::error::ApiError;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};

/// Largest form body accepted.
const MAX_FORM: usize = 64 * 1024;

pub struct FormData(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for FormData {
    type Rejection = Response;

    async fn from_request(request: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let bytes = axum::body::to_bytes(request.into_body(), MAX_FORM)
            .await
            .map_err(|_| (axum::http::StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response())?;
        Ok(FormData(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

impl FormData {
    /// A field's trimmed value; empty counts as not given.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    pub fn all(&self, name: &str) -> Vec<String> {
        self.0.iter().filter(|(k, v)| k == name && !v.trim().is_empty()).map(|(_, v)| v.trim().to_string()).collect()
    }

    /// The values as a map for re-showing the form.
    pub fn values(&self) -> Map<String, Value> {
        let mut map = Map::new();
        for (k, v) in &self.0 {
            if k != crate::auth::csrf::FIELD {
                map.insert(k.clone(), Value::String(v.clone()));
            }
        }
        map
    }

    /// Copies text fields into a JSON request body (absent when empty).
    pub fn text_into(&self, body: &mut Map<String, Value>, names: &[&str]) {
        for name in names {
            if let Some(v) = self.get(name) {
                body.insert((*name).to_string(), Value::String(v.to_string()));
            }
        }
    }

    /// Copies number fields into a JSON body; text that is not a number is a field error.
    pub fn numbers_into(&self, body: &mut Map<String, Value>, names: &[&str], integer: bool) -> Result<(), Problem> {
        for name in names {
            let Some(text) = self.get(name) else { continue };
            let value = if integer {
                text.parse::<i64>().ok().map(Value::from)
            } else {
                text.parse::<f64>().ok().filter(|v| v.is_finite()).map(Value::from)
            };
            match value {
                Some(v) => {
                    body.insert((*name).to_string(), v);
                }
                None => {
                    let kind = if integer { "a whole number" } else { "a number" };
                    return Err(Problem::field(name, format!("Enter {kind}, not `{text}`.")));
                }
            }
        }
        Ok(())
    }

    /// On an edit form every field is shown with its value, so a field sent empty means
    /// "remove this setting" (JSON `null`); a field not sent at all stays unchanged.
    pub fn cleared_into(&self, body: &mut Map<String, Value>, names: &[&str]) {
        for name in names {
            if !body.contains_key(*name) && self.0.iter().any(|(k, _)| k == name) {
                body.insert((*name).to_string(), Value::Null);
            }
        }
    }
}

/// Leaves out a budget period sent unchanged: setting one restarts its budget window (the
/// API's rule), which saving an edit form for another field should not do.
pub fn drop_unchanged_period(body: &mut Value, current: Option<&str>) {
    if let Some(map) = body.as_object_mut()
        && map.get("budget_duration").map(Value::as_str) == Some(current)
    {
        map.remove("budget_duration");
    }
}

/// A form's failure: the field it concerns (if any) and the message.
#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub field: Option<String>,
    pub message: String,
}

impl Problem {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self { field: Some(field.to_string()), message: message.into() }
    }

    pub fn general(message: impl Into<String>) -> Self {
        Self { field: None, message: message.into() }
    }
}

impl From<ApiError> for Problem {
    fn from(error: ApiError) -> Self {
        Self { field: error.param(), message: error.message() }
    }
}

/// The status a failed form page answers with.
pub fn status_of(error: &ApiError) -> axum::http::StatusCode {
    error.status()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_changed_budget_period_is_sent() {
        let mut body = json!({"budget_duration": "7d", "max_budget": 1});
        drop_unchanged_period(&mut body, Some("7d"));
        assert_eq!(body, json!({"max_budget": 1}));
        let mut body = json!({"budget_duration": "30d"});
        drop_unchanged_period(&mut body, Some("7d"));
        assert_eq!(body, json!({"budget_duration": "30d"}));
        let mut body = json!({"budget_duration": null});
        drop_unchanged_period(&mut body, None);
        assert_eq!(body, json!({}));
    }
}
