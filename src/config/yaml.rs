//! LiteLLM's `config.yaml`, read as it is. The YAML document is turned into the same raw
//! table and position map the TOML file gives (`source::Merged`), so defaults, environment
//! overrides, `os.environ/` references and validation are the TOML path's, not a copy.
//! What is particular to LiteLLM's file happens here: `environment_variables` is taken out
//! for the process environment, and keys only LiteLLM acts on (callbacks, caching,
//! `drop_params`, ...) are taken out and named once as ignored, while a key neither program
//! knows is refused with its line like any unknown TOML key.

use super::keys;
use super::source::{Merged, Origin, Problem};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::sync::LazyLock;

/// Whether to read the file as YAML: by extension, else by its first meaningful line
/// (TOML starts with a `[section]` or a `key = value`).
pub fn is_yaml(path: &Path, text: &str) -> bool {
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("yaml" | "yml") => return true,
        Some("toml") => return false,
        _ => {}
    }
    let first = text.lines().map(str::trim).find(|line| !line.is_empty() && !line.starts_with('#'));
    match first {
        None => false,
        Some(line) if line.starts_with('[') || line == "---" => line == "---",
        Some(line) => match (line.find(':'), line.find('=')) {
            (Some(colon), Some(equals)) => colon < equals,
            (colon, _) => colon.is_some(),
        },
    }
}

/// Parses the YAML text into the raw table, with the position of every key.
pub fn parse_text(path: &Path, text: &str) -> Result<Merged, Problem> {
    let at = |marker: &saphyr::Marker| Origin::File {
        path: path.to_path_buf(),
        line: marker.line(),
        column: marker.col() + 1,
    };
    let documents = MarkedYaml::load_from_str(text).map_err(|e| Problem {
        origin: Some(at(e.marker())),
        path: String::new(),
        message: format!("YAML syntax error: {}", e.info()),
    })?;
    if documents.len() > 1 {
        return Err(Problem {
            origin: documents.get(1).map(|d| at(&d.span.start)),
            path: String::new(),
            message: "the file holds more than one YAML document (`---`): keep one".into(),
        });
    }
    let reader = Reader { at: &at, text };
    let mut origins = BTreeMap::new();
    let mut table = match documents.first().map(|d| (d, &d.data)) {
        None | Some((_, YamlData::Value(Scalar::Null))) => toml::Table::new(),
        Some((root, YamlData::Mapping(_))) => match convert(root, "", &reader, &mut origins)? {
            Some(toml::Value::Table(table)) => table,
            _ => toml::Table::new(),
        },
        Some((root, _)) => {
            return Err(Problem {
                origin: Some(at(&root.span.start)),
                path: String::new(),
                message: "the file must be a mapping of sections (`model_list:`, `general_settings:`, ...)".into(),
            });
        }
    };
    if table.contains_key("include") {
        return Err(Problem {
            origin: origins.get("include").cloned(),
            path: String::new(),
            message: "`include` (LiteLLM's other config files) is not supported: copy their content into this file"
                .into(),
        });
    }
    let environment = take_environment(&mut table, &origins)?;
    move_router_aliases(&mut table, &mut origins);
    move_litellm_fallbacks(&mut table, &mut origins);
    let mut ignored = Vec::new();
    strip_litellm_only(&mut table, "", "", &mut ignored);
    keys::check_keys(&table, &origins, &|section| litellm_keys(section).to_vec())?;
    Ok(Merged { table, origins, environment, ignored })
}

/// The source text and how to name a place in it.
struct Reader<'a> {
    at: &'a dyn Fn(&saphyr::Marker) -> Origin,
    text: &'a str,
}

impl Reader<'_> {
    /// LiteLLM's reader (PyYAML) follows YAML 1.1, where an unquoted yes/no/on/off is a
    /// boolean; YAML 1.2 made them text. Read as LiteLLM reads them.
    fn yaml_1_1_boolean(&self, node: &MarkedYaml, value: &str) -> Option<bool> {
        let truth = match value {
            "yes" | "Yes" | "YES" | "on" | "On" | "ON" => true,
            "no" | "No" | "NO" | "off" | "Off" | "OFF" => false,
            _ => return None,
        };
        let unquoted = self.text.chars().skip(node.span.start.index()).take(value.len()).eq(value.chars());
        unquoted.then_some(truth)
    }
}

