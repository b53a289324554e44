//! Deployment alerts: a deployment sent into cooldown, failing `alert_deployment_failures`
//! times in a row, answered 401/403 (its provider key was revoked or lacks a right), or
//! slower than `alerting_threshold`: a call that answered after it, or one still waiting
//! for its upstream when the check runs (`slow.rs`).
//!
//! The gateway tells the [`Watch`] about every upstream call's outcome through a few
//! relaxed atomics per deployment (no lock, no allocation: this is the hot path); the
//! periodic check compares the counters with what it saw last and files an alert per
//! deployment and hour (401/403: per day) at most. Slow and hanging calls cost a request
//! nothing while their alert types are off. Counters live in memory: what happened
//! in the last moments before a restart may go unreported; an alert filed is never lost.

use super::Alert;
use super::slow::{self, Slots, SlowCall};
use crate::config::GeneralSettings;
use crate::gateway::{Deployment, ModelRouter};
use crate::metrics::label_hash::LabelHash;
use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Counters {
    /// Failed calls since the last success.
    streak: AtomicU32,
    /// Times `streak` reached the alert's count.
    streaks: AtomicU64,
    cooldowns: AtomicU64,
    /// Upstream answers 401 or 403.
    refusals: AtomicU64,
    /// The last failure's status.
    last_status: AtomicU32,
    /// Calls that answered after the threshold, and the last one's request.
    slow: AtomicU64,
    last_slow: Mutex<Option<SlowCall>>,
    /// The calls waiting for their upstream.
    waiting: Slots,
}

/// What the check saw last of one deployment.
#[derive(Default, Clone)]
struct Seen {
    streaks: u64,
    cooldowns: u64,
    refusals: u64,
    slow: u64,
    /// The hour of the last hanging alert.
    hung: String,
}

/// Holds a call's slot among its deployment's waiting calls until dropped.
pub struct Waiting(Option<(Arc<Counters>, usize)>);

impl Drop for Waiting {
    fn drop(&mut self) {
        if let Some((counters, slot)) = &self.0 {
            counters.waiting.leave(*slot);
        }
    }
}

/// Every deployment's counters. The map is replaced whole when models are added at run
/// time (`track`), so finding a deployment's counters takes no lock; its keys are the
/// configured deployment ids, so the fast hash of the metrics does for them.
pub struct Watch {
    counters: ArcSwap<HashMap<String, Arc<Counters>, LabelHash>>,
    /// Failures in a row that make an alert.
    threshold: u32,
    /// `alerting_threshold`, in seconds.
    slow_after: f64,
    /// Whether `llm_too_slow` and `llm_requests_hanging` are sent.
    watch_slow: bool,
    watch_hanging: bool,
    /// Time zero of the waiting calls' start times.
    epoch: Instant,
    seen: Mutex<HashMap<String, Seen>>,
}

impl Watch {
    pub fn new(router: &ModelRouter, general: &GeneralSettings) -> Self {
        let watch = Watch {
            counters: ArcSwap::default(),
            threshold: general.alert_deployment_failures.max(1),
            slow_after: general.alerting_threshold,
            watch_slow: super::wanted_by(general, "llm_too_slow"),
            watch_hanging: super::wanted_by(general, "llm_requests_hanging"),
            epoch: Instant::now(),
            seen: Mutex::default(),
        };
        watch.track(router);
        watch
    }

