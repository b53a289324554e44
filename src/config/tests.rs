//! Loading, precedence and every kind of bad configuration, with the message checked for
//! the place and the problem.

use super::*;
use std::path::Path;

fn load_text(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("proxy.toml"), text).unwrap();
    load_in(dir.path(), env)
}

fn load_in(dir: &Path, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    Config::load(&Flags::default(), dir, env)
}

fn error_text(text: &str, env: &[(&str, &str)]) -> String {
    match load_text(text, env) {
        Ok(_) => panic!("accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn no_file_means_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_in(dir.path(), &[]).unwrap();
    assert_eq!(config.file, None);
    assert_eq!(config.settings.server.port, 4000);
    assert_eq!(config.settings.server.host, "0.0.0.0");
    assert!(config.settings.server.database_path.ends_with("proxy.db"));
    assert_eq!(config.settings.general_settings.ui_username, "admin");
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    let message = error_text("[server]\nport = 4000\nhost = \"unterminated\n", &[]);
    assert!(message.contains("proxy.toml:3:"), "{message}");
    assert!(message.contains("TOML syntax error"), "{message}");
}

#[test]
fn unknown_keys_are_named_with_a_suggestion() {
    let message = error_text("[general_settings]\nmaster_kye = \"sk-123456789\"\n", &[]);
    assert!(message.contains("proxy.toml:2:1"), "{message}");
    assert!(message.contains("unknown setting `master_kye` in [general_settings]"), "{message}");
    assert!(message.contains("did you mean `master_key`"), "{message}");

    let message = error_text("[genral_settings]\n", &[]);
    assert!(message.contains("did you mean `general_settings`"), "{message}");

    let message = error_text(
        "[[model_list]]\nmodel_name = \"a\"\n[model_list.litellm_params]\nmodel = \"openai/a\"\napi_bse = \"http://x\"\n",
        &[],
    );
    assert!(message.contains("proxy.toml:5:1"), "{message}");
    assert!(message.contains("did you mean `api_base`"), "{message}");
}

#[test]
fn wrong_types_name_the_setting_and_the_expected_form() {
    let message = error_text("[server]\nport = \"four thousand\"\n", &[]);
    assert!(message.contains("proxy.toml:2:"), "{message}");
    assert!(message.contains("server.port"), "{message}");
    assert!(message.contains("u16"), "{message}");

    let message = error_text("[server]\nlog_format = \"xml\"\n", &[]);
    assert!(message.contains("server.log_format") && message.contains("text") && message.contains("json"), "{message}");
}

#[test]
fn out_of_range_values_are_named() {
    let message = error_text("[server]\nport = 70000\n", &[]);
    assert!(message.contains("server.port"), "{message}");

    let message = error_text("[litellm_settings]\nbudget_exceeded_status_code = 200\n", &[]);
    assert!(message.contains("proxy.toml:2:1: litellm_settings.budget_exceeded_status_code"), "{message}");
    assert!(message.contains("400 to 599"), "{message}");

    let message =
        error_text("[litellm_settings.upperbound_key_generate_params]\nmax_budget = -5.0\nduration = \"soon\"\n", &[]);
    assert!(message.contains("max_budget: -5 is not a budget"), "{message}");
    assert!(message.contains("duration: `soon` is not a duration"), "{message}");

    let message = error_text("[general_settings]\nmaster_key = \"1234\"\n", &[]);
    assert!(message.contains("must start with `sk-`"), "{message}");

    let models = "[[model_list]]\nmodel_name = \"a\"\n[model_list.litellm_params]\nmodel = \"openai/a\"\n";
    let message = error_text(&format!("[router_settings]\nfallbacks = [{{ a = [\"b\"] }}]\n{models}"), &[]);
    assert!(message.contains("router_settings.fallbacks[0].a: names `b`, which is no `model_name`"), "{message}");
}

#[test]
fn unset_environment_references_are_named() {
    let text = "[[model_list]]\nmodel_name = \"gpt\"\n[model_list.litellm_params]\nmodel = \"openai/gpt\"\napi_key = \"os.environ/MY_OPENAI_KEY\"\n";
    let message = error_text(text, &[]);
    assert!(message.contains("MY_OPENAI_KEY"), "{message}");
    assert!(message.contains("not set"), "{message}");
    assert!(message.contains("proxy.toml:5:1"), "{message}");

    let config = load_text(text, &[("MY_OPENAI_KEY", "sk-upstream")]).unwrap();
    let key = config.settings.model_list[0].litellm_params.api_key.as_ref().unwrap();
    assert_eq!(key.expose(), "sk-upstream");
}

#[test]
fn precedence_is_defaults_file_dotenv_environment_flags() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("proxy.toml"),
        "[server]\nport = 5000\nhost = \"127.0.0.1\"\n[general_settings]\nui_username = \"file\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env"), "PORT=6000\nUI_USERNAME=dotenv\nPROXY_ADMIN_ID=from-dotenv\n").unwrap();

    let config = load_in(dir.path(), &[]).unwrap();
    assert_eq!(config.settings.server.port, 6000, ".env beats the file");
    assert_eq!(config.settings.server.host, "127.0.0.1", "the file beats defaults");
    assert_eq!(config.settings.general_settings.proxy_admin_id.as_deref(), Some("from-dotenv"));

    let config = load_in(dir.path(), &[("PORT", "7000"), ("UI_USERNAME", "env")]).unwrap();
    assert_eq!(config.settings.server.port, 7000, "the environment beats .env");
    assert_eq!(config.settings.general_settings.ui_username, "env");

    let env = vec![("PORT".to_string(), "7000".to_string())];
    let flags = Flags { port: Some(8000), ..Default::default() };
    let config = Config::load(&flags, dir.path(), env).unwrap();
    assert_eq!(config.settings.server.port, 8000, "flags beat everything");
}

