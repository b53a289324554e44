//! `/openapi.json` against the real binary: it lists every route the proxy serves (the
//! routes in the source and the document are compared both ways), and it describes them
//! well enough for a schema fuzzer to reach the handlers: typed bodies, required
//! parameters, the error answers, answers of the right JSON type. `scripts/fuzz-api.sh`
//! then holds every answer to the document.

mod common;

use common::Proxy;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Routes that are pages of the admin UI or the documentation itself, not API.
fn is_page(path: &str) -> bool {
    path == "/ui"
        || path.starts_with("/ui/")
        || ["/", "/openapi.json", "/assets/{*path}", "/fallback/login"].contains(&path)
}

/// The paths of every `.route("...")` in the source: the routes registered outside
/// `OpenApiRouter`, which the document must list as well.
fn routes_in_source() -> BTreeSet<String> {
    fn walk(dir: &Path, found: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("read source");
                for piece in text.split(".route(\"").skip(1) {
                    if let Some(end) = piece.find('"') {
                        found.insert(piece[..end].to_string());
                    }
                }
            }
        }
    }
    let mut found = BTreeSet::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut found);
    found
}

fn document(proxy: &Proxy) -> Value {
    let (status, doc) = proxy.client(None).get("/openapi.json");
    assert_eq!(status, 200, "{doc}");
    doc
}

fn paths(doc: &Value) -> &serde_json::Map<String, Value> {
    doc["paths"].as_object().expect("paths")
}

const PAGE_ROUTES: [&str; 4] = ["/login", "/logout", "/sso/key/generate", "/sso/callback"];

#[test]
fn every_route_in_the_source_is_documented() {
    let proxy = Proxy::start();
    let doc = document(&proxy);
    let source = routes_in_source();
    assert!(source.contains("/chat/completions") && source.contains("/v2/login"), "the scan finds routes: {source:?}");
    let missing: Vec<_> = source.iter().filter(|p| !is_page(p) && !paths(&doc).contains_key(*p)).collect();
    assert!(missing.is_empty(), "routes served but not in /openapi.json: {missing:?}");
}

#[test]
fn every_documented_route_is_served() {
    let proxy = Proxy::start();
    let doc = document(&proxy);
    let http =
        reqwest::blocking::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    for (path, item) in paths(&doc) {
        let url = proxy.url(&path.replace("{key}", "sk-none").replace("{id}", "none"));
        for method in item.as_object().expect("path item").keys() {
            let request = match method.as_str() {
                "get" => http.get(&url),
                "post" => http.post(&url).header("content-type", "application/json").body("{}"),
                "delete" => http.delete(&url),
                "patch" => http.patch(&url).header("content-type", "application/json").body("{}"),
                other => panic!("{path}: unexpected method {other}"),
            };
            let response = request.bearer_auth(&proxy.master_key).send().expect("request");
            let status = response.status().as_u16();
            let body = response.text().unwrap_or_default();
            // The router's fallback answers routes it does not have.
            assert!(!body.contains("No such route"), "{method} {path} is documented but not served: {status} {body}");
        }
    }
}

#[test]
fn team_list_is_documented_as_the_array_it_answers() {
    let proxy = Proxy::start();
    let doc = document(&proxy);
    let schema = &doc["paths"]["/team/list"]["get"]["responses"]["200"]["content"]["application/json"]["schema"];
    assert_eq!(schema["type"], "array", "{schema}");
    let (status, answer) = proxy.admin().get("/team/list");
    assert_eq!(status, 200);
    assert!(answer.is_array(), "{answer}");
}

