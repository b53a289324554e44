//! The router in use. Models come from two places: `proxy.toml` (fixed while the process
//! runs) and the database (`/model/new` and the UI's Models page, changed at run time).
//! A change builds a whole new router and swaps it in; requests already routed keep the
//! deployments they hold, and deployments whose definition did not change carry over
//! (with their requests in flight and their cooldowns).
//!
//! A stored model whose name `proxy.toml` also defines is kept but not served: the file
//! wins, and the management answer and the UI say so.

use super::router::{ModelRouter, Origin};
use crate::config::{ModelEntry, RouterSettings};
use crate::spend::PriceTable;
use arc_swap::{ArcSwap, Guard};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

pub struct LiveRouter {
    current: ArcSwap<ModelRouter>,
    config: Vec<ModelEntry>,
    config_names: HashSet<String>,
    settings: RouterSettings,
    aliases: BTreeMap<String, String>,
    prices: Arc<PriceTable>,
    /// One rebuild at a time, so two changes cannot swap in each other's older lists.
    rebuilding: Mutex<()>,
}

impl LiveRouter {
    pub fn new(
        config: &[ModelEntry],
        stored: &[ModelEntry],
        settings: &RouterSettings,
        aliases: &BTreeMap<String, String>,
        prices: PriceTable,
    ) -> Self {
        let config_names = config.iter().map(|m| m.model_name.clone()).collect();
        let live = LiveRouter {
            current: ArcSwap::from_pointee(ModelRouter::new(
                &[],
                settings,
                aliases,
                Arc::new(PriceTable::default()),
                None,
            )),
            config: config.to_vec(),
            config_names,
            settings: settings.clone(),
            aliases: aliases.clone(),
            prices: Arc::new(prices),
            rebuilding: Mutex::new(()),
        };
        live.set_stored(stored);
        live
    }

    /// The router for this moment; hold it for the length of one decision, not a request.
    pub fn current(&self) -> Guard<Arc<ModelRouter>> {
        self.current.load()
    }

    /// The router in use now, to hold across an `.await`.
    pub fn snapshot(&self) -> Arc<ModelRouter> {
        self.current.load_full()
    }

    /// Serves `stored` (every model kept in the database) beside the configured ones.
    pub fn set_stored(&self, stored: &[ModelEntry]) {
        let _one_at_a_time = self.rebuilding.lock();
        let mut models: Vec<(ModelEntry, Origin)> = self.config.iter().map(|m| (m.clone(), Origin::Config)).collect();
        models
            .extend(stored.iter().filter(|m| !self.is_configured(&m.model_name)).map(|m| (m.clone(), Origin::Stored)));
        let previous = self.current.load_full();
        let router = ModelRouter::new(&models, &self.settings, &self.aliases, self.prices.clone(), Some(&previous));
        self.current.store(Arc::new(router));
    }

    /// Whether `proxy.toml` defines the public name `name` (then a stored model of that
    /// name is not served).
    pub fn is_configured(&self, name: &str) -> bool {
        self.config_names.contains(name)
    }

    /// The models of `proxy.toml`, as configured.
    pub fn configured(&self) -> &[ModelEntry] {
        &self.config
    }
}
