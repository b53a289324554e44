//! The counters of model requests, kept per label set ("series"): who asked (key, team,
//! user), for what (requested model, model group, deployment) and on which route. A
//! request finds its series by one hash lookup under a read lock (a fast hash,
//! `label_hash`) and adds to its atomics while holding it, so it touches no reference
//! count; a new label set takes the write lock once. Labels that follow from others
//! (a team's alias) are looked up when scraped, not per request. The number of series is
//! capped: past the cap, requests are counted in one series without labels, so a flood of
//! new keys or model names cannot grow memory or a scrape without bound.

use super::histogram::Histogram;
use super::label_hash::{LabelHash, PassThrough};
use crate::config::ApiBase;
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

/// The most label sets kept; further ones share the overflow series.
pub const MAX_SERIES: usize = 10_000;

/// A request's labels, borrowed from the request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Who<'a> {
    pub route: &'static str,
    pub key_hash: &'a str,
    pub key_alias: &'a str,
    pub team: &'a str,
    pub user: &'a str,
    /// The model the client named (`other` when it names none the proxy serves).
    pub requested_model: &'a str,
    pub model_group: &'a str,
    /// The model sent upstream.
    pub model: &'a str,
    pub deployment: Option<DeploymentLabels<'a>>,
}

/// The labels of the deployment a request went to.
#[derive(Debug, Clone, Copy)]
pub struct DeploymentLabels<'a> {
    pub model_id: &'a str,
    /// `litellm_params.model` (`openai/gpt-4o`).
    pub litellm_model_name: &'a str,
    pub api_provider: &'a str,
    /// Masked only when a new series is made (masking allocates).
    pub api_base: Option<&'a ApiBase>,
}

/// A series' labels, owned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    pub route: &'static str,
    pub key_hash: String,
    pub key_alias: String,
    pub team: String,
    pub user: String,
    pub requested_model: String,
    pub model_group: String,
    pub model: String,
    pub model_id: String,
    pub litellm_model_name: String,
    pub api_provider: String,
    pub api_base: String,
}

impl Who<'_> {
    fn hash_with(&self, hasher: &LabelHash) -> u64 {
        let mut h = hasher.build_hasher();
        self.route.hash(&mut h);
        for part in
            [self.key_hash, self.key_alias, self.team, self.user, self.requested_model, self.model_group, self.model]
        {
            part.hash(&mut h);
        }
        self.deployment.map(|d| d.model_id).hash(&mut h);
        h.finish()
    }

    fn matches(&self, id: &Identity) -> bool {
        self.route == id.route
            && self.key_hash == id.key_hash
            && self.key_alias == id.key_alias
            && self.team == id.team
            && self.user == id.user
            && self.requested_model == id.requested_model
            && self.model_group == id.model_group
            && self.model == id.model
            && self.deployment.map_or("", |d| d.model_id) == id.model_id
    }

    fn owned(&self) -> Identity {
        let d = self.deployment;
        Identity {
            route: self.route,
            key_hash: self.key_hash.into(),
            key_alias: self.key_alias.into(),
            team: self.team.into(),
            user: self.user.into(),
            requested_model: self.requested_model.into(),
            model_group: self.model_group.into(),
            model: self.model.into(),
            model_id: d.map(|d| d.model_id.to_string()).unwrap_or_default(),
            litellm_model_name: d.map(|d| d.litellm_model_name.to_string()).unwrap_or_default(),
            api_provider: d.map(|d| d.api_provider.to_string()).unwrap_or_default(),
            api_base: d.and_then(|d| d.api_base).map(ApiBase::masked).unwrap_or_default(),
        }
    }
}

/// What is known of an answered request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Answer {
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost: f64,
    /// From the request's arrival to its answer (for a stream: its end).
    pub total: Duration,
    /// The upstream call, from sending it to the end of its answer.
    pub api: Option<Duration>,
    /// Streams: from sending the upstream call to its first chunk.
    pub first_token: Option<Duration>,
}

/// An outcome other than a plain answer, counted per kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The client got an error (`litellm_proxy_failed_requests_metric`).
    Failed { status: u16, class: String },
    /// An upstream call failed (`litellm_deployment_failure_responses`).
    DeploymentFailed { status: u16, class: String },
    /// That failure sent the deployment into cooldown.
    CooledDown { status: u16 },
}

/// The counters of one label set.
#[derive(Debug, Default)]
pub struct Series {
    pub identity: Identity,
    pub answered: AtomicU64,
    pub input_tokens: AtomicU64,
    pub output_tokens: AtomicU64,
    /// Spend in USD, as the bits of an f64.
    spend: AtomicU64,
    pub total_latency: Histogram,
    pub api_latency: Histogram,
    pub first_token: Histogram,
    pub overhead: Histogram,
    pub outcomes: Mutex<Vec<(Outcome, u64)>>,
}

impl Series {
    pub fn spend(&self) -> f64 {
        f64::from_bits(self.spend.load(Ordering::Relaxed))
    }

    fn add_spend(&self, cost: f64) {
        if cost == 0.0 || !cost.is_finite() {
            return;
        }
        let _ = self
            .spend
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |bits| Some((f64::from_bits(bits) + cost).to_bits()));
    }

    fn count(&self, outcome: Outcome) {
        let mut outcomes = self.outcomes.lock();
        match outcomes.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, n)) => *n += 1,
            None => outcomes.push((outcome, 1)),
        }
    }
}

