//! Slow and hanging upstream calls, LiteLLM's `llm_too_slow` (a call that answered after
//! `alerting_threshold` seconds) and `llm_requests_hanging` (a call still unanswered after
//! them). Both are told per deployment by [`super::Watch`]; this file owns the pure parts:
//! the table of calls waiting for their upstream and the alerts' wording.
//!
//! The waiting calls sit in a fixed table of start times per deployment, claimed with one
//! compare-and-swap and freed with one store (a request never takes a lock or allocates
//! for it). When every probed slot is taken the call goes untracked: with that many calls
//! waiting on one deployment, a hang shows in the others.

use super::Alert;
use serde_json::{Value, json};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Waiting calls tracked per deployment.
pub const SLOTS: usize = 64;
/// Slots tried before a call goes untracked.
const PROBES: usize = 16;

/// The calls waiting for one deployment: each slot holds a start time in milliseconds
/// (from the watch's epoch, never 0), or 0 when free.
#[derive(Debug)]
pub struct Slots {
    started: [AtomicU64; SLOTS],
    next: AtomicUsize,
}

impl Default for Slots {
    fn default() -> Self {
        Self { started: std::array::from_fn(|_| AtomicU64::new(0)), next: AtomicUsize::new(0) }
    }
}

impl Slots {
    /// Takes a free slot for a call started at `now_ms` (> 0).
    pub fn enter(&self, now_ms: u64) -> Option<usize> {
        let first = self.next.fetch_add(1, Ordering::Relaxed);
        (0..PROBES).map(|i| (first + i) % SLOTS).find(|&slot| {
            let cell = &self.started[slot];
            cell.load(Ordering::Relaxed) == 0
                && cell.compare_exchange(0, now_ms, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        })
    }

    /// The call in `slot` ended (answered, failed or given up by its client).
    pub fn leave(&self, slot: usize) {
        if let Some(cell) = self.started.get(slot) {
            cell.store(0, Ordering::Relaxed);
        }
    }

    /// How many calls have waited longer than `threshold_ms` at `now_ms`, and the
    /// longest wait in milliseconds.
    pub fn hanging(&self, now_ms: u64, threshold_ms: u64) -> (usize, u64) {
        self.started
            .iter()
            .map(|cell| cell.load(Ordering::Relaxed))
            .filter(|&start| start != 0 && now_ms.saturating_sub(start) > threshold_ms)
            .fold((0, 0), |(count, longest), start| (count + 1, longest.max(now_ms - start)))
    }
}

/// The request behind a slow answer, for its alert.
#[derive(Debug, Clone, PartialEq)]
pub struct SlowCall {
    /// The model sent upstream.
    pub model: String,
    pub key_alias: Option<String>,
    pub team_alias: Option<String>,
    /// From sending the call to the end of its answer.
    pub seconds: f64,
}

/// What names a deployment in an alert.
pub struct Deployment<'a> {
    pub id: &'a str,
    pub model_group: &'a str,
    /// `litellm_params.model`.
    pub model: &'a str,
    /// Masked.
    pub api_base: &'a str,
}

impl Deployment<'_> {
    fn fields(&self, threshold: f64) -> Value {
        json!({"model_id": self.id, "model_group": self.model_group, "model": self.model,
            "api_base": self.api_base, "event_group": "deployment", "alerting_threshold": threshold})
    }
}

/// Rounds to hundredths, as LiteLLM's message does.
fn round2(seconds: f64) -> f64 {
    (seconds * 100.0).round() / 100.0
}