#[test]
fn litellm_and_proxy_master_key_variables_work() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_in(dir.path(), &[("LITELLM_MASTER_KEY", "sk-litellm-name")]).unwrap();
    assert_eq!(config.settings.general_settings.master_key.unwrap().expose(), "sk-litellm-name");
    let config = load_in(dir.path(), &[("PROXY_MASTER_KEY", "sk-proxy-name")]).unwrap();
    assert_eq!(config.settings.general_settings.master_key.unwrap().expose(), "sk-proxy-name");
    let config = load_in(dir.path(), &[("DATABASE_PATH", "elsewhere.db")]).unwrap();
    assert!(config.settings.server.database_path.ends_with("elsewhere.db"));
}

#[test]
fn secrets_can_come_from_files() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("master.txt");
    std::fs::write(&secret, "sk-from-a-file\n").unwrap();
    let config = load_in(dir.path(), &[("LITELLM_MASTER_KEY_FILE", secret.to_str().unwrap())]).unwrap();
    assert_eq!(config.settings.general_settings.master_key.unwrap().expose(), "sk-from-a-file");

    let message = load_in(dir.path(), &[("LITELLM_MASTER_KEY_FILE", "/nonexistent/secret")]).unwrap_err().to_string();
    assert!(message.contains("LITELLM_MASTER_KEY_FILE") && message.contains("cannot read"), "{message}");
}

#[test]
fn the_secret_key_comes_from_proxy_secret_key_then_its_file_then_litellm_salt_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secret.txt");
    std::fs::write(&file, format!("{}\n", "f".repeat(40))).unwrap();
    let file = file.to_str().unwrap();
    let (direct, salt) = ("p".repeat(40), "s".repeat(40));
    let secret = |env: &[(&str, &str)]| load_in(dir.path(), env).unwrap().settings.general_settings.secret_key;
    let all = [("PROXY_SECRET_KEY", direct.as_str()), ("PROXY_SECRET_KEY_FILE", file), ("LITELLM_SALT_KEY", &salt)];
    assert_eq!(secret(&all).unwrap().expose(), direct);
    assert_eq!(secret(&all[1..]).unwrap().expose(), "f".repeat(40), "the file's newline is dropped");
    assert_eq!(secret(&all[2..]).unwrap().expose(), salt);
    assert_eq!(secret(&[]), None);
}

#[test]
fn a_short_secret_key_is_refused_naming_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let message = load_in(dir.path(), &[("LITELLM_SALT_KEY", "sk-1234")]).unwrap_err().to_string();
    assert!(message.contains("environment variable LITELLM_SALT_KEY: general_settings.secret_key"), "{message}");
    assert!(message.contains("is too short (7 characters)") && message.contains("at least 32"), "{message}");
    assert!(!message.contains("sk-1234"), "the secret itself is not shown: {message}");
}

#[test]
fn a_weak_master_key_is_refused_unless_dangerously_permitted() {
    let dir = tempfile::tempdir().unwrap();
    for key in ["sk-1234", "sk-12345678", "sk-abc"] {
        let message = load_in(dir.path(), &[("LITELLM_MASTER_KEY", key)]).unwrap_err().to_string();
        assert!(message.contains("general_settings.master_key"), "{message}");
        assert!(message.contains("dangerously_permit_weak_or_unset_master_key"), "{message}");
    }
    let permit = ("LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY", "true");
    let config = load_in(dir.path(), &[("LITELLM_MASTER_KEY", "sk-1234"), permit]).unwrap();
    assert!(config.settings.general_settings.dangerously_permit_weak_or_unset_master_key);
    let file = "[general_settings]\nmaster_key = \"sk-1234\"\ndangerously_permit_weak_or_unset_master_key = true\n";
    assert!(load_text(file, &[]).is_ok());
    // The setting lifts the weakness rule, not the form LiteLLM requires.
    assert!(load_in(dir.path(), &[("LITELLM_MASTER_KEY", "1234"), permit]).is_err());
}

