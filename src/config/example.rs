//! Renders `proxy.toml.example` and the README's settings table from the declarations, so
//! both always list every setting with its real default.

use super::settings::{SECTIONS, SectionDoc, SettingDoc};

/// The commented example config: every setting, its documentation, default and variables.
pub fn example_file() -> String {
    let mut out = String::from(
        "# proxy.toml: every setting of `proxy`, commented out, with its default.\n\
         # Uncomment what you change. Values may be read from the environment with\n\
         # \"os.environ/NAME\"; the variables listed beside a setting override the file.\n\
         # Precedence: defaults < this file < .env < environment < command-line flags.\n",
    );
    for section in SECTIONS {
        let in_model_list = section.path.starts_with("model_list");
        out.push('\n');
        for line in section.doc.lines() {
            out.push_str(&format!("#{}\n", prefixed(line)));
        }
        let header =
            if section.path == "model_list" { "[[model_list]]".to_string() } else { format!("[{}]", section.path) };
        if in_model_list {
            out.push_str(&format!("# {header}\n"));
        } else {
            out.push_str(&format!("{header}\n"));
        }
        let defaults = (section.defaults)();
        for setting in section.settings {
            if setting.example == "table" {
                continue;
            }
            for line in setting.doc.lines() {
                out.push_str(&format!("#{}\n", prefixed(line)));
            }
            if !setting.env.is_empty() {
                out.push_str(&format!("#   (environment: {})\n", setting.env.join(", ")));
            }
            out.push_str(&format!("# {} = {}\n", setting.name, shown_value(section, setting, &defaults)));
        }
    }
    out
}

fn prefixed(line: &str) -> String {
    if line.is_empty() { String::new() } else { format!(" {}", line.trim()) }
}

fn shown_value(section: &SectionDoc, setting: &SettingDoc, defaults: &toml::Table) -> String {
    if setting.example == "map" {
        return if section.path == "litellm_settings" && setting.name == "model_group_alias" {
            "{ \"gpt-4o\" = \"gpt-4o-mini\" }".to_string()
        } else {
            "{}".to_string()
        };
    }
    match defaults.get(setting.name) {
        Some(value) if setting.example.is_empty() || !is_empty(value) => value.to_string(),
        _ => setting.example.to_string(),
    }
}

fn is_empty(value: &toml::Value) -> bool {
    match value {
        toml::Value::String(s) => s.is_empty(),
        toml::Value::Array(a) => a.is_empty(),
        toml::Value::Table(t) => t.is_empty(),
        _ => false,
    }
}

/// The Markdown table of settings for the README.
pub fn readme_table() -> String {
    let mut out = String::from("| setting | environment | default | what it does |\n|---|---|---|---|\n");
    for section in SECTIONS {
        let defaults = (section.defaults)();
        for setting in section.settings {
            if setting.example == "table" {
                continue;
            }
            let default = match defaults.get(setting.name) {
                Some(value) if !is_empty(value) => format!("`{value}`"),
                _ => "unset".to_string(),
            };
            let env: Vec<String> = setting.env.iter().map(|e| format!("`{e}`")).collect();
            let doc = setting.doc.lines().map(str::trim).collect::<Vec<_>>().join(" ").replace('|', "\\|");
            out.push_str(&format!(
                "| `{}.{}` | {} | {} | {} |\n",
                section.path,
                setting.name,
                env.join(" "),
                default.replace('|', "\\|"),
                doc
            ));
        }
    }
    out
}
