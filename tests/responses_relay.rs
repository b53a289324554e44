//! Responses relayed to an upstream with the Responses API (the mock's `/v1/responses`,
//! tests/common/mock_responses.rs) are owned through the gateway: the key that made one
//! (and proxy admins) reads, lists the input items of and deletes it at the deployment that
//! holds it, with that deployment's credentials; any other key is told it does not exist
//! and no upstream call is made, for reading and for chaining on it. The official client's
//! run (create, retrieve, delete; and `AzureOpenAI` on the deployment routes) is here too.

mod common;

use common::mock_upstream::mock;
use common::seed::{KeySpec, hash};
use common::{MASTER_KEY, PRICE_IN, PRICE_OUT, Proxy, post, query, start_seeded};
use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;

/// A deployment of `name` relayed to the mock's Responses API as `upstream`.
fn relayed(name: &str, upstream: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{}\"\napi_key = \"upstream-key-{upstream}\"\n[model_list.model_info]\ninput_cost_per_token = {PRICE_IN:?}\noutput_cost_per_token = {PRICE_OUT:?}\nsupports_responses_api = true\n\n",
        mock().api_base()
    )
}

fn start(config: &str) -> (Proxy, String, String) {
    let (mut first, mut second) = (String::new(), String::new());
    let proxy = start_seeded(config, |s| {
        first = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
        second = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
    });
    (proxy, first, second)
}

fn delete(proxy: &Proxy, key: &str, path: &str) -> (u16, Value) {
    let response = reqwest::blocking::Client::new().delete(proxy.url(path)).bearer_auth(key).send().unwrap();
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// The calls the mock saw for `model`: created, read, deleted, input items listed.
fn calls(upstream: &str) -> [usize; 4] {
    ["responses", "get", "delete", "items"].map(|verb| mock().calls(&format!("{verb}:{upstream}")))
}

#[test]
fn only_the_key_that_made_a_relayed_response_reads_lists_chains_on_and_deletes_it() {
    let upstream = "relay-own";
    let (proxy, key, other) = start(&relayed("relay-own", upstream));
    let (status, _, made) = post(&proxy.url("/v1/responses"), &key, &json!({"model": "relay-own", "input": "hi"}));
    assert_eq!(status, 200, "{made}");
    let id = made["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("resp_mock_"), "the upstream's own id: {made}");
    let owned: i64 = query(
        &proxy,
        &format!("SELECT count(*) FROM relayed_responses WHERE id = '{id}' AND api_key = '{}'", hash(&key)),
    );
    assert_eq!(owned, 1);

    // Another key: every route says the id does not exist, and the upstream hears nothing.
    let (status, refused) = proxy.client(Some(&other)).get(&format!("/v1/responses/{id}"));
    assert_eq!(status, 404, "{refused}");
    assert_eq!(refused["error"]["message"], format!("Response with id '{id}' not found."));
    assert_eq!(proxy.client(Some(&other)).get(&format!("/v1/responses/{id}/input_items")).0, 404);
    assert_eq!(proxy.client(Some(&other)).get(&format!("/responses/{id}")).0, 404);
    assert_eq!(delete(&proxy, &other, &format!("/v1/responses/{id}")).0, 404);
    let follow = json!({"model": "relay-own", "input": "and?", "previous_response_id": id});
    let (status, _, refused) = post(&proxy.url("/v1/responses"), &other, &follow);
    assert_eq!(status, 404, "{refused}");
    assert!(refused["error"]["message"].as_str().unwrap().contains(&id), "{refused}");
    assert_eq!(calls(upstream), [1, 0, 0, 0], "no upstream call for another key");
    let charged: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&other)));
    assert_eq!(charged, 0.0);

    // Its key reads it at the deployment, with the deployment's key.
    let (status, read) = proxy.client(Some(&key)).get(&format!("/v1/responses/{id}"));
    assert_eq!((status, &read["id"], &read["output"]), (200, &made["id"], &made["output"]), "{read}");
    assert_eq!(mock().last_credential(&format!("get:{upstream}")).as_deref(), Some("Bearer upstream-key-relay-own"));
    // A proxy admin too.
    assert_eq!(proxy.client(Some(MASTER_KEY)).get(&format!("/v1/responses/{id}")).0, 200);
    // Its input items, with the parameters OpenAI defines and no others.
    let (status, items) =
        proxy.client(Some(&key)).get(&format!("/v1/responses/{id}/input_items?limit=5&order=asc&secret=x"));
    assert_eq!(status, 200, "{items}");
    assert_eq!(items["data"][0]["content"][0]["text"], "hi", "{items}");
    let asked = mock().last_body(&format!("items:{upstream}")).unwrap();
    assert_eq!(asked["query"], "limit=5&order=asc");
    assert_eq!(calls(upstream), [1, 2, 0, 1]);

    // It continues the conversation at the upstream, which resolves the id itself.
    let (status, _, next) = post(&proxy.url("/v1/responses"), &key, &follow);
    assert_eq!(status, 200, "{next}");
    let sent = mock().last_body(&format!("responses:{upstream}")).unwrap();
    assert_eq!(sent["previous_response_id"], id.as_str(), "passed as it came: {sent}");

    // Deleted at the upstream, and forgotten here: a second read reaches nobody.
    let (status, gone) = delete(&proxy, &key, &format!("/v1/responses/{id}"));
    assert_eq!((status, gone), (200, json!({"id": id, "object": "response", "deleted": true})));
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{id}")).0, 404);
    assert_eq!(calls(upstream), [2, 2, 1, 1]);
    assert_eq!(query::<i64>(&proxy, &format!("SELECT count(*) FROM relayed_responses WHERE id = '{id}'")), 0);
}

