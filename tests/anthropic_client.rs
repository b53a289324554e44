//! The official `anthropic` Python client talks to the proxy
//! (tests/python/anthropic_client.py), the proxy to the mock Anthropic upstream. It runs
//! the venv at `target/test-venv` (`python3 -m venv target/test-venv &&
//! target/test-venv/bin/pip install -r tests/python/requirements.txt`; `.ci/run` makes it).

mod common;

use common::mock_anthropic;
use common::seed::{KeySpec, hash};
use common::{query, start_seeded};
use std::path::Path;
use std::process::Command;

#[test]
fn the_official_anthropic_client_works() {
    let python = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/test-venv/bin/python");
    assert!(
        python.exists(),
        "missing {}: python3 -m venv target/test-venv && target/test-venv/bin/pip install -r tests/python/requirements.txt",
        python.display()
    );
    let mut config = mock_anthropic::model("claude-sonnet-4-5", "claude-sdk+i=10+cr=200");
    config += &mock_anthropic::model("claude-tools", "claude-sdk-tools+tool+o=7");
    config += &mock_anthropic::model("claude-other", "claude-sdk-other");
    let (mut key, mut denied, mut spent, mut limited) = Default::default();
    let proxy = start_seeded(&config, |s| {
        key = s.key(KeySpec { max_budget: Some(10.0), ..Default::default() });
        denied = s.key(KeySpec { models: &["claude-other"], ..Default::default() });
        spent = s.key(KeySpec { max_budget: Some(1.0), spend: 1.5, ..Default::default() });
        limited = s.key(KeySpec { rpm: Some(1), ..Default::default() });
    });
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python/anthropic_client.py");
    let output = Command::new(python)
        .arg(script)
        .env_clear()
        .env("PROXY_URL", proxy.url(""))
        .env("PROXY_KEY", &key)
        .env("DENIED_KEY", &denied)
        .env("SPENT_KEY", &spent)
        .env("LIMITED_KEY", &limited)
        .env("MODEL", "claude-sonnet-4-5")
        .env("TOOL_MODEL", "claude-tools")
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "{text}");
    assert!(text.contains("8 passed, 0 failed"), "{text}");
    // Two plain calls, priced by the table with the cache read at its own price; the stream
    // of the tool model is unpriced; counting is free.
    let one = 10.0 * 3e-6 + 200.0 * 3e-7 + 5.0 * 1.5e-5;
    let spend: f64 = query(&proxy, &format!("SELECT spend FROM keys WHERE token = '{}'", hash(&key)));
    assert!((spend - 2.0 * one).abs() < 1e-12, "{spend}");
    assert_eq!(mock_anthropic::mock().counts("claude-sdk+i=10+cr=200"), 1);
}
