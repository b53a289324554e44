//! Which customer a model request is for, as LiteLLM finds it
//! (`get_end_user_id_from_request_body`): the `x-litellm-customer-id` or
//! `x-litellm-end-user-id` header first, then the body's `user` (OpenAI),
//! `litellm_metadata.user`, `metadata.user_id` (Anthropic) and `safety_identifier`
//! (OpenAI Responses). Numbers count as ids; objects, lists, booleans and blank text do
//! not. The caller names the customer: a customer is whom the caller serves, not who
//! the caller is, so this grants nothing (a blocked or spent customer only refuses).

use http::HeaderMap;
use serde_json::{Map, Value};

/// The headers that always name the customer.
pub const HEADERS: [&str; 2] = ["x-litellm-customer-id", "x-litellm-end-user-id"];

pub fn from_headers(headers: &HeaderMap) -> Option<String> {
    HEADERS.iter().find_map(|name| {
        let value = headers.get(*name)?.to_str().ok()?.trim();
        (!value.is_empty()).then(|| value.to_string())
    })
}

pub fn from_body(body: &Map<String, Value>) -> Option<String> {
    let nested = |field: &str, key: &str| object(body.get(field)).and_then(|o| o.get(key).and_then(id));
    body.get("user")
        .and_then(id)
        .or_else(|| nested("litellm_metadata", "user"))
        .or_else(|| nested("metadata", "user_id"))
        .or_else(|| body.get("safety_identifier").and_then(id))
}

/// A metadata object, also when sent as JSON text (form bodies, `extra_body`); read in place
/// when it is an object (Claude Code sends `metadata.user_id` with every request).
fn object(value: Option<&Value>) -> Option<std::borrow::Cow<'_, Map<String, Value>>> {
    match value? {
        Value::Object(map) => Some(std::borrow::Cow::Borrowed(map)),
        Value::String(text) => match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Some(std::borrow::Cow::Owned(map)),
            _ => None,
        },
        _ => None,
    }
}

fn id(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim()).filter(|t| !t.is_empty()).map(str::to_string),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_spelling_names_the_customer_in_litellms_order() {
        assert_eq!(from_body(&body(json!({"user": " ann "}))), Some("ann".into()));
        assert_eq!(from_body(&body(json!({"litellm_metadata": {"user": "bob"}}))), Some("bob".into()));
        assert_eq!(from_body(&body(json!({"metadata": {"user_id": "cy"}}))), Some("cy".into()));
        assert_eq!(from_body(&body(json!({"metadata": "{\"user_id\": \"dee\"}"}))), Some("dee".into()));
        assert_eq!(from_body(&body(json!({"safety_identifier": "eve"}))), Some("eve".into()));
        assert_eq!(from_body(&body(json!({"user": 42}))), Some("42".into()));
        let both = body(json!({"user": "first", "metadata": {"user_id": "second"}}));
        assert_eq!(from_body(&both), Some("first".into()));
    }

    #[test]
    fn what_is_not_an_id_names_nobody() {
        for value in [json!({"user": ""}), json!({"user": true}), json!({"user": {"id": 1}}), json!({"metadata": []})] {
            assert_eq!(from_body(&body(value.clone())), None, "{value}");
        }
        assert_eq!(from_body(&body(json!({"user": "  ", "safety_identifier": "s"}))), Some("s".into()));
    }

    #[test]
    fn the_headers_come_first() {
        let mut headers = HeaderMap::new();
        assert_eq!(from_headers(&headers), None);
        headers.insert("x-litellm-end-user-id", "second".parse().unwrap());
        assert_eq!(from_headers(&headers), Some("second".into()));
        headers.insert("x-litellm-customer-id", "first".parse().unwrap());
        assert_eq!(from_headers(&headers), Some("first".into()));
    }
}
