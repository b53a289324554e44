//! The model router: public model names to deployments. A name resolves through the
//! key's `aliases`, then `model_group_alias`, then the exact `model_name`, then wildcard
//! names (`openai/*`). A request picks one deployment of the group — weighted by
//! `weight`/`rpm` (simple-shuffle) or the fewest requests in flight (least-busy) — and
//! skips deployments cooling down after `allowed_fails` failures within a minute.

use super::providers::{self, Dialect, Provider};
use super::redact::Redactor;
use crate::config::{ApiBase, ModelEntry, RouterSettings, RoutingStrategy};
use crate::spend::{Price, PriceTable, UnitPrice};
use parking_lot::Mutex;
use rand::Rng;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

pub struct Deployment {
    pub id: String,
    /// Where it is defined: `proxy.toml` (read-only at run time) or the database.
    pub origin: Origin,
    pub model_name: String,
    /// `litellm_params.model` as configured (`openai/gpt-4o`, `azure/my-deployment`).
    pub litellm_model: String,
    /// The model (or Azure deployment) name sent upstream, `*` kept for wildcards.
    pub upstream_model: String,
    pub provider: &'static dyn Provider,
    /// Shown only masked (`ApiBase::masked`); requests use `ApiBase::request_url`.
    pub api_base: Option<ApiBase>,
    pub api_key: Option<String>,
    pub api_version: Option<String>,
    pub timeout: Duration,
    pub weight: u64,
    pub input_cost: Option<f64>,
    pub output_cost: Option<f64>,
    /// Prices of cached prompt tokens, read and written, overriding the table's.
    pub cache_read_cost: Option<f64>,
    pub cache_creation_cost: Option<f64>,
    pub mode: Option<String>,
    /// Per image, second, character or query (`model_info`), overriding the table's.
    pub unit_cost: UnitPrice,
    /// `/v1/responses` requests are relayed to it as they are (see
    /// `responses::upstreams::has_responses_api`), not translated.
    pub responses_api: bool,
    /// `model_info.access_groups`: a key, user or team listing one of these names may
    /// call this deployment's model.
    pub access_groups: Vec<String>,
    /// The deployment's own limits (`litellm_params.rpm`/`tpm`), shown by `/model_group/info`.
    pub rpm: Option<u64>,
    pub tpm: Option<u64>,
    pub in_flight: AtomicU64,
    failures: Mutex<Failures>,
    /// The definition it was built from, so a rebuild keeps a deployment whose definition
    /// did not change (with its requests in flight and its cooldown).
    definition: String,
}

/// Where a deployment is defined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Config,
    Stored,
}

#[derive(Default)]
struct Failures {
    window_start: Option<Instant>,
    count: u32,
    cooldown_until: Option<Instant>,
}

/// A resolved public model name.
#[derive(Clone)]
pub struct Route {
    /// The configured `model_name` of the group.
    pub group: String,
    pub deployments: Arc<Vec<Arc<Deployment>>>,
    /// For a wildcard, what the `*` matched.
    pub wildcard: Option<String>,
}

pub struct ModelRouter {
    groups: HashMap<String, Arc<Vec<Arc<Deployment>>>>,
    /// (prefix before `*`, group name), longest prefix first.
    wildcards: Vec<(String, String)>,
    aliases: BTreeMap<String, String>,
    names: Vec<String>,
    strategy: RoutingStrategy,
    pub num_retries: u32,
    pub fallbacks: super::fallback::Fallbacks,
    allowed_fails: u32,
    cooldown: Duration,
    pub prices: Arc<PriceTable>,
    /// Every deployment's credentials, to keep out of relayed upstream errors.
    pub redactor: Redactor,
    /// Model group -> the access groups its deployments belong to.
    access_groups: HashMap<String, Vec<String>>,
}

