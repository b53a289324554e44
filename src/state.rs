//! What every handler shares: the configuration, the store, the in-memory tables and the
//! clock. Built once at start by `AppState::open`.

use crate::auth::{DEFAULT_ADMIN_USER_ID, KeyGuessLimiter, LoginLimiter, MasterKey, MasterKeyOrigin, SessionKeys};
use crate::config::Config;
use crate::db::{Db, DbError, OpenError};
use crate::gateway::ModelRouter;
use crate::keys::KeyCache;
use crate::limits::Limiter;
use crate::organizations::OrgCache;
use crate::spend::{Ledger, PriceTable};
use crate::teams::TeamCache;
use crate::time::Clock;
use crate::users::UserCache;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

pub struct Shared {
    pub config: Config,
    pub db: Db,
    pub master_key: MasterKey,
    pub keys: KeyCache,
    pub users: UserCache,
    pub teams: TeamCache,
    /// Customers (end users) and the budget objects they reference.
    pub customers: crate::customers::CustomerCache,
    pub budgets: crate::budgets::BudgetCache,
    pub organizations: OrgCache,
    pub clock: Clock,
    pub started_at: Instant,
    /// Signs session cookies and CSRF tokens (derived from the proxy's secret, which is
    /// never in the database).
    pub sessions: SessionKeys,
    /// Failed sign-in counts per account and client address.
    pub login_limits: LoginLimiter,
    /// Failed key lookups per client address.
    pub key_guesses: KeyGuessLimiter,
    /// The client for SSO providers' token and userinfo endpoints (never follows
    /// redirects, as OAuth 2.0 asks).
    pub sso_http: reqwest::Client,
    /// The SSO providers' id-token signing keys, fetched on first use.
    pub sso_keys: crate::auth::sso::KeySets,
    /// Model names to deployments (from proxy.toml and the database), with the price
    /// table; `router()` is the one in use now.
    pub routing: crate::gateway::LiveRouter,
    /// Seals the upstream credentials of models stored in the database.
    pub credentials: crate::models::CredentialKey,
    /// The pooled upstream HTTP clients, one per thread.
    pub http: crate::gateway::UpstreamClients,
    /// Rate-limit counters and budget reservations.
    pub limiter: Arc<Limiter>,
    /// The spend ledger: group commit of every request's spend.
    pub ledger: Ledger,
    /// Where the ledger appends spend rows, folded into their tables in bulk.
    pub journal: Arc<crate::spend::Journal>,
    /// The counters behind `/metrics`.
    pub metrics: crate::metrics::Registry,
    /// Each deployment's recent failures, for the deployment alerts.
    pub alerts: crate::alerts::Watch,
}

impl Shared {
    /// The router in use now. Hold it for one decision; across an `.await`, take
    /// `routing.snapshot()`.
    pub fn router(&self) -> arc_swap::Guard<Arc<ModelRouter>> {
        self.routing.current()
    }

    /// The router in use now, to hold across an `.await`.
    pub fn router_snapshot(&self) -> Arc<ModelRouter> {
        self.routing.snapshot()
    }
}

