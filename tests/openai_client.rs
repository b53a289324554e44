//! The official `openai` Python client talks to the proxy (tests/python/openai_client.py).
//! It runs the venv at `target/test-venv` (`python3 -m venv target/test-venv &&
//! target/test-venv/bin/pip install -r tests/python/requirements.txt`; `.ci/run` makes it).

mod common;

use common::seed::KeySpec;
use common::{model, start_seeded};
use std::path::Path;
use std::process::Command;

#[test]
fn the_official_openai_client_works() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "missing {}: python3 -m venv target/test-venv && target/test-venv/bin/pip install -r tests/python/requirements.txt",
        python.display()
    );
    let mut config = model("py-chat", "py-chat+c=3", 0.001, 0.002);
    config += &model("py-embed", "py-embed", 0.001, 0.0);
    let mut key = String::new();
    let proxy = start_seeded(&config, |s| key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() }));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/openai_client.py");
    let output = Command::new(python)
        .arg(script)
        .env_clear()
        .env("PROXY_URL", proxy.url("/v1"))
        .env("PROXY_KEY", &key)
        .env("CHAT_MODEL", "py-chat")
        .env("EMBED_MODEL", "py-embed")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("5 passed, 0 failed"), "{text}");
}