impl ModelRouter {
    /// A router over `models`, each with where it is defined. Deployments of `previous`
    /// whose definition is unchanged are kept as they are (in-flight counts, cooldowns).
    pub fn new(
        models: &[(ModelEntry, Origin)],
        settings: &RouterSettings,
        aliases: &BTreeMap<String, String>,
        prices: Arc<PriceTable>,
        previous: Option<&ModelRouter>,
    ) -> Self {
        let kept: HashMap<&str, &Arc<Deployment>> = previous
            .map(|p| p.groups.values().flat_map(|g| g.iter()).map(|d| (d.definition.as_str(), d)).collect())
            .unwrap_or_default();
        let mut groups: HashMap<String, Vec<Arc<Deployment>>> = HashMap::new();
        let mut names = Vec::new();
        for (index, (entry, origin)) in models.iter().enumerate() {
            let definition = definition(entry, *origin, index);
            let deployment = match kept.get(definition.as_str()) {
                Some(same) => Arc::clone(same),
                None => Arc::new(deployment(entry, *origin, index, settings, definition)),
            };
            if !groups.contains_key(&entry.model_name) {
                names.push(entry.model_name.clone());
            }
            groups.entry(entry.model_name.clone()).or_default().push(deployment);
        }
        let mut wildcards: Vec<(String, String)> =
            names.iter().filter_map(|n| n.strip_suffix('*').map(|prefix| (prefix.to_string(), n.clone()))).collect();
        wildcards.sort_by_key(|(prefix, _)| std::cmp::Reverse(prefix.len()));
        let redactor = Redactor::new(groups.values().flatten().flat_map(|d| {
            [d.api_key.as_deref(), d.api_base.as_ref().and_then(ApiBase::credential)].into_iter().flatten()
        }));
        let access_groups = groups
            .iter()
            .filter_map(|(name, deployments)| {
                let mut in_groups: Vec<String> =
                    deployments.iter().flat_map(|d| d.access_groups.iter().cloned()).collect();
                in_groups.sort();
                in_groups.dedup();
                (!in_groups.is_empty()).then(|| (name.clone(), in_groups))
            })
            .collect();
        Self {
            groups: groups.into_iter().map(|(k, v)| (k, Arc::new(v))).collect(),
            wildcards,
            aliases: aliases.clone(),
            names,
            strategy: settings.routing_strategy,
            num_retries: settings.num_retries,
            fallbacks: super::fallback::Fallbacks::new(settings),
            allowed_fails: settings.allowed_fails,
            cooldown: Duration::from_secs(settings.cooldown_time),
            prices,
            redactor,
            access_groups,
        }
    }

    /// The access groups the model group `group` belongs to (none for most).
    pub fn access_groups_of(&self, group: &str) -> &[String] {
        self.access_groups.get(group).map_or(&[], Vec::as_slice)
    }

    pub fn has_access_groups(&self) -> bool {
        !self.access_groups.is_empty()
    }

    /// The deployments of one public name, in the order they were defined.
    pub fn group(&self, name: &str) -> Option<&Arc<Vec<Arc<Deployment>>>> {
        self.groups.get(name)
    }

    /// The public names: configured model names and `model_group_alias` names.
    pub fn public_names(&self) -> Vec<String> {
        let mut names = self.names.clone();
        names.extend(self.aliases.keys().filter(|a| !self.groups.contains_key(*a)).cloned());
        names
    }

    pub fn all_deployments(&self) -> Vec<Arc<Deployment>> {
        self.names.iter().filter_map(|n| self.groups.get(n)).flat_map(|g| g.iter().cloned()).collect()
    }

    /// Resolves a public name (after the key's own aliases) to its deployments.
    pub fn resolve(&self, name: &str) -> Option<Route> {
        let name = self.aliases.get(name).map_or(name, String::as_str);
        if let Some(deployments) = self.groups.get(name) {
            return Some(Route { group: name.to_string(), deployments: deployments.clone(), wildcard: None });
        }
        let (prefix, group) = self.wildcards.iter().find(|(prefix, _)| name.starts_with(prefix.as_str()))?;
        let matched = name[prefix.len()..].to_string();
        if matched.is_empty() {
            return None;
        }
        let deployments = self.groups.get(group)?.clone();
        Some(Route { group: name.to_string(), deployments, wildcard: Some(matched) })
    }