#[test]
fn a_streamed_relayed_response_is_owned_before_the_client_learns_its_id_and_store_false_is_not() {
    let upstream = "relay-stream+c=2";
    let (proxy, key, other) = start(&relayed("relay-stream", upstream));
    let response = reqwest::blocking::Client::new()
        .post(proxy.url("/v1/responses"))
        .bearer_auth(&key)
        .json(&json!({"model": "relay-stream", "input": "hi", "stream": true}))
        .send()
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().unwrap();
    let created = text
        .split("\n\n")
        .find_map(|event| event.strip_prefix("event: response.created\ndata: "))
        .and_then(|data| serde_json::from_str::<Value>(data).ok())
        .expect("a response.created event");
    let id = created["response"]["id"].as_str().unwrap().to_string();
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{id}")).0, 200);
    assert_eq!(proxy.client(Some(&other)).get(&format!("/v1/responses/{id}")).0, 404);
    assert_eq!(calls(upstream)[1], 1);

    // `store: false`: the upstream keeps nothing, so the gateway records nothing either.
    let body = json!({"model": "relay-stream", "input": "hi", "store": false});
    let (status, _, unkept) = post(&proxy.url("/v1/responses"), &key, &body);
    assert_eq!(status, 200, "{unkept}");
    let id = unkept["id"].as_str().unwrap();
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{id}")).0, 404);
    assert_eq!(calls(upstream)[1], 1, "an id not recorded is not relayed");
    assert_eq!(query::<i64>(&proxy, "SELECT count(*) FROM relayed_responses"), 1);
}

