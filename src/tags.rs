//! Tags, as LiteLLM keeps them: a list of names in `metadata.tags` of keys and teams (set
//! with `tags` on `/key/*` and `/team/*`, or inside `metadata`), and on a model request
//! (`metadata.tags` or `tags` in the body, the `x-litellm-tags` header). A request carries
//! its own tags and its key's and team's (`merged`); its spend row keeps them and
//! `/spend/tags` sums spend per tag. Lists are checked here once, so a bad one is refused
//! the same way wherever it comes from.

use crate::error::ApiError;
use axum::http::HeaderMap;
use serde_json::{Map, Value};

/// The most tags one list may hold, and the longest a tag may be: a request names its
/// tags freely, and each distinct tag is a row in the daily sums.
pub const MAX_TAGS: usize = 64;
pub const MAX_TAG_CHARS: usize = 256;

/// LiteLLM's header of request tags, comma-separated.
pub const HEADER: &str = "x-litellm-tags";

/// A list of tags as given in `field`: JSON strings, each non-empty (after trimming) and
/// not too long; repeats are dropped.
pub fn parse(field: &str, value: &Value) -> Result<Vec<String>, ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::field(field, format!("{field} must be a list of strings, e.g. [\"project-a\"]")));
    };
    let mut tags = Vec::new();
    for item in items {
        let Value::String(tag) = item else {
            return Err(ApiError::field(field, format!("{field} must be a list of strings; got {item}")));
        };
        push(&mut tags, field, tag)?;
    }
    Ok(tags)
}

fn push(tags: &mut Vec<String>, field: &str, tag: &str) -> Result<(), ApiError> {
    let tag = tag.trim();
    if tag.is_empty() {
        return Err(ApiError::field(field, format!("{field} must not hold an empty tag")));
    }
    if tag.chars().count() > MAX_TAG_CHARS {
        return Err(ApiError::field(field, format!("a tag in {field} is longer than {MAX_TAG_CHARS} characters")));
    }
    if !tags.iter().any(|t| t == tag) {
        if tags.len() == MAX_TAGS {
            return Err(ApiError::field(field, format!("{field} holds more than {MAX_TAGS} tags")));
        }
        tags.push(tag.to_string());
    }
    Ok(())
}

/// Checks the `metadata.tags` of a key or team being set: absent or `null` is none, else
/// it must be a list as `parse` takes.
pub fn check_metadata(metadata: &Value) -> Result<(), ApiError> {
    match metadata.get("tags") {
        None | Some(Value::Null) => Ok(()),
        Some(tags) => parse("metadata.tags", tags).map(drop),
    }
}

/// Writes the `tags` of a request into `metadata.tags` (where LiteLLM keeps them); `null`
/// leaves the metadata as it is.
pub fn into_metadata(metadata: &mut Value, tags: &Option<Value>) -> Result<(), ApiError> {
    let Some(given) = tags.as_ref().filter(|t| !t.is_null()) else { return Ok(()) };
    let tags = parse("tags", given)?;
    if !metadata.is_object() {
        *metadata = Value::Object(Map::new());
    }
    metadata["tags"] = Value::from(tags);
    Ok(())
}

/// The tags in a stored `metadata` (a key's or team's), in their order.
pub fn of_metadata(metadata: &Value) -> impl Iterator<Item = &str> {
    metadata.get("tags").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

/// A model request's own tags: `metadata.tags` (or `litellm_metadata.tags`) and `tags` in
/// the body, then the `x-litellm-tags` header. As in LiteLLM, a body field that is not a
/// list is no tags (OpenAI's own `metadata` holds only strings, so a client may well send
/// `metadata.tags` as text); a list must hold tags `parse` takes.
pub fn of_request(body: &Map<String, Value>, headers: &HeaderMap) -> Result<Vec<String>, ApiError> {
    let mut tags = Vec::new();
    for (field, value) in [
        ("metadata.tags", body.get("metadata").and_then(|m| m.get("tags"))),
        ("litellm_metadata.tags", body.get("litellm_metadata").and_then(|m| m.get("tags"))),
        ("tags", body.get("tags")),
    ] {
        if let Some(value) = value.filter(|v| v.is_array()) {
            for tag in parse(field, value)? {
                push(&mut tags, field, &tag)?;
            }
        }
    }
    for header in headers.get_all(HEADER) {
        let text =
            header.to_str().map_err(|_| ApiError::field(HEADER, format!("{HEADER} must be comma-separated text")))?;
        for tag in text.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            push(&mut tags, HEADER, tag)?;
        }
    }
    Ok(tags)
}

/// A request's tags with its key's and its team's after them, each once (LiteLLM's
/// `merge_tags`). Stored lists were checked when set, so nothing is refused here.
pub fn merged<'a>(own: Vec<String>, inherited: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut tags = own;
    for tag in inherited {
        if tags.len() < MAX_TAGS * 3 && !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_string());
        }
    }
    tags
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_must_hold_strings_and_repeats_count_once() {
        assert_eq!(parse("tags", &json!(["a", " b ", "a"])).unwrap(), ["a", "b"]);
        for bad in [json!("a"), json!({"a": 1}), json!([1]), json!([""]), json!(["x".repeat(MAX_TAG_CHARS + 1)])] {
            let error = parse("tags", &bad).unwrap_err();
            assert!(matches!(&error, ApiError::InvalidField { param, .. } if param == "tags"), "{bad}: {error:?}");
        }
        let many: Vec<String> = (0..=MAX_TAGS).map(|i| i.to_string()).collect();
        assert!(parse("tags", &json!(many)).is_err());
    }

    #[test]
    fn a_request_takes_body_then_header_then_key_and_team() {
        let body = json!({"metadata": {"tags": ["body"]}, "tags": ["top", "body"]});
        let mut headers = HeaderMap::new();
        headers.insert(HEADER, "head, top ,".parse().unwrap());
        let own = of_request(body.as_object().unwrap(), &headers).unwrap();
        assert_eq!(own, ["body", "top", "head"]);
        let key = json!({"tags": ["key", "head"]});
        let team = json!({"tags": ["team"]});
        let all = merged(own, of_metadata(&key).chain(of_metadata(&team)));
        assert_eq!(all, ["body", "top", "head", "key", "team"]);
        let text = json!({"metadata": {"tags": "one"}});
        assert!(of_request(text.as_object().unwrap(), &HeaderMap::new()).unwrap().is_empty());
        let bad = json!({"metadata": {"tags": ["one", 2]}});
        assert!(of_request(bad.as_object().unwrap(), &HeaderMap::new()).is_err());
    }

    #[test]
    fn tags_go_into_metadata_and_null_leaves_it() {
        let mut metadata = json!({"owner": "x"});
        into_metadata(&mut metadata, &Some(json!(["a"]))).unwrap();
        assert_eq!(metadata, json!({"owner": "x", "tags": ["a"]}));
        into_metadata(&mut metadata, &Some(Value::Null)).unwrap();
        assert_eq!(metadata["tags"], json!(["a"]));
        assert!(check_metadata(&json!({"tags": [3]})).is_err());
        assert!(check_metadata(&json!({"tags": null})).is_ok());
    }
}