    /// A deployment not tried yet and not cooling down; `None` when none is left.
    pub fn pick(&self, route: &Route, tried: &[usize]) -> Option<usize> {
        let now = Instant::now();
        let candidates: Vec<usize> = (0..route.deployments.len())
            .filter(|i| !tried.contains(i) && !route.deployments[*i].cooling_down(now))
            .collect();
        // With every deployment tried, a retry goes to the healthy ones again.
        let candidates = if candidates.is_empty() && !tried.is_empty() {
            (0..route.deployments.len()).filter(|i| !route.deployments[*i].cooling_down(now)).collect()
        } else {
            candidates
        };
        match candidates.len() {
            0 => None,
            1 => Some(candidates[0]),
            _ => Some(match self.strategy {
                RoutingStrategy::LeastBusy => {
                    let busy = |i: &usize| route.deployments[*i].in_flight.load(Ordering::Relaxed);
                    *candidates.iter().min_by_key(|i| busy(i)).unwrap_or(&candidates[0])
                }
                RoutingStrategy::SimpleShuffle => {
                    let total: u64 = candidates.iter().map(|i| route.deployments[*i].weight).sum();
                    let mut ticket = rand::rng().random_range(0..total.max(1));
                    let mut chosen = candidates[0];
                    for i in candidates {
                        let weight = route.deployments[i].weight;
                        if ticket < weight {
                            chosen = i;
                            break;
                        }
                        ticket -= weight;
                    }
                    chosen
                }
            }),
        }
    }

    /// Seconds until the first deployment of the route is out of cooldown.
    pub fn cooldown_left(&self, route: &Route) -> u64 {
        let now = Instant::now();
        route
            .deployments
            .iter()
            .filter_map(|d| d.failures.lock().cooldown_until)
            .map(|until| until.saturating_duration_since(now).as_secs().max(1))
            .min()
            .unwrap_or(1)
    }

    /// Counts a failure; past `allowed_fails` within a minute the deployment cools down
    /// (then the answer is true).
    pub fn record_failure(&self, deployment: &Deployment) -> bool {
        let now = Instant::now();
        let mut failures = deployment.failures.lock();
        if failures.window_start.is_none_or(|s| now.duration_since(s) >= Duration::from_secs(60)) {
            failures.window_start = Some(now);
            failures.count = 0;
        }
        failures.count += 1;
        if failures.count > self.allowed_fails {
            failures.cooldown_until = Some(now + self.cooldown);
            failures.count = 0;
            tracing::warn!(deployment = %deployment.id, seconds = self.cooldown.as_secs(), "deployment cools down after repeated failures");
            return true;
        }
        false
    }

    /// The price of a request: the deployment's configured prices, else the tables.
    pub fn price(&self, deployment: &Deployment, upstream_model: &str) -> Option<Price> {
        let table = self
            .prices
            .lookup(&deployment.litellm_model.replace('*', upstream_model))
            .or_else(|| self.prices.lookup(upstream_model))
            .or_else(|| self.prices.lookup(&deployment.model_name));
        match (deployment.input_cost, deployment.output_cost, table) {
            (None, None, None) => None,
            (input, output, table) => Some(Price {
                input: input.or(table.map(|t| t.input)).unwrap_or(0.0),
                output: output.or(table.map(|t| t.output)).unwrap_or(0.0),
                cache_read: deployment.cache_read_cost.or(table.and_then(|t| t.cache_read)),
                cache_creation: deployment.cache_creation_cost.or(table.and_then(|t| t.cache_creation)),
            }),
        }
    }
}

/// What identifies a deployment's definition: its entry, with the credentials the
/// serialised form masks.
fn definition(entry: &ModelEntry, origin: Origin, index: usize) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    // The position matters only to a deployment whose id is made from it.
    let position = if entry.model_info.id.is_none() { index.to_string() } else { String::new() };
    hash.update(format!("{origin:?}/{position}/"));
    hash.update(serde_json::to_string(entry).unwrap_or_default());
    hash.update([0]);
    hash.update(entry.litellm_params.api_key.as_ref().map_or("", |k| k.expose()));
    hash.update([0]);
    hash.update(entry.litellm_params.api_base.as_ref().map_or("", |b| b.expose()));
    hex::encode(hash.finalize())
}