#[test]
fn bodies_parameters_and_errors_are_described() {
    let proxy = Proxy::start();
    let doc = document(&proxy);
    let mut untyped = Vec::new();
    let mut no_errors = Vec::new();
    for (path, item) in paths(&doc) {
        for (method, operation) in item.as_object().expect("path item") {
            if let Some(body) = operation.get("requestBody") {
                let content = body["content"].as_object().expect("content");
                for media in content.values() {
                    let schema = &media["schema"];
                    if schema.get("$ref").is_none() && schema.get("properties").is_none() {
                        untyped.push(format!("{method} {path}: {schema}"));
                    }
                }
            }
            if PAGE_ROUTES.contains(&path.as_str()) {
                continue;
            }
            let error = if path.starts_with("/v1/messages") || path.starts_with("/messages") {
                "#/components/schemas/AnthropicError"
            } else if [
                "/chat",
                "/completions",
                "/embeddings",
                "/models",
                "/responses",
                "/images/",
                "/audio/",
                "/moderations",
                "/rerank",
                "/openai/deployments/",
                "/openai/responses",
            ]
            .iter()
            .any(|p| path.strip_prefix("/v1").or_else(|| path.strip_prefix("/v2")).unwrap_or(path).starts_with(p))
            {
                "#/components/schemas/OpenAiError"
            } else {
                "#/components/schemas/ManagementError"
            };
            for status in ["400", "401", "403", "404", "429", "500"] {
                let schema = &operation["responses"][status]["content"]["application/json"]["schema"]["$ref"];
                if schema != error {
                    no_errors.push(format!("{method} {path} {status}"));
                }
            }
        }
    }
    assert!(untyped.is_empty(), "request bodies without a schema: {untyped:#?}");
    assert!(no_errors.is_empty(), "error answers not described: {no_errors:#?}");
    let chat = &doc["components"]["schemas"]["ChatCompletionRequest"];
    let required: Vec<_> = chat["required"].as_array().expect("required").iter().filter_map(Value::as_str).collect();
    assert!(required.contains(&"model") && required.contains(&"messages"), "{chat}");
    let team_info = &doc["paths"]["/team/info"]["get"]["parameters"][0];
    assert_eq!((team_info["name"].as_str(), team_info["required"].as_bool()), (Some("team_id"), Some(true)));
}

/// Found by the schema fuzzer: a far page overflowed the row offset, and the request
/// died without an answer.
#[test]
fn a_far_spend_log_page_is_empty() {
    let proxy = Proxy::start();
    for path in ["/spend/logs?page=4294967295&page_size=1000", "/spend/logs/v2?page=4294967295&page_size=1000"] {
        let (status, body) = proxy.admin().get(path);
        assert_eq!(status, 200, "{path}: {body}");
        let rows = if body.is_array() { &body } else { &body["data"] };
        assert_eq!(rows.as_array().map(Vec::len), Some(0), "{path}: {body}");
    }
}

/// The same for the lists paged with 64-bit page numbers: `(page - 1) * size` overflowed.
#[test]
fn the_farthest_page_of_every_list_is_empty() {
    let proxy = Proxy::start();
    let far = i64::MAX;
    for (path, rows) in [
        (format!("/key/list?page={far}&size=100"), "keys"),
        (format!("/user/list?page={far}&page_size=100"), "users"),
        (format!("/audit?page={far}&page_size=1000"), "audit_logs"),
    ] {
        let (status, body) = proxy.admin().get(&path);
        assert_eq!(status, 200, "{path}: {body}");
        assert_eq!(body[rows].as_array().map(Vec::len), Some(0), "{path}: {body}");
    }
}

/// Found by the schema fuzzer: the spend reports refused a bad query string in plain
/// text, which no LiteLLM client can read, instead of the JSON error every route answers.
#[test]
fn a_bad_spend_query_answers_the_json_error() {
    let proxy = Proxy::start();
    for path in [
        "/spend/logs?page_size=-1",
        "/spend/logs/v2?summarize=maybe",
        "/user/daily/activity?page_size=-1",
        "/global/spend/report?page=first",
    ] {
        let (status, body) = proxy.admin().get(path);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["type"], "bad_request_error", "{path}: {body}");
    }
}