/// Converts one node; `None` for a null, which YAML writes for a key left empty and which
/// means "unset" here, as a missing TOML key does.
fn convert(
    node: &MarkedYaml,
    path: &str,
    reader: &Reader,
    origins: &mut BTreeMap<String, Origin>,
) -> Result<Option<toml::Value>, Problem> {
    let at = reader.at;
    let value = match &node.data {
        YamlData::Value(Scalar::Null) => return Ok(None),
        YamlData::Value(Scalar::Boolean(b)) => toml::Value::Boolean(*b),
        YamlData::Value(Scalar::Integer(i)) => toml::Value::Integer(*i),
        YamlData::Value(Scalar::FloatingPoint(f)) => toml::Value::Float(f.into_inner()),
        YamlData::Value(Scalar::String(s)) => match reader.yaml_1_1_boolean(node, s) {
            Some(truth) => toml::Value::Boolean(truth),
            None => toml::Value::String(s.to_string()),
        },
        YamlData::Representation(text, _, _) => toml::Value::String(text.to_string()),
        YamlData::Tagged(_, inner) => return convert(inner, path, reader, origins),
        YamlData::Sequence(items) => {
            let mut array = Vec::new();
            for (index, item) in items.iter().enumerate() {
                let element_path = format!("{path}[{index}]");
                origins.insert(element_path.clone(), at(&item.span.start));
                if let Some(value) = convert(item, &element_path, reader, origins)? {
                    array.push(value);
                }
            }
            toml::Value::Array(array)
        }
        YamlData::Mapping(entries) => {
            let mut table = toml::Table::new();
            for (key, child) in entries {
                let name = match &key.data {
                    YamlData::Value(Scalar::String(s)) => s.to_string(),
                    YamlData::Value(Scalar::Integer(i)) => i.to_string(),
                    YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
                    _ => {
                        return Err(Problem {
                            origin: Some(at(&key.span.start)),
                            path: path.to_string(),
                            message: "a key must be a plain name".into(),
                        });
                    }
                };
                let child_path = if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                origins.insert(child_path.clone(), at(&key.span.start));
                if let Some(value) = convert(child, &child_path, reader, origins)? {
                    table.insert(name, value);
                }
            }
            toml::Value::Table(table)
        }
        YamlData::Alias(_) | YamlData::BadValue => {
            return Err(Problem {
                origin: Some(at(&node.span.start)),
                path: path.to_string(),
                message: "cannot read this value".into(),
            });
        }
    };
    Ok(Some(value))
}

/// Takes `environment_variables` out of the table: a mapping of names to plain values.
fn take_environment(
    table: &mut toml::Table,
    origins: &BTreeMap<String, Origin>,
) -> Result<Vec<(String, String, Origin)>, Problem> {
    let Some(value) = table.remove("environment_variables") else {
        return Ok(Vec::new());
    };
    let toml::Value::Table(variables) = value else {
        return Err(Problem {
            origin: origins.get("environment_variables").cloned(),
            path: "environment_variables".into(),
            message: "must be a mapping of variable names to values".into(),
        });
    };
    let mut environment = Vec::new();
    for (name, value) in variables {
        let path = format!("environment_variables.{name}");
        let origin = origins.get(&path).cloned().unwrap_or(Origin::Env(name.clone()));
        let text = match value {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            _ => {
                return Err(Problem {
                    origin: Some(origin),
                    path,
                    message: "must be a plain value (text, number or true/false)".into(),
                });
            }
        };
        environment.push((name, text, origin));
    }
    Ok(environment)
}