fn deployment(
    entry: &ModelEntry,
    origin: Origin,
    index: usize,
    settings: &RouterSettings,
    definition: String,
) -> Deployment {
    let params = &entry.litellm_params;
    let (provider, upstream_model) = providers::for_model(&params.model);
    Deployment {
        id: entry.model_info.id.clone().unwrap_or_else(|| format!("{}-{index}", entry.model_name)),
        origin,
        model_name: entry.model_name.clone(),
        litellm_model: params.model.clone(),
        upstream_model,
        provider,
        api_base: params.api_base.clone(),
        api_key: params.api_key.as_ref().map(|k| k.expose().to_string()),
        api_version: params.api_version.clone(),
        timeout: Duration::from_secs(params.timeout.unwrap_or(settings.timeout)),
        weight: params.weight.or(params.rpm).unwrap_or(1).max(1),
        input_cost: params.input_cost_per_token.or(entry.model_info.input_cost_per_token),
        output_cost: params.output_cost_per_token.or(entry.model_info.output_cost_per_token),
        cache_read_cost: params.cache_read_input_token_cost.or(entry.model_info.cache_read_input_token_cost),
        cache_creation_cost: params
            .cache_creation_input_token_cost
            .or(entry.model_info.cache_creation_input_token_cost),
        mode: entry.model_info.mode.clone(),
        unit_cost: UnitPrice {
            per_image: entry.model_info.input_cost_per_image,
            per_second: entry.model_info.input_cost_per_second,
            per_character: entry.model_info.input_cost_per_character,
            per_query: entry.model_info.input_cost_per_query,
            per_pixel: None,
        },
        responses_api: super::responses::upstreams::has_responses_api(provider, entry),
        access_groups: entry.model_info.access_groups.clone(),
        rpm: params.rpm,
        tpm: params.tpm,
        in_flight: AtomicU64::new(0),
        failures: Mutex::new(Failures::default()),
        definition,
    }
}

impl Deployment {
    /// LiteLLM's `litellm_deployment_state`: 0 healthy, 1 failed within the last minute,
    /// 2 cooling down.
    pub fn state(&self) -> u8 {
        let now = Instant::now();
        let failures = self.failures.lock();
        if failures.cooldown_until.is_some_and(|until| until > now) {
            2
        } else if failures.count > 0
            && failures.window_start.is_some_and(|s| now.duration_since(s) < Duration::from_secs(60))
        {
            1
        } else {
            0
        }
    }

    fn cooling_down(&self, now: Instant) -> bool {
        self.failures.lock().cooldown_until.is_some_and(|until| until > now)
    }

    /// The dialect this deployment is sent a request of dialect `wanted` in: the provider's
    /// own, or the Responses API's where its server has one.
    pub fn dialect_for(&self, wanted: Dialect) -> Dialect {
        if wanted == Dialect::Responses && self.responses_api { Dialect::Responses } else { self.provider.dialect() }
    }

    /// What the deployment is for (LiteLLM's mode): its `model_info.mode`, else the
    /// table's for its model; `None` when neither says.
    pub fn mode_in<'a>(&'a self, prices: &'a PriceTable, upstream_model: &str) -> Option<&'a str> {
        if let Some(mode) = &self.mode {
            return Some(mode);
        }
        prices.mode(&self.litellm_model.replace('*', upstream_model)).or_else(|| prices.mode(upstream_model))
    }

