//! LiteLLM's `config.yaml` taken as it is by the real binary: the docs' quick-start file
//! (models pointed at the mock upstream) serves a virtual key, a typo is refused with its
//! line and a suggestion, and `check-config` shows what was read, secrets masked.

mod common;

use common::{Options, Proxy, mock_upstream::mock};
use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};

const MASTER: &str = "sk-yaml-quickstart-master-0123456789";
const UPSTREAM_KEY: &str = "sk-upstream-from-the-environment";

/// LiteLLM's quick start, in LiteLLM's own shape and keys: the upstream key from the
/// environment, the upstream address from `environment_variables`, LiteLLM-only settings.
fn quick_start(upstream_model: &str) -> String {
    format!(
        "model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/{upstream_model}
      api_key: os.environ/OPENAI_API_KEY
      api_base: os.environ/MOCK_API_BASE

litellm_settings:
  drop_params: True
  set_verbose: False

general_settings:
  master_key: {MASTER}

environment_variables:
  MOCK_API_BASE: {}
",
        mock().api_base()
    )
}

fn write_config(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), text).unwrap();
    dir
}

/// Runs the binary to its end (it must end within seconds: a bad config stops it at once).
fn run(dir: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let mut child = common::command(dir)
        .args(args)
        .env("OPENAI_API_KEY", UPSTREAM_KEY)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("`proxy {}` did not end:\n{}", args.join(" "), String::from_utf8_lossy(&output.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let output = child.wait_with_output().unwrap();
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).to_string();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

#[test]
fn litellms_quick_start_config_yaml_serves_a_virtual_key() {
    let dir = write_config(&quick_start("yaml-quickstart"));
    let proxy = Proxy::start_with(Options {
        dir: Some(dir),
        master_key: Some(""),
        env: vec![("PROXY_CONFIG", "config.yaml".into()), ("OPENAI_API_KEY", UPSTREAM_KEY.into())],
        ..Options::default()
    });

    let output = proxy.output_with("LiteLLM-only");
    let warnings: Vec<&str> = output.lines().filter(|l| l.contains("LiteLLM-only")).collect();
    assert_eq!(warnings.len(), 1, "{output}");
    assert!(
        warnings[0].contains("ignored: litellm_settings.drop_params, litellm_settings.set_verbose (LiteLLM-only)"),
        "{output}"
    );
    assert!(!output.contains("No master key was configured"), "the YAML's master key is used:\n{output}");

    let (status, body) = proxy.client(Some(MASTER)).post("/key/generate", json!({"models": ["gpt-4o"]}));
    assert_eq!(status, 200, "{body}");
    let key = body["key"].as_str().unwrap().to_string();

    let chat = json!({"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}]});
    let (status, body) = proxy.client(Some(&key)).post("/v1/chat/completions", chat);
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["choices"][0]["message"]["role"], "assistant", "{body}");
    assert_eq!(mock().calls("yaml-quickstart"), 1);
    assert_eq!(mock().last_credential("yaml-quickstart").as_deref(), Some(&*format!("Bearer {UPSTREAM_KEY}")));
}

#[test]
fn a_typo_in_config_yaml_stops_the_start_naming_its_line_and_the_right_key() {
    let text = quick_start("yaml-typo").replace("  master_key:", "  master_kye:");
    let line = text.lines().position(|l| l.contains("master_kye")).unwrap() + 1;
    let dir = write_config(&text);
    let expected =
        format!("config.yaml:{line}:3: unknown setting `master_kye` in [general_settings]; did you mean `master_key`?");

    let (ok, _, stderr) = run(dir.path(), &["--config", "config.yaml", "--port", "0", "--host", "127.0.0.1"]);
    assert!(!ok, "started with a typo:\n{stderr}");
    assert!(stderr.contains(&expected), "{stderr}");

    let (ok, _, stderr) = run(dir.path(), &["check-config", "config.yaml"]);
    assert!(!ok);
    assert!(stderr.contains(&expected), "{stderr}");
    assert_eq!(mock().calls("yaml-typo"), 0);
}

#[test]
fn check_config_on_a_config_yaml_prints_it_masked_with_the_one_warning() {
    let dir = write_config(&quick_start("yaml-check"));
    let (ok, stdout, stderr) = run(dir.path(), &["check-config", "config.yaml"]);
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("# configuration is valid ("), "{stdout}");
    assert_eq!(stdout.matches("LiteLLM-only").count(), 1, "{stdout}");
    assert!(
        stdout.contains("# warning: ignored: litellm_settings.drop_params, litellm_settings.set_verbose"),
        "{stdout}"
    );
    assert!(stdout.contains("model = \"openai/yaml-check\""), "{stdout}");
    assert!(stdout.contains(&format!("api_base = \"{}\"", mock().api_base())), "{stdout}");
    assert!(!stdout.contains(MASTER) && !stdout.contains(UPSTREAM_KEY), "a secret is shown:\n{stdout}");
    assert!(stdout.contains("master_key = \"sk-y****6789\""), "{stdout}");
    assert!(!stdout.contains("environment_variables") && !stdout.contains("drop_params ="), "{stdout}");
}
