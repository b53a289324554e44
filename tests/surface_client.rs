//! The official `openai` Python client on the media routes and Azure's deployment route
//! (tests/python/surface_client.py), against the real binary and the mock upstream; the
//! key's spend afterwards is the priced usage of every call. It runs the venv at
//! `target/test-venv` (see tests/openai_client.rs).

mod common;

use common::mock_upstream::mock;
use common::{Options, Proxy};
use serde_json::json;
use std::path::Path;
use std::process::Command;

fn deployment(name: &str, upstream: &str, info: &str) -> String {
    format!(
        "[[model_list]]\nmodel_name = \"{name}\"\n[model_list.litellm_params]\nmodel = \"openai/{upstream}\"\napi_base = \"{}\"\napi_key = \"upstream-key\"\n[model_list.model_info]\n{info}\n\n",
        mock().api_base()
    )
}

#[test]
fn the_official_openai_client_uses_the_media_routes() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(python.exists(), "missing {}: see tests/openai_client.rs", python.display());
    // Priced by the built-in table (per image of its size, per second, per character).
    let mut config = deployment("py-dalle", "dall-e-3", "");
    config += &deployment("py-whisper", "whisper-1", "");
    config += &deployment("py-tts", "tts-1", "");
    config += &deployment("py-moderation", "omni-moderation-latest", "");
    config += &deployment("py-chat", "py-chat", "input_cost_per_token = 0.001\noutput_cost_per_token = 0.002");
    let proxy = Proxy::start_with(Options { config: Some(&config), ..Default::default() });
    let (status, key) = proxy.admin().post("/key/generate", json!({"max_budget": 10.0}));
    assert_eq!(status, 200, "{key}");
    let key = key["key"].as_str().expect("key").to_string();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/surface_client.py");
    let output = Command::new(python)
        .arg(script)
        .env_clear()
        .env("PROXY_BASE", &proxy.base_url)
        .env("PROXY_KEY", &key)
        .env("IMAGE_MODEL", "py-dalle")
        .env("WHISPER_MODEL", "py-whisper")
        .env("TTS_MODEL", "py-tts")
        .env("MODERATION_MODEL", "py-moderation")
        .env("CHAT_MODEL", "py-chat")
        .output()
        .expect("python runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("5 passed, 0 failed"), "{text}");
    // The SDK sent `model` before the file, and the upstream got its own model name.
    let upload = mock().last_body("whisper-1").expect("the upload reached the upstream");
    assert_eq!(upload["fields"]["model"], "whisper-1", "{upload}");
    // One 1024x1024 dall-e-3 image ($0.04), 3 s of whisper-1 ($0.0001/s), 11 characters of
    // tts-1 ($0.000015 each), a free moderation, a chat of 10 + 5 tokens ($0.02).
    let expected = 0.04 + 3.0 * 0.0001 + 11.0 * 1.5e-5 + 0.0 + 0.02;
    let (status, info) = proxy.admin().get(&format!("/key/info?key={key}"));
    assert_eq!(status, 200, "{info}");
    let spend = info["info"]["spend"].as_f64().unwrap_or(0.0);
    assert!((spend - expected).abs() < 1e-9, "key spend {spend}, priced usage {expected}");
}