    /// The model name to send upstream for a request routed through `route`.
    pub fn upstream_model_for(&self, route: &Route) -> String {
        match &route.wildcard {
            Some(matched) => self.upstream_model.replace('*', matched),
            None => self.upstream_model.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ModelInfo, ModelParams};

    fn entry(name: &str, model: &str, input: Option<f64>) -> ModelEntry {
        ModelEntry {
            model_name: name.into(),
            litellm_params: ModelParams { model: model.into(), input_cost_per_token: input, ..Default::default() },
            model_info: ModelInfo::default(),
        }
    }

    fn router(aliases: &[(&str, &str)]) -> ModelRouter {
        let models = [
            entry("gpt-4o", "openai/gpt-4o", None),
            entry("gpt-4o", "azure/eu-deployment", Some(1.0)),
            entry("openai/*", "openai/*", None),
            entry("local", "hosted_vllm/llama", None),
        ];
        let aliases = aliases.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        let models: Vec<_> = models.into_iter().map(|m| (m, Origin::Config)).collect();
        let prices = Arc::new(PriceTable::load(None).unwrap());
        ModelRouter::new(&models, &RouterSettings::default(), &aliases, prices, None)
    }

    #[test]
    fn resolves_names_aliases_and_wildcards() {
        let router = router(&[("smart", "gpt-4o")]);
        assert_eq!(router.resolve("gpt-4o").unwrap().deployments.len(), 2);
        assert_eq!(router.resolve("smart").unwrap().group, "gpt-4o");
        let wild = router.resolve("openai/gpt-4.1-mini").unwrap();
        assert_eq!(wild.deployments[0].upstream_model_for(&wild), "gpt-4.1-mini");
        assert!(router.resolve("openai/").is_none());
        assert!(router.resolve("nothing").is_none());
        assert_eq!(router.public_names(), vec!["gpt-4o", "openai/*", "local", "smart"]);
    }

    #[test]
    fn prices_prefer_the_deployment_then_the_table() {
        let router = router(&[]);
        let route = router.resolve("gpt-4o").unwrap();
        let table = router.price(&route.deployments[0], "gpt-4o").unwrap();
        assert_eq!(table, Price { input: 2.5e-6, output: 1e-5, ..Price::default() });
        // The configured input price wins; the output price still comes from the table.
        let azure = router.price(&route.deployments[1], "eu-deployment").unwrap();
        assert_eq!(azure, Price { input: 1.0, output: 1e-5, ..Price::default() });
        let wild = router.resolve("openai/gpt-4o-mini").unwrap();
        assert_eq!(router.price(&wild.deployments[0], "gpt-4o-mini").unwrap().input, 1.5e-7);
        let local = router.resolve("local").unwrap();
        assert!(router.price(&local.deployments[0], "llama").is_none(), "unpriced");
    }

    #[test]
    fn a_failing_deployment_cools_down_and_is_skipped() {
        let router = router(&[]);
        let route = router.resolve("gpt-4o").unwrap();
        for _ in 0..=RouterSettings::default().allowed_fails {
            router.record_failure(&route.deployments[0]);
        }
        for _ in 0..20 {
            assert_eq!(router.pick(&route, &[]), Some(1));
        }
        router.record_failure(&route.deployments[1]);
        for _ in 0..3 {
            router.record_failure(&route.deployments[1]);
        }
        assert_eq!(router.pick(&route, &[]), None, "every deployment cooling down");
    }

    #[test]
    fn a_rebuild_keeps_unchanged_deployments_with_their_state_and_replaces_changed_ones() {
        let with_id = |name: &str, model: &str, id: &str| {
            let mut e = entry(name, model, None);
            e.model_info.id = Some(id.into());
            (e, Origin::Stored)
        };
        let prices = Arc::new(PriceTable::load(None).unwrap());
        let settings = RouterSettings::default();
        let first = ModelRouter::new(
            &[with_id("a", "openai/a", "1"), with_id("b", "openai/b", "2")],
            &settings,
            &BTreeMap::new(),
            prices.clone(),
            None,
        );
        let b = first.resolve("b").unwrap().deployments[0].clone();
        for _ in 0..=settings.allowed_fails {
            first.record_failure(&b);
        }
        // "a" is deleted (so "b" moves up) and "c" changes model: "b" keeps its cooldown.
        let second = ModelRouter::new(
            &[with_id("b", "openai/b", "2"), with_id("c", "openai/c", "3")],
            &settings,
            &BTreeMap::new(),
            prices.clone(),
            Some(&first),
        );
        assert!(Arc::ptr_eq(&second.resolve("b").unwrap().deployments[0], &b));
        assert_eq!(second.pick(&second.resolve("b").unwrap(), &[]), None, "still cooling down");
        let third = ModelRouter::new(
            &[with_id("b", "openai/b2", "2"), with_id("c", "openai/c", "3")],
            &settings,
            &BTreeMap::new(),
            prices,
            Some(&second),
        );
        let changed = third.resolve("b").unwrap();
        assert!(!Arc::ptr_eq(&changed.deployments[0], &b), "a changed definition is a new deployment");
        assert_eq!(changed.deployments[0].upstream_model, "b2");
        assert!(Arc::ptr_eq(&third.resolve("c").unwrap().deployments[0], &second.resolve("c").unwrap().deployments[0]));
    }
}
