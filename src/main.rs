//! The command line: `proxy [serve]`, `proxy backup FILE`, `proxy check-config [FILE]`,
//! `proxy healthcheck`, `proxy --version`. Everything else lives in the library.
#![forbid(unsafe_code)]

use clap::{Args, Parser, Subcommand};
use proxy::auth::MasterKeyOrigin;
use proxy::config::{Config, Flags, LogFormat};
use proxy::state::AppState;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc instead of glibc's malloc: the hot path allocates and frees many small, short
/// lived buffers (headers, JSON values, spend rows) on several serving threads, and glibc
/// spent about 12% of the gateway's CPU on that (`_int_malloc`, `_int_free`,
/// `unlink_chunk`, `malloc_consolidate`) in `perf` under bench/run.sh.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "proxy",
    version,
    about = "An OpenAI-compatible LLM gateway with virtual keys, users, teams, budgets and an admin UI, in one SQLite file"
)]
struct Cli {
    #[command(flatten)]
    common: Common,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args, Clone, Default)]
struct Common {
    /// The config file (default: ./proxy.toml when it exists). A `.yaml`/`.yml` file is read as
    /// LiteLLM's config.yaml.
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The SQLite database file (default: ./proxy.db).
    #[arg(long, global = true, value_name = "FILE")]
    db: Option<PathBuf>,
    /// Address to listen on (default: 0.0.0.0).
    #[arg(long, global = true)]
    host: Option<String>,
    /// Port to listen on (default: 4000; 0 lets the system choose).
    #[arg(long, global = true)]
    port: Option<u16>,
    /// Log format.
    #[arg(long, global = true, value_enum)]
    log_format: Option<LogFormatArg>,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LogFormatArg {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Run the proxy (the default).
    Serve,
    /// Write a consistent copy of the database to FILE, also while the proxy runs.
    Backup {
        /// The new file to write (it must not exist).
        file: PathBuf,
    },
    /// Check a config file, then print the effective configuration with secrets masked.
    CheckConfig {
        /// The file to check (default: --config, or ./proxy.toml).
        file: Option<PathBuf>,
    },
    /// Exit 0 when the local proxy answers (for Docker's HEALTHCHECK).
    Healthcheck,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut common = cli.common.clone();
    if let Some(Command::CheckConfig { file: Some(file) }) = &cli.command {
        common.config = Some(file.clone());
    }
    let flags = Flags {
        config: common.config,
        db: common.db,
        host: common.host,
        port: common.port,
        log_format: common.log_format.map(|f| match f {
            LogFormatArg::Text => LogFormat::Text,
            LogFormatArg::Json => LogFormat::Json,
        }),
    };
    let dir = match std::env::current_dir() {
        Ok(dir) => dir,
        Err(e) => return fail(&format!("cannot read the working directory: {e}")),
    };
    let config = match Config::load(&flags, &dir, std::env::vars().collect()) {
        Ok(config) => config,
        Err(e) => return fail(&format!("invalid configuration:\n{e}")),
    };
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config),
        Command::Backup { file } => backup(&config, &dir.join(file)),
        Command::CheckConfig { .. } => {
            let source = config
                .file
                .as_ref()
                .map_or("no config file: defaults and environment".to_string(), |f| f.display().to_string());
            println!("# configuration is valid ({source})");
            for warning in &config.warnings {
                println!("# warning: {warning}");
            }
            println!("{}", config.to_masked_toml());
            ExitCode::SUCCESS
        }
        Command::Healthcheck => healthcheck(&config),
    }
}

fn fail(message: &str) -> ExitCode {
    eprintln!("proxy: {message}");
    ExitCode::FAILURE
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

fn serve(config: Config) -> ExitCode {
    init_logging(config.settings.server.log_format);
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    warn_if_weak_master_key(&config);
    for warning in &config.warnings {
        tracing::warn!("{warning}");
    }
    let (state, origin) = match AppState::open(config) {
        Ok(opened) => opened,
        Err(e) => return fail(&e.to_string()),
    };
    if let MasterKeyOrigin::Generated(key) = origin {
        // Printed once, to the terminal only: the database keeps just its hash.
        println!(
            "\n  No master key was configured, so one was generated. It is shown only this once:\n\n    \
             LITELLM_MASTER_KEY={key}\n\n  Keep it: it is the admin credential for the API and the UI (user `admin`).\n  \
             To use your own, set LITELLM_MASTER_KEY or `master_key` in [general_settings] of proxy.toml.\n"
        );
    }
    match runtime.block_on(proxy::server::serve(state)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e.to_string()),
    }
}

/// A weak master key only gets this far with `dangerously_permit_weak_or_unset_master_key`
/// (validation refuses it otherwise): say so loudly, in the log and on the terminal.
fn warn_if_weak_master_key(config: &Config) {
    let general = &config.settings.general_settings;
    let Some(why) = general.master_key.as_ref().and_then(|key| proxy::auth::master_key_weakness(key.expose())) else {
        return;
    };
    let message = format!(
        "the master key {why}: anyone who knows or guesses it is proxy admin. It is accepted only because \
         dangerously_permit_weak_or_unset_master_key is set: never use this outside a throw-away test setup"
    );
    tracing::warn!("{message}");
    eprintln!("\n  WARNING: {message}.\n");
}

fn backup(config: &Config, target: &std::path::Path) -> ExitCode {
    let source = PathBuf::from(&config.settings.server.database_path);
    match proxy::db::backup_to(&source, target) {
        Ok(bytes) => {
            println!("backed up {} to {} ({bytes} bytes)", source.display(), target.display());
            let key_file = proxy::auth::proxy_secret::key_file_path(&source);
            if config.settings.general_settings.secret_key.is_none() && key_file.exists() {
                // By design: a backup that held the secret could sign sessions for this proxy.
                println!(
                    "the key file {} is not in the backup; restored without it, the proxy makes a new one and everyone signs in again",
                    key_file.display()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

fn healthcheck(config: &Config) -> ExitCode {
    let server = &config.settings.server;
    let host = match server.host.as_str() {
        "0.0.0.0" | "" => "127.0.0.1",
        "::" => "::1",
        other => other,
    };
    let url = if host.contains(':') {
        format!("http://[{host}]:{}/health/liveliness", server.port)
    } else {
        format!("http://{host}:{}/health/liveliness", server.port)
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => return fail(&format!("cannot start the async runtime: {e}")),
    };
    let result = runtime.block_on(async {
        let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(5)).build()?;
        client.get(&url).send().await?.error_for_status()
    });
    match result {
        Ok(_) => {
            println!("healthy: {url}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&format!("unhealthy: {url}: {e}")),
    }
}