impl Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.inner
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("cannot read the database at start: {0}")]
    Load(#[from] DbError),
    #[error(transparent)]
    Secret(#[from] crate::auth::proxy_secret::SecretError),
    #[error("{0}")]
    Pricing(String),
    #[error("cannot start: {0}")]
    Start(String),
}

/// The state without keeping it alive, for threads that must end with it.
pub struct WeakState(std::sync::Weak<Shared>);

impl WeakState {
    pub fn upgrade(&self) -> Option<AppState> {
        self.0.upgrade().map(|inner| AppState { inner })
    }
}

impl AppState {
    pub fn downgrade(&self) -> WeakState {
        WeakState(Arc::downgrade(&self.inner))
    }

    /// Opens the database and loads the in-memory tables. Returns the generated master
    /// key when one was made now, for the caller to print once.
    pub fn open(config: Config) -> Result<(Self, MasterKeyOrigin), StartError> {
        let path = std::path::PathBuf::from(&config.settings.server.database_path);
        let (db, applied) = Db::open(&path)?;
        tracing::info!(db = %path.display(), schema = ?applied, "database ready");
        let configured = config.settings.general_settings.master_key.as_ref().map(|k| k.expose().to_string());
        let (master_key, origin) = MasterKey::load_or_generate(&db, configured.as_deref())?;
        let admin_id = config
            .settings
            .general_settings
            .proxy_admin_id
            .clone()
            .unwrap_or_else(|| DEFAULT_ADMIN_USER_ID.to_string());
        ensure_admin_user(&db, &admin_id)?;
        let (sessions, credentials) = secret_keys(&config, &path, &db)?;
        let litellm = &config.settings.litellm_settings;
        let pricing_file = litellm.pricing_file.as_ref().map(|f| {
            let base = config.file.as_ref().and_then(|c| c.parent()).map(std::path::Path::to_path_buf);
            base.unwrap_or_default().join(f)
        });
        let prices = PriceTable::load(pricing_file.as_deref()).map_err(StartError::Pricing)?;
        let routing = crate::gateway::LiveRouter::new(
            &config.settings.model_list,
            &crate::models::load(&db, &credentials)?,
            &config.settings.router_settings,
            &litellm.model_group_alias,
            prices,
        );
        let http = crate::gateway::UpstreamClients::new(&config.settings.router_settings);
        crate::spend::checkpoint::start(&db)?;
        // Before the tables are loaded: the first read folds what a previous run left.
        let journal = crate::spend::Journal::start(&db, !config.settings.general_settings.disable_spend_logs)?;
        let alerts = crate::alerts::Watch::new(&routing.current(), &config.settings.general_settings);
        let metrics = if config.settings.general_settings.disable_metrics {
            crate::metrics::Registry::disabled()
        } else {
            crate::metrics::Registry::default()
        };
        let state = Self {
            inner: Arc::new(Shared {
                keys: KeyCache::load(&db)?,
                users: UserCache::load(&db)?,
                teams: TeamCache::load(&db)?,
                customers: crate::customers::CustomerCache::load(&db)?,
                budgets: crate::budgets::BudgetCache::load(&db)?,
                organizations: OrgCache::load(&db)?,
                config,
                db,
                master_key,
                clock: Clock::default(),
                started_at: Instant::now(),
                sessions,
                login_limits: LoginLimiter::default(),
                key_guesses: KeyGuessLimiter::default(),
                sso_http: sso_http_client(),
                sso_keys: Default::default(),
                routing,
                credentials,
                http,
                limiter: Arc::new(Limiter::default()),
                ledger: Ledger::default(),
                journal,
                metrics,
                alerts,
            }),
        };
        Ok((state, origin))
    }

    /// The user id the master key and the built-in UI admin act as.
    pub fn admin_user_id(&self) -> &str {
        self.config.settings.general_settings.proxy_admin_id.as_deref().unwrap_or(DEFAULT_ADMIN_USER_ID)
    }

    pub fn is_proxy_admin_id(&self, user_id: &str) -> bool {
        self.config.settings.general_settings.proxy_admin_id.as_deref() == Some(user_id)
    }
}

/// The session keys and the key that seals stored credentials, from the proxy's secret
/// (configured or the key file beside the database), after deleting the secret older
/// versions kept in the database.
fn secret_keys(
    config: &Config,
    database: &std::path::Path,
    db: &Db,
) -> Result<(SessionKeys, crate::models::CredentialKey), StartError> {
    use crate::auth::proxy_secret::{ProxySecret, SecretSource};
    let (secret, source) = ProxySecret::load(config.settings.general_settings.secret_key.as_ref(), database)?;
    match &source {
        SecretSource::Configured => tracing::info!("the proxy's secret comes from the configuration (secret_key)"),
        SecretSource::KeyFile { path, created: true } => {
            tracing::info!(file = %path.display(), "created the key file: the proxy's secret, kept outside the database and its backups")
        }
        SecretSource::KeyFile { path, created: false } => {
            tracing::info!(file = %path.display(), "the proxy's secret comes from the key file")
        }
    }
    crate::auth::signing_secret::forget_stored_secret(db)?;
    let credentials = crate::models::CredentialKey::new(secret.derive("stored upstream credentials v1"));
    Ok((crate::auth::signing_secret::session_keys(&secret), credentials))
}

fn sso_http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .unwrap_or_default()
}

/// The admin's user row exists from the first start, so invitations and audit rows made
/// with the master key always name an existing user (LiteLLM fails there, #41176).
fn ensure_admin_user(db: &Db, admin_id: &str) -> Result<(), DbError> {
    let admin_id = admin_id.to_string();
    db.write_blocking(move |tx| crate::users::store::ensure_admin(tx, &admin_id, &crate::time::now_text()))
}