/// LiteLLM reads fallbacks from `litellm_settings` as well as `router_settings`, ours are
/// all in `router_settings`: they move there (those already there win), with positions.
fn move_litellm_fallbacks(table: &mut toml::Table, origins: &mut BTreeMap<String, Origin>) {
    const FALLBACKS: [&str; 4] =
        ["fallbacks", "context_window_fallbacks", "content_policy_fallbacks", "default_fallbacks"];
    let Some(toml::Value::Table(litellm)) = table.get_mut("litellm_settings") else { return };
    let moving: Vec<(&str, toml::Value)> =
        FALLBACKS.iter().filter_map(|name| litellm.remove(*name).map(|value| (*name, value))).collect();
    if moving.is_empty() {
        return;
    }
    let router = table.entry("router_settings").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(router) = router.as_table_mut() else { return };
    for (name, value) in moving {
        let from = format!("litellm_settings.{name}");
        let to = format!("router_settings.{name}");
        let moved: Vec<(String, Origin)> = origins
            .range(from.clone()..)
            .take_while(|(path, _)| path.starts_with(&from))
            .map(|(p, o)| (p.clone(), o.clone()))
            .collect();
        for (path, origin) in moved {
            origins.entry(format!("{to}{}", &path[from.len()..])).or_insert(origin);
        }
        router.entry(name).or_insert(value);
    }
}

/// LiteLLM keeps `model_group_alias` in `router_settings`, we in `litellm_settings`: the
/// aliases move there (those already in `litellm_settings` win), with their positions. An
/// alias may be LiteLLM's `{model: NAME, hidden: true}`; it becomes NAME (hiding is LiteLLM's).
fn move_router_aliases(table: &mut toml::Table, origins: &mut BTreeMap<String, Origin>) {
    let Some(toml::Value::Table(router)) = table.get_mut("router_settings") else { return };
    let Some(toml::Value::Table(aliases)) = router.remove("model_group_alias") else { return };
    let from = "router_settings.model_group_alias";
    let to = "litellm_settings.model_group_alias";
    let moved: Vec<(String, Origin)> = origins
        .range(from.to_string()..)
        .take_while(|(path, _)| path.starts_with(from))
        .map(|(p, o)| (p.clone(), o.clone()))
        .collect();
    for (path, origin) in moved {
        origins.entry(format!("{to}{}", &path[from.len()..])).or_insert(origin);
    }
    let litellm = table.entry("litellm_settings").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(litellm) = litellm.as_table_mut() else { return };
    let target = litellm.entry("model_group_alias").or_insert_with(|| toml::Value::Table(toml::Table::new()));
    let Some(target) = target.as_table_mut() else { return };
    for (alias, value) in aliases {
        let value = match value {
            toml::Value::Table(mut entry) => entry.remove("model").unwrap_or(toml::Value::Table(entry)),
            other => other,
        };
        target.entry(alias).or_insert(value);
    }
}

/// Removes every key that we do not declare but LiteLLM accepts, recording its path
/// (list positions left out, so a key repeated in every model is named once).
fn strip_litellm_only(table: &mut toml::Table, section_path: &str, shown_path: &str, ignored: &mut Vec<String>) {
    let names: Vec<String> = table.keys().cloned().collect();
    for key in names {
        let child_section = if section_path.is_empty() { key.clone() } else { format!("{section_path}.{key}") };
        let shown = if shown_path.is_empty() { key.clone() } else { format!("{shown_path}.{key}") };
        if !keys::is_declared(section_path, &key) {
            if litellm_keys(section_path).contains(&key.as_str()) {
                table.remove(&key);
                if !ignored.contains(&shown) {
                    ignored.push(shown);
                }
            }
            continue;
        }
        match table.get_mut(&key) {
            Some(toml::Value::Table(sub)) => strip_litellm_only(sub, &child_section, &shown, ignored),
            Some(toml::Value::Array(items)) => {
                let element_shown = format!("{shown}[]");
                for item in items {
                    if let toml::Value::Table(sub) = item {
                        strip_litellm_only(sub, &child_section, &element_shown, ignored);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The keys LiteLLM accepts in the section at `section_path` (`""`: the top level).
fn litellm_keys(section_path: &str) -> &'static [&'static str] {
    static KEYS: LazyLock<HashMap<&'static str, Vec<&'static str>>> = LazyLock::new(|| {
        let mut keys: HashMap<&'static str, Vec<&'static str>> = HashMap::new();
        let mut section = "";
        for line in include_str!("litellm_keys.txt").lines().filter(|l| !l.starts_with('#')) {
            if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
                section = if name == "top level" { "" } else { name };
            } else {
                keys.entry(section).or_default().extend(line.split_whitespace());
            }
        }
        keys
    });
    KEYS.get(section_path).map_or(&[], Vec::as_slice)
}

#[cfg(test)]
mod tests;