#[test]
fn a_chain_goes_to_the_deployment_that_holds_it() {
    // One public model, two deployments (two upstream accounts): the chain must stay on one.
    let config = format!("{}{}", relayed("relay-pin", "relay-pin-a"), relayed("relay-pin", "relay-pin-b"));
    let (proxy, key, _) = start(&config);
    let (status, _, first) = post(&proxy.url("/v1/responses"), &key, &json!({"model": "relay-pin", "input": "hi"}));
    assert_eq!(status, 200, "{first}");
    let (holder, elsewhere) =
        if calls("relay-pin-a")[0] == 1 { ("relay-pin-a", "relay-pin-b") } else { ("relay-pin-b", "relay-pin-a") };
    let mut previous = first["id"].as_str().unwrap().to_string();
    for turn in 0..6 {
        let body = json!({"model": "relay-pin", "input": format!("turn {turn}"), "previous_response_id": previous});
        let (status, _, next) = post(&proxy.url("/v1/responses"), &key, &body);
        assert_eq!(status, 200, "{next}");
        previous = next["id"].as_str().unwrap().to_string();
    }
    assert_eq!(calls(holder)[0], 7, "every turn went to the deployment holding the chain");
    assert_eq!(calls(elsewhere)[0], 0);
    assert_eq!(mock().last_credential(&format!("responses:{holder}")), Some(format!("Bearer upstream-key-{holder}")));
    // A read goes there as well.
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{previous}")).0, 200);
    assert_eq!((calls(holder)[1], calls(elsewhere)[1]), (1, 0));
}

#[test]
fn azure_responses_are_read_and_deleted_at_the_resource_with_its_key() {
    let config = format!(
        "[[model_list]]\nmodel_name = \"relay-azure\"\n[model_list.litellm_params]\nmodel = \"azure/relay-azure-dep\"\napi_base = \"{}\"\napi_key = \"azure-key\"\napi_version = \"2025-03-01-preview\"\n",
        mock().base
    );
    let (proxy, key, other) = start(&config);
    // Azure's SDKs call the resource's route, with the key in `api-key`.
    let made: Value = reqwest::blocking::Client::new()
        .post(proxy.url("/openai/responses?api-version=2025-03-01-preview"))
        .header("api-key", &key)
        .json(&json!({"model": "relay-azure", "input": "hi"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = made["id"].as_str().expect("an id").to_string();
    let read = reqwest::blocking::Client::new()
        .get(proxy.url(&format!("/openai/responses/{id}?api-version=2025-03-01-preview")))
        .header("api-key", &key)
        .send()
        .unwrap();
    assert_eq!(read.status().as_u16(), 200);
    let asked = mock().last_body("get:relay-azure-dep").unwrap();
    assert_eq!(asked["query"], "api-version=2025-03-01-preview", "the deployment's version, not the client's");
    assert_eq!(mock().last_credential("get:relay-azure-dep").as_deref(), Some("azure-key"));
    assert_eq!(delete(&proxy, &other, &format!("/v1/responses/{id}")).0, 404);
    assert_eq!(delete(&proxy, &key, &format!("/openai/responses/{id}")).0, 200);
    assert_eq!(calls("relay-azure-dep"), [1, 1, 1, 0]);
    // The deployment's route names the model in its path, as for chat.
    let made: Value = reqwest::blocking::Client::new()
        .post(proxy.url("/openai/deployments/relay-azure/responses?api-version=2025-03-01-preview"))
        .header("api-key", &key)
        .json(&json!({"input": "hi"}))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let id = made["id"].as_str().expect("an id");
    assert_eq!(proxy.client(Some(&key)).get(&format!("/v1/responses/{id}")).0, 200);
    assert_eq!(calls("relay-azure-dep"), [2, 2, 1, 0]);
}

#[test]
fn the_official_clients_use_relayed_responses_and_azures_deployment_routes() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(python.exists(), "missing {}: see tests/openai_client.rs", python.display());
    let media = |name: &str, upstream: &str| {
        format!(
            "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{}\"\napi_key = \"upstream-key\"\n\n",
            mock().api_base()
        )
    };
    let mut config = relayed("py-relay", "py-relay");
    // Priced by the built-in table (per image of its size, per second, per character).
    config += &media("az-dalle", "dall-e-3");
    config += &media("az-whisper", "whisper-1");
    config += &media("az-tts", "tts-1");
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() }));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/responses_relay_client.py");
    let output = Command::new(python)
        .arg(script)
        .env_clear()
        .env("PROXY_BASE", &proxy.base_url)
        .env("PROXY_KEY", &key)
        .env("MODEL", "py-relay")
        .env("IMAGE_MODEL", "az-dalle")
        .env("WHISPER_MODEL", "az-whisper")
        .env("TTS_MODEL", "az-tts")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}\n{}", proxy.output());
    assert!(text.contains("5 passed, 0 failed"), "{text}");
    assert_eq!(calls("py-relay"), [2, 1, 1, 0], "created twice, read once, deleted once at the upstream");
    // The path named the model: the upstream got its own model name in the form.
    let upload = mock().last_body("whisper-1").expect("the upload reached the upstream");
    assert_eq!(upload["fields"]["model"], "whisper-1", "{upload}");
    // Two responses of 10 + 5 tokens; one 1024x1024 dall-e-3 image ($0.04), 2 s of
    // whisper-1 twice (transcription and translation, $0.0001/s), 11 characters of tts-1
    // ($0.000015 each): every call charged through the one path.
    let expected = 2.0 * (10.0 * PRICE_IN + 5.0 * PRICE_OUT) + 0.04 + 4.0 * 0.0001 + 11.0 * 1.5e-5;
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!((spend - expected).abs() < 1e-9, "key spend {spend}, priced usage {expected}");
    let rows: i64 = query(
        &proxy,
        &format!("SELECT count(*) FROM spend_logs WHERE api_key = '{}' AND status = 'success'", hash(&key)),
    );
    assert_eq!(rows, 6);
}