/// `llm_too_slow`, at most once per deployment and `period`.
pub fn too_slow(deployment: &Deployment<'_>, call: &SlowCall, threshold: f64, period: &str) -> Alert {
    let alias = |a: &Option<String>| a.clone().unwrap_or_else(|| "None".into());
    let message = format!(
        "`Responses are slow - {}s response time > Alerting threshold: {threshold}s`\nRequest Model: `{}`\nAPI Base: `{}`\nKey Alias: `{}`\nTeam Alias: `{}`\nDeployment: `{}` of model group `{}`",
        round2(call.seconds),
        call.model,
        deployment.api_base,
        alias(&call.key_alias),
        alias(&call.team_alias),
        deployment.id,
        deployment.model_group,
    );
    let mut fields = deployment.fields(threshold);
    if let Some(object) = fields.as_object_mut() {
        object.insert("request_model".into(), call.model.clone().into());
        object.insert("key_alias".into(), call.key_alias.clone().into());
        object.insert("team_alias".into(), call.team_alias.clone().into());
        object.insert("response_time".into(), round2(call.seconds).into());
    }
    Alert {
        alert_type: "llm_too_slow",
        event: "llm_too_slow".into(),
        dedupe: format!("llm_too_slow:{}:{period}", deployment.id),
        message,
        fields,
        owners: Vec::new(),
    }
}

/// `llm_requests_hanging`: `count` calls waiting longer than the threshold, the longest
/// for `longest` seconds; at most once per deployment and `period`.
pub fn hanging(deployment: &Deployment<'_>, (count, longest): (usize, f64), threshold: f64, period: &str) -> Alert {
    let message = format!(
        "`Requests are hanging - {threshold}s+ request time`\nRequest Model: `{}`\nAPI Base: `{}`\nDeployment: `{}` of model group `{}`\nWaiting: {count} request(s), the longest for {}s",
        deployment.model,
        deployment.api_base,
        deployment.id,
        deployment.model_group,
        round2(longest),
    );
    let mut fields = deployment.fields(threshold);
    if let Some(object) = fields.as_object_mut() {
        object.insert("hanging_requests".into(), count.into());
        object.insert("longest_wait".into(), round2(longest).into());
    }
    Alert {
        alert_type: "llm_requests_hanging",
        event: "llm_requests_hanging".into(),
        dedupe: format!("llm_requests_hanging:{}:{period}", deployment.id),
        message,
        fields,
        owners: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slot_is_held_until_left_and_only_old_ones_hang() {
        let slots = Slots::default();
        let old = slots.enter(1_000).unwrap();
        let young = slots.enter(9_000).unwrap();
        assert_ne!(old, young);
        assert_eq!(slots.hanging(10_000, 5_000), (1, 9_000));
        slots.leave(old);
        assert_eq!(slots.hanging(10_000, 5_000), (0, 0));
        assert_eq!(slots.hanging(20_000, 5_000), (1, 11_000), "the young one grew old");
        slots.leave(young);
        assert_eq!(slots.hanging(20_000, 5_000), (0, 0));
    }

    #[test]
    fn a_full_table_leaves_further_calls_untracked() {
        let slots = Slots::default();
        let mut taken: Vec<usize> = (0..SLOTS).filter_map(|_| slots.enter(5)).collect();
        taken.sort_unstable();
        taken.dedup();
        assert_eq!(taken.len(), SLOTS, "each call has its own slot");
        assert_eq!(slots.enter(5), None);
        slots.leave(3);
        assert_eq!(slots.hanging(100, 10).0, SLOTS - 1);
    }

    #[test]
    fn messages_follow_litellm_s_wording() {
        let deployment = Deployment { id: "d1", model_group: "gpt", model: "openai/gpt-4o", api_base: "https://x/v1" };
        let call = SlowCall { model: "gpt-4o".into(), key_alias: Some("ci".into()), team_alias: None, seconds: 7.256 };
        let slow = too_slow(&deployment, &call, 5.0, "2026-01-01T10");
        assert!(
            slow.message.starts_with("`Responses are slow - 7.26s response time > Alerting threshold: 5s`"),
            "{}",
            slow.message
        );
        assert!(slow.message.contains("Key Alias: `ci`") && slow.message.contains("Team Alias: `None`"));
        assert_eq!(slow.dedupe, "llm_too_slow:d1:2026-01-01T10");
        let hung = hanging(&deployment, (2, 12.0), 0.5, "h");
        assert!(hung.message.starts_with("`Requests are hanging - 0.5s+ request time`"), "{}", hung.message);
        assert_eq!(hung.fields["hanging_requests"], 2);
    }
}