/// Every series, by the hash of its labels.
pub struct Registry {
    hasher: LabelHash,
    series: RwLock<HashMap<u64, Vec<Arc<Series>>, PassThrough>>,
    count: AtomicUsize,
    overflow: Arc<Series>,
    max_series: usize,
    /// False with `disable_metrics`: nothing is counted.
    enabled: bool,
}

impl Default for Registry {
    fn default() -> Self {
        Self::with_capacity(MAX_SERIES)
    }
}

impl Registry {
    pub fn with_capacity(max_series: usize) -> Self {
        Self {
            hasher: LabelHash::default(),
            series: RwLock::new(HashMap::with_capacity_and_hasher(256, PassThrough)),
            count: AtomicUsize::new(0),
            overflow: Arc::new(Series::default()),
            max_series,
            enabled: true,
        }
    }

    /// A registry that counts nothing (`disable_metrics`).
    pub fn disabled() -> Self {
        Self { enabled: false, ..Self::default() }
    }

    /// Whether requests are counted; callers skip preparing labels when not.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Runs `add` on the series of `who`, made when new (or on the overflow series past
    /// the cap).
    fn with_series(&self, who: &Who<'_>, add: impl FnOnce(&Series)) {
        let hash = who.hash_with(&self.hasher);
        {
            let map = self.series.read();
            if let Some(found) = map.get(&hash).and_then(|v| v.iter().find(|s| who.matches(&s.identity))) {
                return add(found);
            }
        }
        let mut map = self.series.write();
        let bucket = map.entry(hash).or_default();
        if let Some(found) = bucket.iter().find(|s| who.matches(&s.identity)) {
            return add(found);
        }
        if self.count.load(Ordering::Relaxed) >= self.max_series {
            return add(&self.overflow);
        }
        if self.count.fetch_add(1, Ordering::Relaxed) + 1 == self.max_series {
            tracing::warn!(
                max = self.max_series,
                "metrics: too many label sets; further ones are counted without labels"
            );
        }
        let series = Arc::new(Series { identity: who.owned(), ..Series::default() });
        add(&series);
        bucket.push(series);
    }

    /// An answered request.
    pub fn answered(&self, who: &Who<'_>, answer: &Answer) {
        if !self.enabled {
            return;
        }
        self.with_series(who, |series| {
            series.answered.fetch_add(1, Ordering::Relaxed);
            series.input_tokens.fetch_add(answer.input_tokens, Ordering::Relaxed);
            series.output_tokens.fetch_add(answer.output_tokens, Ordering::Relaxed);
            series.add_spend(answer.cost);
            series.total_latency.observe(answer.total);
            if let Some(api) = answer.api {
                series.api_latency.observe(api);
                series.overhead.observe(answer.total.saturating_sub(api));
            }
            if let Some(first) = answer.first_token {
                series.first_token.observe(first);
            }
        });
    }

    /// A request answered with an error.
    pub fn failed(&self, who: &Who<'_>, status: u16, class: &str) {
        if !self.enabled {
            return;
        }
        self.with_series(who, |series| series.count(Outcome::Failed { status, class: class.to_string() }));
    }

    /// A failed upstream call; `cooled` when it sent the deployment into cooldown.
    pub fn deployment_failed(&self, who: &Who<'_>, status: u16, class: &str, cooled: bool) {
        if !self.enabled {
            return;
        }
        self.with_series(who, |series| {
            series.count(Outcome::DeploymentFailed { status, class: class.to_string() });
            if cooled {
                series.count(Outcome::CooledDown { status });
            }
        });
    }

    /// Every series (the overflow one last, when used).
    pub fn all(&self) -> Vec<Arc<Series>> {
        let mut all: Vec<Arc<Series>> = self.series.read().values().flatten().cloned().collect();
        let overflow_used =
            self.overflow.answered.load(Ordering::Relaxed) > 0 || !self.overflow.outcomes.lock().is_empty();
        if overflow_used {
            all.push(self.overflow.clone());
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(key: &'static str) -> Who<'static> {
        Who { route: "/v1/chat/completions", key_hash: key, requested_model: "m", model_group: "m", ..Who::default() }
    }

    #[test]
    fn the_same_labels_find_the_same_series() {
        let registry = Registry::default();
        registry.answered(&who("a"), &Answer { input_tokens: 3, output_tokens: 4, cost: 0.5, ..Answer::default() });
        registry.answered(&who("a"), &Answer { input_tokens: 1, cost: 0.25, ..Answer::default() });
        registry.failed(&who("b"), 429, "RateLimitError");
        registry.failed(&who("b"), 429, "RateLimitError");
        let all = registry.all();
        assert_eq!(all.len(), 2);
        let a = all.iter().find(|s| s.identity.key_hash == "a").unwrap();
        assert_eq!(a.answered.load(Ordering::Relaxed), 2);
        assert_eq!(a.input_tokens.load(Ordering::Relaxed), 4);
        assert_eq!(a.spend(), 0.75);
        let b = all.iter().find(|s| s.identity.key_hash == "b").unwrap();
        assert_eq!(*b.outcomes.lock(), vec![(Outcome::Failed { status: 429, class: "RateLimitError".into() }, 2)]);
    }

    #[test]
    fn past_the_cap_requests_share_one_series_without_labels() {
        let registry = Registry::with_capacity(2);
        for key in ["a", "b", "c", "d"] {
            registry.answered(&who(key), &Answer::default());
        }
        let all = registry.all();
        assert_eq!(all.len(), 3);
        let overflow = all.iter().find(|s| s.identity.key_hash.is_empty()).unwrap();
        assert_eq!(overflow.answered.load(Ordering::Relaxed), 2);
    }
}
