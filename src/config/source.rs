//! Where each value comes from. The file is parsed with spans so every problem can name a
//! line; `.env`, the environment and command-line flags are merged on top (in that order);
//! `os.environ/NAME` references are resolved last. A map from setting path to its origin
//! lets validation errors point at the file line, variable or flag that set the value.

use super::keys::check_keys;
use super::settings;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

/// Where a value was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    File { path: PathBuf, line: usize, column: usize },
    Env(String),
    Flag(String),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::File { path, line, column } => write!(f, "{}:{line}:{column}", path.display()),
            Origin::Env(name) => write!(f, "environment variable {name}"),
            Origin::Flag(name) => write!(f, "command-line flag {name}"),
        }
    }
}

/// One problem found in the configuration: where, which setting, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub origin: Option<Origin>,
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.origin, self.path.is_empty()) {
            (Some(origin), false) => write!(f, "{origin}: {}: {}", self.path, self.message),
            (Some(origin), true) => write!(f, "{origin}: {}", self.message),
            (None, false) => write!(f, "{}: {}", self.path, self.message),
            (None, true) => write!(f, "{}", self.message),
        }
    }
}

/// The variables the configuration may read: `.env` first, the real environment on top.
#[derive(Debug, Clone, Default)]
pub struct EnvVars {
    vars: HashMap<String, String>,
    /// Which of them came from `.env` (for error messages).
    from_dotenv: Vec<String>,
    /// Which of them the config file set, and where (for error messages).
    from_file: HashMap<String, Origin>,
}

impl EnvVars {
    pub fn new(process: impl IntoIterator<Item = (String, String)>, dotenv: Option<&Path>) -> Result<Self, Problem> {
        let mut vars = HashMap::new();
        let mut from_dotenv = Vec::new();
        if let Some(path) = dotenv.filter(|p| p.exists()) {
            let entries = dotenvy::from_path_iter(path).map_err(|e| dotenv_problem(path, &e))?;
            for entry in entries {
                let (name, value) = entry.map_err(|e| dotenv_problem(path, &e))?;
                from_dotenv.push(name.clone());
                vars.insert(name, value);
            }
        }
        for (name, value) in process {
            from_dotenv.retain(|n| n != &name);
            vars.insert(name, value);
        }
        Ok(Self { vars, from_dotenv, from_file: HashMap::new() })
    }

    /// Sets a variable from the config file's `environment_variables`. As in LiteLLM, it
    /// replaces the value the process was started with; returns that value when it differed.
    pub fn set_from_file(&mut self, name: &str, value: String, origin: Origin) -> Option<String> {
        self.from_dotenv.retain(|n| n != name);
        self.from_file.insert(name.to_string(), origin);
        self.vars.insert(name.to_string(), value.clone()).filter(|previous| previous != &value)
    }

    /// A variable's value, or the content of the file named by `NAME_FILE`.
    pub fn get(&self, name: &str) -> Result<Option<String>, Problem> {
        if let Some(value) = self.vars.get(name) {
            return Ok(Some(value.clone()));
        }
        let file_var = format!("{name}_FILE");
        let Some(file) = self.vars.get(&file_var) else {
            return Ok(None);
        };
        std::fs::read_to_string(file).map(|content| Some(content.trim_end_matches(['\n', '\r']).to_string())).map_err(
            |e| Problem {
                origin: Some(Origin::Env(file_var.clone())),
                path: String::new(),
                message: format!("cannot read the secret file `{file}`: {e}"),
            },
        )
    }

    fn origin(&self, name: &str) -> Origin {
        if let Some(Origin::File { path, line, column }) = self.from_file.get(name) {
            let file = path.file_name().map_or_else(|| path.display().to_string(), |f| f.to_string_lossy().to_string());
            Origin::Env(format!("{name} (from environment_variables at {file}:{line}:{column})"))
        } else if self.from_dotenv.iter().any(|n| n == name) {
            Origin::Env(format!("{name} (from .env)"))
        } else {
            Origin::Env(name.to_string())
        }
    }
}

fn dotenv_problem(path: &Path, error: &dotenvy::Error) -> Problem {
    Problem { origin: None, path: String::new(), message: format!("{}: cannot read: {error}", path.display()) }
}

