//! `/metrics` over real HTTP: known traffic on the direct `/v1` path (answered, streamed,
//! refused, failed upstream) shows up in LiteLLM's families with the counts, tokens and
//! spend of the spend rows (read by our parser and by `prometheus_client`'s); reading it takes an admin or admin-viewer key unless
//! `metrics_public` is set; `prometheus_exclude_labels` drops labels.

mod common;

use common::seed::KeySpec;
use common::{Options, Proxy, model, post, query, start_seeded};
use serde_json::json;
use std::collections::BTreeMap;

/// One sample: its name, labels and value.
#[derive(Debug)]
struct Sample {
    name: String,
    labels: BTreeMap<String, String>,
    value: f64,
}

/// Parses the text format strictly enough to catch a malformed line: every family has
/// HELP and TYPE lines before its samples, every sample belongs to the family declared
/// last (with `_total`, `_bucket`, `_sum`, `_count` suffixes as its type allows).
fn parse(text: &str) -> Vec<Sample> {
    let mut samples = Vec::new();
    let mut family: Option<(String, String)> = None;
    let mut helped = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# HELP ") {
            helped = Some(rest.split(' ').next().unwrap().to_string());
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let (name, kind) = rest.split_once(' ').expect("TYPE name kind");
            assert_eq!(helped.as_deref(), Some(name), "TYPE {name} without its HELP line");
            assert!(["counter", "gauge", "histogram"].contains(&kind), "{line}");
            family = Some((name.to_string(), kind.to_string()));
            continue;
        }
        assert!(!line.starts_with('#') && !line.is_empty(), "unexpected line {line:?}");
        let (name_and_labels, value) = line.rsplit_once(' ').expect("sample value");
        let (name, labels) = match name_and_labels.split_once('{') {
            Some((name, rest)) => (name, parse_labels(rest.strip_suffix('}').expect("closing brace"))),
            None => (name_and_labels, BTreeMap::new()),
        };
        let (family_name, kind) = family.as_ref().expect("a sample before any TYPE line");
        let suffix = name.strip_prefix(family_name.as_str()).unwrap_or_else(|| panic!("{name} outside {family_name}"));
        let allowed: &[&str] = match kind.as_str() {
            "counter" => &["_total"],
            "gauge" => &[""],
            _ => &["_bucket", "_sum", "_count"],
        };
        assert!(allowed.contains(&suffix), "{name} in a {kind} family");
        let value = match value {
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value of {line}")),
        };
        samples.push(Sample { name: name.to_string(), labels, value });
    }
    samples
}

fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut rest = text;
    while !rest.is_empty() {
        let (name, after) = rest.split_once("=\"").expect("label=\"");
        let mut value = String::new();
        let mut chars = after.char_indices();
        let end = loop {
            match chars.next().expect("closing quote") {
                (i, '"') => break i,
                (_, '\\') => match chars.next().expect("escape").1 {
                    'n' => value.push('\n'),
                    c => value.push(c),
                },
                (_, c) => value.push(c),
            }
        };
        labels.insert(name.to_string(), value);
        rest = after[end + 1..].strip_prefix(',').unwrap_or(&after[end + 1..]);
    }
    labels
}

/// The sum of the samples named `name` whose labels include all of `with`.
fn total(samples: &[Sample], name: &str, with: &[(&str, &str)]) -> f64 {
    samples
        .iter()
        .filter(|s| s.name == name && with.iter().all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v)))
        .map(|s| s.value)
        .sum()
}

/// The samples as `prometheus_client`'s parser reads them (the venv of
/// tests/openai_client.rs, with tests/python/requirements.txt).
fn parse_with_prometheus_client(text: &str) -> Vec<Sample> {
    use std::io::Write;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let python = root.join("target/test-venv/bin/python");
    assert!(python.exists(), "missing {}: see tests/openai_client.rs", python.display());
    let mut child = std::process::Command::new(python)
        .arg(root.join("tests/python/prometheus_parse.py"))
        .env_clear()
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            let (name, labels, value): (String, BTreeMap<String, String>, String) = serde_json::from_str(line).unwrap();
            Sample { name, labels, value: value.parse().unwrap() }
        })
        .collect()
}

fn scrape(proxy: &Proxy, key: Option<&str>) -> (u16, String) {
    let (status, body) = proxy.client(key).get("/metrics");
    (status, body.as_str().map(str::to_string).unwrap_or_else(|| body.to_string()))
}

