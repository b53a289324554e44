//! Deployment alerts: a deployment sent into cooldown, failing `alert_deployment_failures`
//! times in a row, or answered 401/403 (its provider key was revoked or lacks a right).
//!
//! The gateway tells the [`Watch`] about every upstream call's outcome through a few
//! relaxed atomics per deployment (no lock, no allocation: this is the hot path); the
//! periodic check compares the counters with what it saw last and files an alert per
//! deployment and hour (401/403: per day) at most. Counters live in memory: what happened
//! in the last moments before a restart may go unreported; an alert filed is never lost.

use super::Alert;
use crate::gateway::ModelRouter;
use arc_swap::ArcSwap;
use chrono::{DateTime, Utc};
use parking_lot::Mutex;
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

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
}

/// What the check saw last of one deployment.
#[derive(Default, Clone, Copy)]
struct Seen {
    streaks: u64,
    cooldowns: u64,
    refusals: u64,
}

/// Every deployment's counters. The map is replaced whole when models are added at run
/// time (`track`), so finding a deployment's counters takes no lock.
pub struct Watch {
    counters: ArcSwap<HashMap<String, Arc<Counters>>>,
    /// Failures in a row that make an alert.
    threshold: u32,
    seen: Mutex<HashMap<String, Seen>>,
}

impl Watch {
    pub fn new(router: &ModelRouter, threshold: u32) -> Self {
        let watch = Watch { counters: ArcSwap::default(), threshold: threshold.max(1), seen: Mutex::default() };
        watch.track(router);
        watch
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
            let now_seen = Seen {
                streaks: c.streaks.load(Ordering::Relaxed),
                cooldowns: c.cooldowns.load(Ordering::Relaxed),
                refusals: c.refusals.load(Ordering::Relaxed),
            };
            let before = seen.insert(deployment.id.clone(), now_seen).unwrap_or_default();
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
}