#[test]
fn an_azure_audio_form_without_a_model_gets_the_paths() {
    let config = format!(
        "[[model_list]]\nmodel_name = \"az-whisper-bare\"\n[model_list.litellm_params]\nmodel = \"openai/whisper-bare+dur=4\"\napi_base = \"{}\"\napi_key = \"upstream-key\"\n[model_list.model_info]\nmode = \"audio_transcription\"\ninput_cost_per_second = 0.01\n",
        mock().api_base()
    );
    let (mut key, mut barred) = (String::new(), String::new());
    let proxy = start_seeded(&config, |s| {
        key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
        barred = s.key(KeySpec { models: &["another-model"], ..Default::default() });
    });
    // Azure's own API takes no `model` in the form: the path names the deployment.
    let mut form = b"--b0und\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\nContent-Type: audio/wav\r\n\r\n".to_vec();
    form.extend_from_slice(&[0u8; 3000]);
    form.extend_from_slice(
        b"\r\n--b0und\r\nContent-Disposition: form-data; name=\"response_format\"\r\n\r\nverbose_json\r\n--b0und--\r\n",
    );
    let length = form.len();
    let send = |key: &str, form: Vec<u8>| {
        reqwest::blocking::Client::new()
            .post(proxy.url("/openai/deployments/az-whisper-bare/audio/transcriptions?api-version=2024-06-01"))
            .header("api-key", key)
            .header("content-type", "multipart/form-data; boundary=b0und")
            .body(form)
            .send()
            .unwrap()
    };
    // A key that may not use the model named by the path is refused before any upload.
    let refused = send(&barred, form.clone());
    assert_eq!(refused.status().as_u16(), 403);
    assert_eq!(mock().calls("whisper-bare+dur=4"), 0);
    let response = send(&key, form);
    assert_eq!(response.status().as_u16(), 200);
    let answer: Value = response.json().unwrap();
    assert_eq!(mock().calls("whisper-bare+dur=4"), 1);
    assert_eq!(answer["duration"], 4.0, "{answer}");
    let upload = mock().last_body("whisper-bare+dur=4").expect("the upload reached the upstream");
    assert_eq!(upload["fields"]["model"], "whisper-bare+dur=4", "{upload}");
    assert_eq!(upload["fields"]["response_format"], "verbose_json", "{upload}");
    let added = "--b0und\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-bare+dur=4\r\n".len();
    assert_eq!(upload["bytes"], length + added, "the whole file, after the model's part");
    assert_eq!(upload["content_length"], (length + added).to_string(), "{upload}");
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!((spend - 0.04).abs() < 1e-12, "4 s at $0.01: {spend}");
}