/// The merged raw table and the origin of every value in it.
#[derive(Default)]
pub struct Merged {
    pub table: toml::Table,
    pub origins: BTreeMap<String, Origin>,
    /// Variables the file sets for the process (LiteLLM's `environment_variables`), with
    /// where each was set.
    pub environment: Vec<(String, String, Origin)>,
    /// Settings the file holds that only LiteLLM acts on, by path; read and left unused.
    pub ignored: Vec<String>,
}

impl Merged {
    pub fn origin(&self, path: &str) -> Option<Origin> {
        lookup_origin(&self.origins, path)
    }
}

/// Reads the file (if any) with positions and checks every key against the declarations.
pub fn read_file(path: &Path) -> Result<Merged, Problem> {
    let text = std::fs::read_to_string(path).map_err(|e| Problem {
        origin: None,
        path: String::new(),
        message: format!("cannot read the config file {}: {e}", path.display()),
    })?;
    if super::yaml::is_yaml(path, &text) { super::yaml::parse_text(path, &text) } else { parse_text(path, &text) }
}

pub fn parse_text(path: &Path, text: &str) -> Result<Merged, Problem> {
    let position = |offset: usize| {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rfind('\n').map_or(before.len(), |nl| before.len() - nl - 1) + 1;
        Origin::File { path: path.to_path_buf(), line, column }
    };
    let document = toml_edit::Document::parse(text).map_err(|e| Problem {
        origin: e.span().map(|span| position(span.start)),
        path: String::new(),
        message: format!("TOML syntax error: {}", e.message().trim()),
    })?;
    let mut origins = BTreeMap::new();
    record_positions(document.as_table(), "", &position, &mut origins);
    let table: toml::Table = toml::from_str(text).map_err(|e| Problem {
        origin: e.span().map(|span| position(span.start)),
        path: String::new(),
        message: format!("TOML error: {}", e.message()),
    })?;
    check_keys(&table, &origins, &|_| Vec::new())?;
    Ok(Merged { table, origins, ..Merged::default() })
}

/// Records where every key and array element of the file starts, by value path.
fn record_positions(
    table: &toml_edit::Table,
    value_path: &str,
    position: &dyn Fn(usize) -> Origin,
    origins: &mut BTreeMap<String, Origin>,
) {
    for (key, item) in table.iter() {
        let path = if value_path.is_empty() { key.to_string() } else { format!("{value_path}.{key}") };
        if let Some(span) = table.key(key).and_then(|k| k.span()).or_else(|| item.span()) {
            origins.insert(path.clone(), position(span.start));
        }
        match item {
            toml_edit::Item::Table(sub) => record_positions(sub, &path, position, origins),
            toml_edit::Item::Value(value) => record_value_positions(value, &path, position, origins),
            toml_edit::Item::ArrayOfTables(array) => {
                for (index, sub) in array.iter().enumerate() {
                    let element_path = format!("{path}[{index}]");
                    if let Some(span) = sub.span() {
                        origins.insert(element_path.clone(), position(span.start));
                    }
                    record_positions(sub, &element_path, position, origins);
                }
            }
            toml_edit::Item::None => {}
        }
    }
}

fn record_value_positions(
    value: &toml_edit::Value,
    path: &str,
    position: &dyn Fn(usize) -> Origin,
    origins: &mut BTreeMap<String, Origin>,
) {
    match value {
        toml_edit::Value::InlineTable(inline) => {
            for (key, child) in inline.iter() {
                let child_path = format!("{path}.{key}");
                if let Some(span) = inline.key(key).and_then(|k| k.span()).or_else(|| child.span()) {
                    origins.insert(child_path.clone(), position(span.start));
                }
                record_value_positions(child, &child_path, position, origins);
            }
        }
        toml_edit::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let element_path = format!("{path}[{index}]");
                if let Some(span) = item.span() {
                    origins.insert(element_path.clone(), position(span.start));
                }
                record_value_positions(item, &element_path, position, origins);
            }
        }
        _ => {}
    }
}