const PRICES: (f64, f64) = (0.001, 0.002);

fn config() -> String {
    format!(
        "{}{}{}",
        model("m-ok", "metrics-ok+p=10+c=5", PRICES.0, PRICES.1),
        model("m-fail", "metrics-fail+fail400", PRICES.0, PRICES.1),
        model("m-secret", "metrics-secret", PRICES.0, PRICES.1),
    )
}

#[test]
fn every_model_request_is_counted_as_the_spend_rows_say() {
    let mut key = String::new();
    let proxy = start_seeded(&config(), |seed| {
        seed.team("t-metrics", Some(5.0), &[]);
        key = seed.key(KeySpec {
            alias: Some("metrics-key"),
            team_id: Some("t-metrics"),
            models: &["m-ok", "m-fail"],
            max_budget: Some(10.0),
            ..Default::default()
        });
    });
    let chat = proxy.url("/v1/chat/completions");
    let ask = |model: &str| json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
    for _ in 0..3 {
        assert_eq!(post(&chat, &key, &ask("m-ok")).0, 200);
    }
    assert_eq!(post(&proxy.url("/v1/embeddings"), &key, &json!({"model": "m-ok", "input": "hi"})).0, 200);
    let (status, _, refusal) = post(&chat, &key, &ask("m-secret"));
    assert_eq!(status, 403, "{refusal}");
    assert_eq!(post(&chat, &key, &ask("m-fail")).0, 400);
    assert_eq!(post(&chat, &key, &ask("no-such-model")).0, 403);
    let streamed = reqwest::blocking::Client::new()
        .post(&chat)
        .bearer_auth(&key)
        .json(&json!({"model": "m-ok", "stream": true, "stream_options": {"include_usage": true},
            "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .unwrap();
    assert_eq!(streamed.status(), 200);
    assert!(streamed.text().unwrap().contains("[DONE]"));

    let (status, text) = scrape(&proxy, Some(&proxy.master_key));
    assert_eq!(status, 200, "{text}");
    let samples = parse(&text);
    let official = parse_with_prometheus_client(&text);
    assert_eq!(official.len(), samples.len());
    for (ours, theirs) in samples.iter().zip(&official) {
        assert_eq!((&ours.name, &ours.labels), (&theirs.name, &theirs.labels));
        assert!(ours.value == theirs.value || (ours.value - theirs.value).abs() < 1e-9, "{ours:?} {theirs:?}");
    }
    let hash = common::seed::hash(&key);
    let mine = [("hashed_api_key", hash.as_str())];
    let requests = "litellm_proxy_total_requests_metric_total";
    assert_eq!(total(&samples, requests, &mine), 8.0, "{text}");
    let ok = [("hashed_api_key", hash.as_str()), ("status_code", "200"), ("requested_model", "m-ok")];
    assert_eq!(total(&samples, requests, &ok), 5.0);
    let with_labels = [
        ("hashed_api_key", hash.as_str()),
        ("api_key_alias", "metrics-key"),
        ("team", "t-metrics"),
        ("team_alias", "t-metrics"),
        ("route", "/v1/embeddings"),
        ("model_id", "m-ok-0"),
        ("api_provider", "openai"),
    ];
    assert_eq!(total(&samples, requests, &with_labels), 1.0, "{text}");

    let failed = "litellm_proxy_failed_requests_metric_total";
    assert_eq!(total(&samples, failed, &mine), 3.0);
    let refused =
        [("requested_model", "m-secret"), ("exception_status", "403"), ("exception_class", "PermissionDeniedError")];
    assert_eq!(total(&samples, failed, &refused), 1.0, "{text}");
    let upstream =
        [("requested_model", "m-fail"), ("exception_status", "400"), ("exception_class", "Openai.BadRequestError")];
    assert_eq!(total(&samples, failed, &upstream), 1.0, "{text}");
    // A model the proxy does not serve is not a label value of its own.
    assert_eq!(total(&samples, failed, &[("requested_model", "other"), ("exception_status", "403")]), 1.0, "{text}");
    assert!(!text.contains("no-such-model"));
    let deployment_failures = [("model_id", "m-fail-1"), ("exception_status", "400")];
    assert_eq!(total(&samples, "litellm_deployment_failure_responses_total", &deployment_failures), 1.0);
    assert_eq!(total(&samples, "litellm_deployment_success_responses_total", &[("model_id", "m-ok-0")]), 5.0);

    // Tokens and spend are those of the spend rows.
    let prompt: i64 = query(&proxy, "SELECT SUM(prompt_tokens) FROM spend_logs");
    let completion: i64 = query(&proxy, "SELECT SUM(completion_tokens) FROM spend_logs");
    let spend: f64 = query(&proxy, "SELECT SUM(spend) FROM spend_logs");
    assert_eq!(total(&samples, "litellm_input_tokens_metric_total", &mine), prompt as f64);
    assert_eq!(total(&samples, "litellm_output_tokens_metric_total", &mine), completion as f64);
    assert_eq!(total(&samples, "litellm_total_tokens_metric_total", &mine), (prompt + completion) as f64);
    assert_eq!((prompt, completion), (50, 20), "4 chats of 10 + 5 tokens, an embedding of 10");
    let counted = total(&samples, "litellm_spend_metric_total", &mine);
    assert!((counted - spend).abs() < 1e-9 && spend > 0.0, "{counted} vs {spend}");

    // Latencies of every answer; time to first token of the stream only.
    let latency = |name: &str| total(&samples, &format!("{name}_count"), &mine);
    assert_eq!(latency("litellm_request_total_latency_metric"), 5.0);
    assert_eq!(latency("litellm_llm_api_latency_metric"), 5.0);
    assert_eq!(latency("litellm_overhead_latency_metric"), 5.0);
    assert_eq!(latency("litellm_llm_api_time_to_first_token_metric"), 1.0);
    let inf = [("hashed_api_key", hash.as_str()), ("le", "+Inf")];
    assert_eq!(total(&samples, "litellm_request_total_latency_metric_bucket", &inf), 5.0);

    // Budgets and deployments, read when scraped.
    let remaining = total(&samples, "litellm_remaining_api_key_budget_metric", &mine);
    assert!((remaining - (10.0 - spend)).abs() < 1e-9, "{remaining}");
    let team_left = total(&samples, "litellm_remaining_team_budget_metric", &[("team", "t-metrics")]);
    assert!((team_left - (5.0 - spend)).abs() < 1e-9, "{team_left}");
    assert_eq!(total(&samples, "litellm_deployment_state", &[("model_id", "m-ok-0")]), 0.0);
    assert!(samples.iter().any(|s| s.name == "litellm_deployment_state" && s.labels["model_id"] == "m-fail-1"));
    for name in
        ["process_resident_memory_bytes", "process_cpu_seconds_total", "process_open_fds", "proxy_database_size_bytes"]
    {
        assert!(samples.iter().any(|s| s.name == name && s.value > 0.0), "{name} in {text}");
    }
}

#[test]
fn metrics_take_an_admin_or_viewer_key() {
    let (mut internal, mut viewer) = (String::new(), String::new());
    let proxy = start_seeded(&config(), |seed| {
        seed.user("metrics-user", "internal_user", None, &[]);
        seed.user("metrics-viewer", "proxy_admin_viewer", None, &[]);
        internal = seed.key(KeySpec { user_id: Some("metrics-user"), ..Default::default() });
        viewer = seed.key(KeySpec { user_id: Some("metrics-viewer"), ..Default::default() });
    });
    assert_eq!(scrape(&proxy, None).0, 401);
    let (status, body) = scrape(&proxy, Some(&internal));
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("Only proxy admins and admin viewers"), "{body}");
    assert_eq!(scrape(&proxy, Some(&viewer)).0, 200);
    let (status, body) = scrape(&proxy, Some(&proxy.master_key));
    assert_eq!(status, 200);
    assert!(body.contains("# TYPE litellm_proxy_total_requests_metric counter"));
}

#[test]
fn metrics_public_opens_them_and_excluded_labels_are_left_out() {
    let config = format!(
        "[general_settings]\nmetrics_public = true\n[litellm_settings]\nprometheus_exclude_labels = [\"hashed_api_key\", \"api_key_alias\"]\n{}",
        config()
    );
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let chat = proxy.url("/v1/chat/completions");
    let ask = json!({"model": "m-ok", "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(post(&chat, &proxy.master_key, &ask).0, 200);
    let (status, text) = scrape(&proxy, None);
    assert_eq!(status, 200, "{text}");
    let samples = parse(&text);
    let requests = "litellm_proxy_total_requests_metric_total";
    assert_eq!(total(&samples, requests, &[("requested_model", "m-ok"), ("status_code", "200")]), 1.0, "{text}");
    assert!(!text.contains("hashed_api_key=") && !text.contains("api_key_alias="), "{text}");
}

#[test]
fn an_unknown_excluded_label_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("proxy.toml"), "[litellm_settings]\nprometheus_exclude_labels = [\"client_ip\"]\n")
        .unwrap();
    let output = common::command(dir.path()).arg("check-config").output().unwrap();
    let text = String::from_utf8_lossy(&output.stderr).to_string() + &String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "{text}");
    assert!(text.contains("prometheus_exclude_labels") && text.contains("client_ip"), "{text}");
}

#[test]
fn anthropic_messages_and_keyless_refusals_are_counted() {
    let upstream = "claude-sonnet-4-5+i=10+o=5+metrics";
    let mut key = String::new();
    let proxy = start_seeded(&common::mock_anthropic::model("claude-sonnet-4-5", upstream), |seed| {
        key = seed.key(KeySpec::default());
    });
    let messages = proxy.url("/v1/messages");
    let ask = |stream: bool| {
        json!({"model": "claude-sonnet-4-5", "max_tokens": 64, "stream": stream,
            "messages": [{"role": "user", "content": "Hello"}]})
    };
    let (status, _, answer) = post(&messages, &key, &ask(false));
    assert_eq!(status, 200, "{answer}");
    let (status, _, streamed) = post(&messages, &key, &ask(true));
    assert_eq!(status, 200);
    assert!(streamed.to_string().contains("message_stop"), "{streamed}");
    assert_eq!(post(&messages, "sk-not-a-key", &ask(false)).0, 401);

    let (status, text) = scrape(&proxy, Some(&proxy.master_key));
    assert_eq!(status, 200, "{text}");
    let samples = parse(&text);
    let hash = common::seed::hash(&key);
    let answered = [("hashed_api_key", hash.as_str()), ("route", "/v1/messages"), ("status_code", "200")];
    assert_eq!(total(&samples, "litellm_proxy_total_requests_metric_total", &answered), 2.0, "{text}");
    let mine = [("hashed_api_key", hash.as_str()), ("api_provider", "anthropic")];
    assert_eq!(total(&samples, "litellm_input_tokens_metric_total", &mine), 20.0, "{text}");
    assert_eq!(total(&samples, "litellm_output_tokens_metric_total", &mine), 10.0);
    assert_eq!(total(&samples, "litellm_llm_api_time_to_first_token_metric_count", &mine), 1.0);
    // Without a valid key there is nobody to name: the refusal is counted all the same.
    let keyless = [("hashed_api_key", ""), ("route", "/v1/messages"), ("exception_status", "401")];
    assert_eq!(total(&samples, "litellm_proxy_failed_requests_metric_total", &keyless), 1.0, "{text}");
}

#[test]
fn disable_metrics_counts_no_request_and_keeps_the_rest() {
    let config = format!("[general_settings]\ndisable_metrics = true\n{}", config());
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let chat = proxy.url("/v1/chat/completions");
    let ask = |model: &str| json!({"model": model, "messages": [{"role": "user", "content": "hi"}]});
    assert_eq!(post(&chat, &proxy.master_key, &ask("m-ok")).0, 200);
    assert_eq!(post(&chat, &proxy.master_key, &ask("m-fail")).0, 400);
    assert_eq!(post(&chat, "sk-not-a-key", &ask("m-ok")).0, 401);
    let (status, text) = scrape(&proxy, Some(&proxy.master_key));
    assert_eq!(status, 200, "{text}");
    let samples = parse(&text);
    for family in [
        "litellm_proxy_total_requests_metric_total",
        "litellm_proxy_failed_requests_metric_total",
        "litellm_input_tokens_metric_total",
        "litellm_deployment_failure_responses_total",
    ] {
        assert!(!samples.iter().any(|s| s.name == family), "{family} counted: {text}");
    }
    let state = samples.iter().filter(|s| s.name == "litellm_deployment_state").count();
    assert_eq!(state, 3, "the deployments' states are still there: {text}");
    assert!(samples.iter().any(|s| s.name == "proxy_database_size_bytes"), "{text}");
    // The spend is still logged: only the counting for /metrics is off.
    let logged: i64 = query(&proxy, "SELECT count(*) FROM spend_logs WHERE status = 'success'");
    assert_eq!(logged, 1);
}
