//! Which keys a config file may hold: the declared sections and settings, checked the same
//! way for `proxy.toml` and LiteLLM's `config.yaml` once either is a raw table with a
//! position per key. The first unknown key in the file is named with its place and the
//! closest declared name.

use super::settings::{self, SettingDoc};
use super::source::{Origin, Problem};
use std::collections::BTreeMap;

/// The top-level tables of the file.
pub const TOP_LEVEL: &[&str] =
    &["server", "general_settings", "litellm_settings", "router_settings", "sso", "email", "model_list"];

/// Whether `key` is declared in the section at `section_path` (`""`: the top level).
pub fn is_declared(section_path: &str, key: &str) -> bool {
    if section_path.is_empty() {
        TOP_LEVEL.contains(&key)
    } else {
        settings::section(section_path).is_some_and(|s| s.settings.iter().any(|setting| setting.name == key))
    }
}

/// Every key must be declared for its section; the first unknown one in the file is
/// reported with its position and a suggestion, drawn from our names and `also_known`
/// (names another program accepts there, for a file written for it).
pub fn check_keys(
    table: &toml::Table,
    origins: &BTreeMap<String, Origin>,
    also_known: &dyn Fn(&str) -> Vec<&'static str>,
) -> Result<(), Problem> {
    let mut problems = Vec::new();
    check_table(table, "", "", origins, also_known, &mut problems);
    problems.sort_by_key(|problem| match &problem.origin {
        Some(Origin::File { line, column, .. }) => (*line, *column),
        _ => (usize::MAX, usize::MAX),
    });
    match problems.into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

fn check_table(
    table: &toml::Table,
    section_path: &str,
    value_path: &str,
    origins: &BTreeMap<String, Origin>,
    also_known: &dyn Fn(&str) -> Vec<&'static str>,
    problems: &mut Vec<Problem>,
) {
    let known: Vec<&SettingDoc> =
        settings::section(section_path).map(|s| s.settings.iter().collect()).unwrap_or_default();
    for (key, value) in table {
        let child_value_path = if value_path.is_empty() { key.to_string() } else { format!("{value_path}.{key}") };
        let child_section = if section_path.is_empty() { key.to_string() } else { format!("{section_path}.{key}") };
        if !is_declared(section_path, key) {
            let ours: Vec<&str> =
                if section_path.is_empty() { TOP_LEVEL.to_vec() } else { known.iter().map(|s| s.name).collect() };
            let mut candidates = ours.clone();
            candidates.extend(also_known(section_path));
            let place =
                if section_path.is_empty() { "at the top level".to_string() } else { format!("in [{section_path}]") };
            let hint = match suggestion(key, &candidates) {
                close if close.starts_with("; did you mean") => close,
                _ => suggestion(key, &ours),
            };
            problems.push(Problem {
                origin: origins.get(&child_value_path).cloned(),
                path: String::new(),
                message: format!("unknown setting `{key}` {place}{hint}"),
            });
            continue;
        }
        let is_free_map = known.iter().any(|s| s.name == key && s.example == "map");
        if is_free_map || settings::section(&child_section).is_none() {
            continue;
        }
        match value {
            toml::Value::Table(sub) => {
                check_table(sub, &child_section, &child_value_path, origins, also_known, problems)
            }
            toml::Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    if let toml::Value::Table(sub) = item {
                        let element_path = format!("{child_value_path}[{index}]");
                        check_table(sub, &child_section, &element_path, origins, also_known, problems);
                    }
                }
            }
            _ => {}
        }
    }
}

/// ", did you mean `x`?" when a declared name is close to the unknown one.
pub fn suggestion(unknown: &str, names: &[&str]) -> String {
    let best = names
        .iter()
        .map(|name| (strsim::jaro_winkler(unknown, name), *name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, name)) => format!("; did you mean `{name}`?"),
        None if names.is_empty() => String::new(),
        None => format!("; known settings here: {}", names.join(", ")),
    }
}
