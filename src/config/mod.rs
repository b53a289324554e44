//! The configuration: declared settings (`settings.rs`), read from `proxy.toml` (or LiteLLM's
//! `config.yaml`, `yaml.rs`), `.env`, the environment and the command line (`source.rs`),
//! checked (`validate.rs`), documented (`example.rs`). Loading either yields a complete, valid `Config` or the problems found,
//! each naming the file line, variable or flag at fault; nothing is opened before that.

mod api_base;
mod example;
mod keys;
mod secret;
mod settings;
mod source;
mod validate;
mod yaml;

pub use api_base::{ApiBase, mask_url};
pub use example::{example_file, readme_table};
pub use secret::{Secret, mask};
pub use settings::*;
pub use source::{Origin, Problem};
pub use validate::{ROLES, TEAM_ROLES, model_problems};

use std::fmt;
use std::path::{Path, PathBuf};

/// Values given on the command line; they win over everything else.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub db: Option<PathBuf>,
    pub host: Option<String>,
    pub port: Option<u16>,
    pub log_format: Option<LogFormat>,
}

/// The loaded configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub settings: Settings,
    /// The config file that was read, if any.
    pub file: Option<PathBuf>,
    /// What the operator should know although the configuration is valid (settings of a
    /// LiteLLM `config.yaml` that only LiteLLM acts on), one line each, said once at start.
    pub warnings: Vec<String>,
}

/// Why the configuration cannot be used.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.problems.iter().map(Problem::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

impl std::error::Error for ConfigError {}

impl From<Problem> for ConfigError {
    fn from(problem: Problem) -> Self {
        Self { problems: vec![problem] }
    }
}

impl Config {
    /// Defaults only: what `./proxy` with no file and no environment runs on.
    pub fn defaults() -> Self {
        Self { settings: Settings::default(), file: None, warnings: Vec::new() }
    }

    /// Loads from the working directory `dir`: `--config` (or `PROXY_CONFIG`, or
    /// `./proxy.toml` when present), `dir/.env`, the given environment, then the flags.
    pub fn load(flags: &Flags, dir: &Path, environment: Vec<(String, String)>) -> Result<Self, ConfigError> {
        let mut env = source::EnvVars::new(environment, Some(&dir.join(".env")))?;
        let file = match (&flags.config, env.get("PROXY_CONFIG")?) {
            (Some(path), _) => Some(dir.join(path)),
            (None, Some(path)) => Some(dir.join(path)),
            (None, None) => Some(dir.join("proxy.toml")).filter(|p| p.exists()),
        };
        let mut merged = match &file {
            Some(path) => source::read_file(path)?,
            None => source::Merged::default(),
        };
        let mut warnings = Vec::new();
        if !merged.ignored.is_empty() {
            warnings.push(format!("ignored: {} (LiteLLM-only)", merged.ignored.join(", ")));
        }
        for (name, value, origin) in std::mem::take(&mut merged.environment) {
            // As LiteLLM: a value naming another variable is resolved now, and skipped when unset.
            let value = match value.strip_prefix("os.environ/") {
                Some(other) => match env.get(other)? {
                    Some(resolved) => resolved,
                    None => continue,
                },
                None => value,
            };
            if env.set_from_file(&name, value, origin.clone()).is_some() {
                warnings.push(format!(
                    "{origin}: environment_variables.{name} replaces the value {name} had in the environment"
                ));
            }
        }
        if let Some(url) = env.get("DATABASE_URL")?.filter(|u| is_postgres_url(u)) {
            // LiteLLM's variable: a team moving over keeps it set, and would otherwise not know
            // that its PostgreSQL data stays where it is.
            warnings.push(format!(
                "DATABASE_URL names a PostgreSQL database ({}): this proxy keeps everything in one SQLite file \
                 (--db / DATABASE_PATH) and does not read it",
                without_password(&url)
            ));
        }
        source::apply_env(&mut merged, &env)?;
        if let Some(db) = &flags.db {
            let value = toml::Value::String(db.display().to_string());
            source::apply_flag(&mut merged, "server.database_path", value, "--db");
        }
        if let Some(host) = &flags.host {
            source::apply_flag(&mut merged, "server.host", toml::Value::String(host.clone()), "--host");
        }
        if let Some(port) = flags.port {
            source::apply_flag(&mut merged, "server.port", toml::Value::Integer(i64::from(port)), "--port");
        }
        if let Some(format) = flags.log_format {
            let name = if format == LogFormat::Json { "json" } else { "text" };
            source::apply_flag(&mut merged, "server.log_format", toml::Value::String(name.into()), "--log-format");
        }
        source::resolve_env_refs(&mut merged, &env)?;

        let settings: Settings =
            serde_path_to_error::deserialize(toml::Value::Table(merged.table.clone())).map_err(|e| {
                let path = e.path().to_string();
                Problem { origin: merged.origin(&path), path, message: e.into_inner().to_string() }
            })?;
        let problems: Vec<Problem> = validate::validate(&settings)
            .into_iter()
            .map(|(path, message)| Problem { origin: merged.origin(&path), path, message })
            .collect();
        if !problems.is_empty() {
            return Err(ConfigError { problems });
        }
        let mut settings = settings;
        let db = PathBuf::from(&settings.server.database_path);
        if db.is_relative() {
            settings.server.database_path = dir.join(db).display().to_string();
        }
        Ok(Self { settings, file, warnings })
    }

    /// The effective configuration as TOML, secrets masked (for `check-config` and the UI).
    pub fn to_masked_toml(&self) -> String {
        toml::to_string_pretty(&self.settings).unwrap_or_else(|e| format!("# cannot render the configuration: {e}\n"))
    }
}

#[cfg(test)]
mod tests;

fn is_postgres_url(url: &str) -> bool {
    let url = url.trim().to_ascii_lowercase();
    url.starts_with("postgresql://") || url.starts_with("postgres://")
}

/// The URL with its password (between `user:` and `@`) masked, for a log line.
fn without_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_string() };
    match rest.rsplit_once('@') {
        Some((credentials, host)) => {
            let user = credentials.split_once(':').map_or(credentials, |(user, _)| user);
            format!("{scheme}://{user}:****@{host}")
        }
        None => url.to_string(),
    }
}