#[test]
fn bad_environment_values_name_the_variable() {
    let dir = tempfile::tempdir().unwrap();
    let message = load_in(dir.path(), &[("PORT", "eighty")]).unwrap_err().to_string();
    assert!(message.contains("environment variable PORT"), "{message}");
}

#[test]
fn masked_output_hides_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_in(dir.path(), &[("LITELLM_MASTER_KEY", "sk-supersecretmasterkey")]).unwrap();
    let shown = config.to_masked_toml();
    assert!(!shown.contains("sk-supersecretmasterkey"), "{shown}");
    assert!(shown.contains("sk-s****rkey"), "{shown}");
}

#[test]
fn the_example_file_is_generated_from_the_declarations() {
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/proxy.toml.example")).unwrap_or_default();
    let generated = example_file();
    if std::env::var_os("PROXY_BLESS").is_some() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/proxy.toml.example"), &generated).unwrap();
        return;
    }
    assert!(committed == generated, "proxy.toml.example is out of date: run `PROXY_BLESS=1 cargo test --lib config`");
}

#[test]
fn the_example_covers_every_setting_and_parses_uncommented() {
    let example = example_file();
    for section in SECTIONS {
        for setting in section.settings.iter().filter(|s| s.example != "table") {
            let line = format!("# {} = ", setting.name);
            assert!(example.contains(&line), "{}.{} is missing from the example", section.path, setting.name);
        }
    }
    // Uncomment every setting line: the result must load and validate.
    let uncommented: String = example
        .lines()
        .map(|line| match line.strip_prefix("# ") {
            Some(rest)
                if rest.starts_with('[')
                    || rest.split(" = ").next().is_some_and(|k| !k.contains(' ') && rest.contains(" = ")) =>
            {
                rest.to_string()
            }
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let env = [
        ("LITELLM_MASTER_KEY", "sk-example-master"),
        ("UI_PASSWORD", "x"),
        ("GOOGLE_CLIENT_SECRET", "x"),
        ("MICROSOFT_CLIENT_SECRET", "x"),
        ("GENERIC_CLIENT_SECRET", "x"),
        ("SMTP_PASSWORD", "x"),
        ("OPENAI_API_KEY", "x"),
        ("PROXY_SECRET_KEY", "an-example-secret-of-32-characters-or-more"),
    ];
    let config = load_text(&uncommented, &env).unwrap_or_else(|e| panic!("{e}\n{uncommented}"));
    assert_eq!(config.settings.model_list.len(), 1);
}

#[test]
fn the_readme_lists_every_setting() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap_or_default();
    let table = readme_table();
    if std::env::var_os("PROXY_BLESS").is_some() {
        let (start, end) = ("<!-- settings:start -->\n", "<!-- settings:end -->");
        if let (Some(a), Some(b)) = (readme.find(start), readme.find(end)) {
            let updated = format!("{}{}{}{}", &readme[..a + start.len()], table, "", &readme[b..]);
            std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"), updated).unwrap();
        }
        return;
    }
    assert!(
        readme.contains(&table),
        "the README's settings table is out of date: run `PROXY_BLESS=1 cargo test --lib config`"
    );
}

#[test]
fn alerting_threshold_takes_whole_or_fractional_seconds_above_zero() {
    let config = load_text("[general_settings]\nalerting_threshold = 600\n", &[]).unwrap();
    assert_eq!(config.settings.general_settings.alerting_threshold, 600.0);
    let config = load_text("[general_settings]\nalerting_threshold = 0.25\n", &[]).unwrap();
    assert_eq!(config.settings.general_settings.alerting_threshold, 0.25);
    for bad in ["0", "-3", "nan", "inf"] {
        let message = error_text(&format!("[general_settings]\nalerting_threshold = {bad}\n"), &[]);
        assert!(message.contains("general_settings.alerting_threshold"), "{bad}: {message}");
        assert!(message.contains("above 0"), "{bad}: {message}");
    }
}

#[test]
fn a_postgres_database_url_is_named_in_a_warning_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let config = load_in(dir.path(), &[("DATABASE_URL", "postgresql://llm:s3cret@db.internal:5432/litellm")]).unwrap();
    let warning = config.warnings.iter().find(|w| w.contains("DATABASE_URL")).expect("a warning");
    assert!(warning.contains("postgresql://llm:****@db.internal:5432/litellm"), "{warning}");
    assert!(!warning.contains("s3cret"), "{warning}");
    assert!(config.settings.server.database_path.ends_with("proxy.db"));
    let other = load_in(dir.path(), &[("DATABASE_URL", "sqlite:///tmp/x.db")]).unwrap();
    assert!(!other.warnings.iter().any(|w| w.contains("DATABASE_URL")));
}