    /// Milliseconds since the epoch, never 0 (a free slot).
    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX - 1) + 1
    }

    /// A call to `deployment` is sent: it waits until the guard is dropped.
    pub fn waiting(&self, deployment: &str) -> Waiting {
        if !self.watch_hanging {
            return Waiting(None);
        }
        let counters = self.counters.load();
        Waiting(counters.get(deployment).and_then(|c| Some((c.clone(), c.waiting.enter(self.now_ms())?))))
    }

    /// Whether a call that took `took` is slow (and `slow` wants to hear of it).
    pub fn is_slow(&self, took: Duration) -> bool {
        self.watch_slow && took.as_secs_f64() > self.slow_after
    }

    /// A call to `deployment` answered slowly.
    pub fn slow(&self, deployment: &str, call: SlowCall) {
        if let Some(c) = self.counters.load().get(deployment) {
            *c.last_slow.lock() = Some(call);
            c.slow.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Counts the deployments of `router` too (those added since keep no history).
    pub fn track(&self, router: &ModelRouter) {
        self.counters.rcu(|old| {
            let mut counters = HashMap::clone(old);
            for d in router.all_deployments() {
                counters.entry(d.id.clone()).or_default();
            }
            counters
        });
    }

    /// The deployment answered.
    pub fn answered(&self, deployment: &str) {
        if let Some(c) = self.counters.load().get(deployment)
            && c.streak.load(Ordering::Relaxed) != 0
        {
            c.streak.store(0, Ordering::Relaxed);
        }
    }

    /// An upstream call failed with `status`; `cooled` when that sent it into cooldown.
    /// Other 4xx than 401, 403, 408 and 429 are the client's doing and do not count.
    pub fn failed(&self, deployment: &str, status: u16, cooled: bool) {
        let counters = self.counters.load();
        let Some(c) = counters.get(deployment) else { return };
        if cooled {
            c.cooldowns.fetch_add(1, Ordering::Relaxed);
        }
        if matches!(status, 401 | 403) {
            c.refusals.fetch_add(1, Ordering::Relaxed);
        }
        if (400..500).contains(&status) && !matches!(status, 401 | 403 | 408 | 429) {
            return;
        }
        c.last_status.store(u32::from(status), Ordering::Relaxed);
        if c.streak.fetch_add(1, Ordering::Relaxed) + 1 == self.threshold {
            c.streaks.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The alerts for what happened since the last check.
    pub fn check(&self, router: &ModelRouter, now: DateTime<Utc>) -> Vec<Alert> {
        let hour = now.format("%Y-%m-%dT%H").to_string();
        let day = now.format("%Y-%m-%d").to_string();
        let mut seen = self.seen.lock();
        let mut alerts = Vec::new();
        let counters = self.counters.load();
        for deployment in router.all_deployments() {
            let Some(c) = counters.get(&deployment.id) else { continue };
            let before = seen.get(&deployment.id).cloned().unwrap_or_default();
            let mut now_seen = Seen {
                streaks: c.streaks.load(Ordering::Relaxed),
                cooldowns: c.cooldowns.load(Ordering::Relaxed),
                refusals: c.refusals.load(Ordering::Relaxed),
                slow: c.slow.load(Ordering::Relaxed),
                hung: before.hung.clone(),
            };
            alerts.extend(self.slow_alerts(&deployment, c, &before, &mut now_seen, &hour));
            seen.insert(deployment.id.clone(), now_seen.clone());
            let id = &deployment.id;
            let name = format!("{} ({})", deployment.model_name, id);
            let fields = json!({"model_id": id, "model_group": deployment.model_name, "model": deployment.litellm_model,
                "event_group": "deployment", "last_status": c.last_status.load(Ordering::Relaxed)});
            let mut alert = |alert_type: &'static str, period: &str, message: String| {
                alerts.push(Alert {
                    alert_type,
                    event: alert_type.into(),
                    dedupe: format!("{alert_type}:{id}:{period}"),
                    message,
                    fields: fields.clone(),
                    owners: Vec::new(),
                });
            };
            if now_seen.cooldowns > before.cooldowns {
                alert(
                    "cooldown_deployment",
                    &hour,
                    format!("The deployment {name} is cooling down after repeated failures."),
                );
            }
            if now_seen.streaks > before.streaks {
                alert(
                    "outage_alerts",
                    &hour,
                    format!(
                        "The deployment {name} failed {} times in a row (last status {}).",
                        self.threshold,
                        c.last_status.load(Ordering::Relaxed)
                    ),
                );
            }
            if now_seen.refusals > before.refusals {
                alert(
                    "llm_exceptions",
                    &day,
                    format!("The upstream of {name} refused the proxy's credentials (401/403): check its api_key."),
                );
            }
        }
        alerts
    }

    /// `llm_too_slow` when a call answered slowly since the last check, and
    /// `llm_requests_hanging` when calls wait past the threshold (once per hour: the
    /// waiting calls are no counter that moves).
    fn slow_alerts(
        &self,
        deployment: &Deployment,
        c: &Counters,
        before: &Seen,
        now_seen: &mut Seen,
        hour: &str,
    ) -> Vec<Alert> {
        let slow_call = if now_seen.slow > before.slow { c.last_slow.lock().clone() } else { None };
        let hanging = if self.watch_hanging && before.hung != hour {
            let threshold_ms = (self.slow_after * 1000.0) as u64;
            c.waiting.hanging(self.now_ms(), threshold_ms)
        } else {
            (0, 0)
        };
        if slow_call.is_none() && hanging.0 == 0 {
            return Vec::new();
        }
        let api_base = deployment.api_base.as_ref().map(crate::config::ApiBase::masked).unwrap_or_default();
        let named = slow::Deployment {
            id: &deployment.id,
            model_group: &deployment.model_name,
            model: &deployment.litellm_model,
            api_base: &api_base,
        };
        let mut alerts = Vec::new();
        if let Some(call) = slow_call {
            alerts.push(slow::too_slow(&named, &call, self.slow_after, hour));
        }
        if hanging.0 > 0 {
            alerts.push(slow::hanging(&named, (hanging.0, hanging.1 as f64 / 1000.0), self.slow_after, hour));
            now_seen.hung = hour.to_string();
        }
        alerts
    }
}