/// Applies every declared environment variable that is set, on top of the file.
pub fn apply_env(merged: &mut Merged, env: &EnvVars) -> Result<(), Problem> {
    for section in settings::SECTIONS {
        if section.path.starts_with("model_list") {
            continue;
        }
        let defaults = (section.defaults)();
        for setting in section.settings {
            for name in setting.env {
                let Some(raw) = env.get(name)? else { continue };
                let value = env_value(&raw, defaults.get(setting.name), setting.example);
                let path = format!("{}.{}", section.path, setting.name);
                set_path(&mut merged.table, &path, value);
                merged.origins.insert(path, env.origin(name));
                break;
            }
        }
    }
    Ok(())
}

/// Applies a command-line flag.
pub fn apply_flag(merged: &mut Merged, path: &str, value: toml::Value, flag: &str) {
    set_path(&mut merged.table, path, value);
    merged.origins.insert(path.to_string(), Origin::Flag(flag.to_string()));
}

/// Interprets an environment string by the type the setting has.
fn env_value(raw: &str, default: Option<&toml::Value>, example: &str) -> toml::Value {
    let kind = default.map(|v| v.type_str()).unwrap_or(if example.starts_with('[') { "array" } else { "string" });
    match kind {
        "integer" => {
            raw.trim().parse::<i64>().map(toml::Value::Integer).unwrap_or_else(|_| toml::Value::String(raw.into()))
        }
        "float" => {
            raw.trim().parse::<f64>().map(toml::Value::Float).unwrap_or_else(|_| toml::Value::String(raw.into()))
        }
        "boolean" => match raw.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => toml::Value::Boolean(true),
            "false" | "0" | "no" => toml::Value::Boolean(false),
            _ => toml::Value::String(raw.into()),
        },
        "array" => toml::Value::Array(
            raw.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| toml::Value::String(s.into())).collect(),
        ),
        _ => toml::Value::String(raw.to_string()),
    }
}

fn set_path(table: &mut toml::Table, path: &str, value: toml::Value) {
    let mut parts: Vec<&str> = path.split('.').collect();
    let Some(last) = parts.pop() else { return };
    let mut current = table;
    for part in parts {
        let entry = current.entry(part.to_string()).or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        let toml::Value::Table(next) = entry else {
            return;
        };
        current = next;
    }
    current.insert(last.to_string(), value);
}

/// Replaces every `os.environ/NAME` string with the variable's value.
pub fn resolve_env_refs(merged: &mut Merged, env: &EnvVars) -> Result<(), Problem> {
    let mut problems = Vec::new();
    let origins = &merged.origins;
    resolve_value_refs(&mut merged.table, "", env, &mut |path, problem| {
        let origin = lookup_origin(origins, path);
        problems.push(Problem { origin, path: path.to_string(), message: problem });
    });
    match problems.into_iter().next() {
        Some(problem) => Err(problem),
        None => Ok(()),
    }
}

/// A value inside an array or sub-table is attributed to its nearest recorded parent.
fn lookup_origin(origins: &BTreeMap<String, Origin>, path: &str) -> Option<Origin> {
    let mut candidate = path.to_string();
    loop {
        if let Some(origin) = origins.get(&candidate) {
            return Some(origin.clone());
        }
        let cut = candidate.rfind(['.', '['])?;
        candidate.truncate(cut);
    }
}

fn resolve_value_refs(table: &mut toml::Table, prefix: &str, env: &EnvVars, report: &mut dyn FnMut(&str, String)) {
    for (key, value) in table.iter_mut() {
        let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
        resolve_one(value, &path, env, report);
    }
}

fn resolve_one(value: &mut toml::Value, path: &str, env: &EnvVars, report: &mut dyn FnMut(&str, String)) {
    match value {
        toml::Value::String(text) => {
            if let Some(name) = text.strip_prefix("os.environ/") {
                match env.get(name) {
                    Ok(Some(resolved)) => *text = resolved,
                    Ok(None) => report(
                        path,
                        format!("refers to the environment variable {name} (`os.environ/{name}`), which is not set"),
                    ),
                    Err(problem) => report(path, problem.message),
                }
            }
        }
        toml::Value::Table(table) => resolve_value_refs(table, path, env, report),
        toml::Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                resolve_one(item, &format!("{path}[{index}]"), env, report);
            }
        }
        _ => {}
    }
}
