//! LiteLLM's YAML taken as it is: the conversion, what is ignored, what is refused and where.

use super::*;
use crate::config::{Config, ConfigError, Flags};

const MASTER: &str = "sk-yaml-test-master-key-0123456789";

fn load(yaml: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.yaml"), yaml).unwrap();
    let flags = Flags { config: Some("config.yaml".into()), ..Flags::default() };
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::load(&flags, dir.path(), env)
}

fn error(yaml: &str) -> String {
    match load(yaml, &[]) {
        Ok(_) => panic!("accepted:\n{yaml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn the_quick_start_config_loads_with_its_environment_variables() {
    let yaml = format!(
        "model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
      api_key: os.environ/OPENAI_API_KEY
      api_base: http://127.0.0.1:9/v1
      rpm: 60
general_settings:
  master_key: {MASTER}
environment_variables:
  OPENAI_API_KEY: sk-from-the-file
"
    );
    let config = load(&yaml, &[]).unwrap();
    let model = &config.settings.model_list[0];
    assert_eq!(model.model_name, "gpt-4o");
    assert_eq!(model.litellm_params.model, "openai/gpt-4o");
    assert_eq!(model.litellm_params.api_key.as_ref().map(|k| k.expose()), Some("sk-from-the-file"));
    assert_eq!(model.litellm_params.rpm, Some(60));
    assert_eq!(config.settings.general_settings.master_key.as_ref().map(|k| k.expose()), Some(MASTER));
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
}

#[test]
fn environment_variables_replace_the_process_value_and_say_so() {
    let yaml = "environment_variables:\n  PROXY_PORT: \"4100\"\n";
    let config = load(yaml, &[("PROXY_PORT", "4200")]).unwrap();
    assert_eq!(config.settings.server.port, 4100);
    assert_eq!(config.warnings.len(), 1, "{:?}", config.warnings);
    assert!(config.warnings[0].contains("config.yaml:2:3"), "{:?}", config.warnings);

    let yaml = "environment_variables:\n  PROXY_PORT: os.environ/OTHER_PORT\n";
    assert_eq!(load(yaml, &[("OTHER_PORT", "4300")]).unwrap().settings.server.port, 4300);
    assert_eq!(load(yaml, &[]).unwrap().settings.server.port, 4000, "an unset reference is skipped, as LiteLLM does");
}

#[test]
fn litellm_only_keys_are_ignored_and_named_once() {
    let yaml = "model_list:
  - model_name: a
    litellm_params:
      model: openai/a
      drop_params: true
  - model_name: b
    litellm_params:
      model: openai/b
      drop_params: true
    model_info:
      supports_vision: true
litellm_settings:
  drop_params: true
  set_verbose: false
  success_callback: [\"langfuse\"]
  cache: true
general_settings:
  database_url: postgresql://x
router_settings:
  redis_host: localhost
";
    let config = load(yaml, &[]).unwrap();
    assert_eq!(
        config.warnings,
        vec![
            "ignored: general_settings.database_url, litellm_settings.cache, litellm_settings.drop_params, \
             litellm_settings.set_verbose, litellm_settings.success_callback, model_list[].litellm_params.drop_params, \
             model_list[].model_info.supports_vision, router_settings.redis_host (LiteLLM-only)"
                .to_string()
        ]
    );
    assert_eq!(config.settings.model_list.len(), 2);
}

#[test]
fn unknown_keys_are_refused_with_line_column_and_a_suggestion() {
    let message = error("general_settings:\n  master_kye: sk-x\n");
    assert!(message.contains("config.yaml:2:3: unknown setting `master_kye` in [general_settings]"), "{message}");
    assert!(message.contains("did you mean `master_key`"), "{message}");

    let message =
        error("model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/a\n      api_bse: http://x\n");
    assert!(message.contains("config.yaml:5:7"), "{message}");
    assert!(message.contains("did you mean `api_base`"), "{message}");

    // A typo of a LiteLLM-only key is refused too, pointing at LiteLLM's name.
    let message = error("litellm_settings:\n  drop_parms: true\n");
    assert!(message.contains("config.yaml:2:3") && message.contains("did you mean `drop_params`"), "{message}");

    let message = error("genral_settings:\n  master_key: sk-x\n");
    assert!(message.contains("config.yaml:1:1") && message.contains("did you mean `general_settings`"), "{message}");
}

#[test]
fn router_aliases_become_ours_in_both_of_litellms_forms() {
    let yaml = "model_list:
  - model_name: gpt-4o
    litellm_params:
      model: openai/gpt-4o
router_settings:
  model_group_alias:
    gpt-4: gpt-4o
    gpt-4-hidden: {model: gpt-4o, hidden: true}
";
    let config = load(yaml, &[]).unwrap();
    let aliases = &config.settings.litellm_settings.model_group_alias;
    assert_eq!(aliases.get("gpt-4").map(String::as_str), Some("gpt-4o"));
    assert_eq!(aliases.get("gpt-4-hidden").map(String::as_str), Some("gpt-4o"));

    let message = error("router_settings:\n  model_group_alias:\n    gpt-4: no-such-model\n");
    assert!(message.contains("config.yaml:3:5: litellm_settings.model_group_alias.gpt-4"), "{message}");
}

#[test]
fn the_first_unknown_key_in_the_file_is_reported() {
    let message = error("server:\n  zzz_port: 1\n  aaa_host: x\n");
    assert!(message.contains("config.yaml:2:3") && message.contains("zzz_port"), "{message}");
}

#[test]
fn wrong_types_and_bad_values_point_at_the_yaml_line() {
    let message = error("server:\n  host: 127.0.0.1\n  port: four thousand\n");
    assert!(message.contains("config.yaml:3:3: server.port"), "{message}");

    let message = error("litellm_settings:\n  budget_exceeded_status_code: 200\n");
    assert!(message.contains("config.yaml:2:3: litellm_settings.budget_exceeded_status_code"), "{message}");

    let message = error(
        "model_list:\n  - model_name: a\n    litellm_params:\n      model: openai/a\n      api_key: os.environ/NOT_SET_ANYWHERE\n",
    );
    assert!(message.contains("config.yaml:5:7") && message.contains("NOT_SET_ANYWHERE"), "{message}");
}

#[test]
fn syntax_errors_and_odd_documents_are_named() {
    let message = error("general_settings:\n  master_key: [unclosed\n");
    assert!(message.contains("config.yaml:") && message.contains("YAML syntax error"), "{message}");

    let message = error("general_settings: {}\ngeneral_settings: {}\n");
    assert!(message.contains("config.yaml:2:") && message.contains("duplicated key"), "{message}");

    let message = error("- model_name: a\n");
    assert!(message.contains("config.yaml:1:1") && message.contains("mapping of sections"), "{message}");

    let message = error("include:\n  - models.yaml\n");
    assert!(message.contains("config.yaml:1:1") && message.contains("not supported"), "{message}");
}

#[test]
fn empty_values_mean_unset() {
    let config =
        load("general_settings:\nlitellm_settings:\n  max_internal_user_budget:\nserver:\n  base_url: ~\n", &[])
            .unwrap();
    assert_eq!(config.settings.litellm_settings.max_internal_user_budget, None);
    assert_eq!(config.settings.server.base_url, None);
    assert!(load("", &[]).is_ok());
}

#[test]
fn unquoted_yes_and_no_are_booleans_as_in_litellms_yaml_reader() {
    let yaml =
        "general_settings:\n  disable_spend_logs: yes\n  ui_username: \"no\"\nsso:\n  generic_client_use_pkce: Off\n";
    let config = load(yaml, &[]).unwrap();
    assert!(config.settings.general_settings.disable_spend_logs);
    assert_eq!(config.settings.general_settings.ui_username, "no");
    assert!(!config.settings.sso.generic_client_use_pkce);
}

#[test]
fn the_format_is_chosen_by_extension_then_content() {
    assert!(is_yaml(Path::new("c.yaml"), "[server]"));
    assert!(is_yaml(Path::new("c.YML"), ""));
    assert!(!is_yaml(Path::new("c.toml"), "model_list:\n"));
    assert!(is_yaml(Path::new("config"), "# LiteLLM\nmodel_list:\n  - model_name: a\n"));
    assert!(is_yaml(Path::new("config"), "---\nmodel_list: []\n"));
    assert!(!is_yaml(Path::new("config"), "# proxy\n[server]\nport = 4000\n"));
    assert!(!is_yaml(Path::new("config"), "url = \"http://x:1\"\n"));
}
