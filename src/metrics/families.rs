//! LiteLLM's metric families, drawn from the series at scrape time. Each family names its
//! labels in LiteLLM's order (`litellm/types/integrations/prometheus.py`), leaving out
//! those LiteLLM leaves empty by default or that would grow without bound (`end_user`,
//! `user_email`, `client_ip`, `user_agent`, `service_tier`, organisations); labels named in
//! `prometheus_exclude_labels` are dropped too, and the series that then look alike are
//! added up (gauges: the first is kept).

use super::exposition::{Kind, header, histogram, sample};
use super::histogram::{Histogram, LATENCY_BUCKETS};
use super::registry::{Outcome, Series};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Every label name a family here may carry: `prometheus_exclude_labels` may name these.
pub const LABELS: &[&str] = &[
    "hashed_api_key",
    "api_key_alias",
    "team",
    "team_alias",
    "user",
    "requested_model",
    "model_group",
    "model",
    "litellm_model_name",
    "model_id",
    "api_base",
    "api_provider",
    "route",
    "status_code",
    "exception_status",
    "exception_class",
];

const REQUEST: &[&str] = &[
    "hashed_api_key",
    "api_key_alias",
    "requested_model",
    "team",
    "team_alias",
    "user",
    "status_code",
    "route",
    "model_id",
    "api_provider",
];
const FAILED: &[&str] = &[
    "hashed_api_key",
    "api_key_alias",
    "requested_model",
    "team",
    "team_alias",
    "user",
    "exception_status",
    "exception_class",
    "route",
    "model_id",
    "api_provider",
];
const TOTAL_LATENCY: &[&str] = &[
    "model_group",
    "hashed_api_key",
    "api_key_alias",
    "requested_model",
    "team",
    "team_alias",
    "user",
    "model",
    "model_id",
    "api_provider",
];
const API_LATENCY: &[&str] = &[
    "model_group",
    "model",
    "hashed_api_key",
    "api_key_alias",
    "team",
    "team_alias",
    "requested_model",
    "user",
    "model_id",
    "api_provider",
];
const OVERHEAD: &[&str] =
    &["model_group", "api_provider", "api_base", "litellm_model_name", "hashed_api_key", "api_key_alias", "model_id"];
const USAGE: &[&str] = &[
    "hashed_api_key",
    "api_key_alias",
    "model",
    "team",
    "team_alias",
    "user",
    "requested_model",
    "model_id",
    "api_provider",
];
const DEPLOYMENT: &[&str] = &[
    "model_group",
    "requested_model",
    "litellm_model_name",
    "model_id",
    "api_base",
    "api_provider",
    "hashed_api_key",
    "api_key_alias",
    "team",
    "team_alias",
];
const DEPLOYMENT_FAILED: &[&str] = &[
    "model_group",
    "requested_model",
    "litellm_model_name",
    "model_id",
    "api_base",
    "api_provider",
    "exception_status",
    "exception_class",
    "hashed_api_key",
    "api_key_alias",
    "team",
    "team_alias",
];
pub const DEPLOYMENT_STATE: &[&str] = &["litellm_model_name", "model_id", "api_base", "api_provider"];
const COOLED_DOWN: &[&str] = &["litellm_model_name", "model_id", "api_base", "api_provider", "exception_status"];

/// What the families need besides the series.
pub struct Context<'a> {
    pub excluded: &'a [String],
    /// A team's alias by its id.
    pub team_alias: &'a dyn Fn(&str) -> String,
}

impl Context<'_> {
    /// The labels of `names` that are not excluded.
    pub fn kept<'n>(&self, names: &[&'n str]) -> Vec<&'n str> {
        names.iter().copied().filter(|n| !self.excluded.iter().any(|e| e == n)).collect()
    }
}

/// One series' label values; `status`/`class` for the outcome being written.
fn value(series: &Series, name: &str, status: u16, class: &str, ctx: &Context<'_>) -> String {
    let id = &series.identity;
    match name {
        "hashed_api_key" => id.key_hash.clone(),
        "api_key_alias" => id.key_alias.clone(),
        "team" => id.team.clone(),
        "team_alias" if id.team.is_empty() => String::new(),
        "team_alias" => (ctx.team_alias)(&id.team),
        "user" => id.user.clone(),
        "requested_model" => id.requested_model.clone(),
        "model_group" => id.model_group.clone(),
        "model" => id.model.clone(),
        "litellm_model_name" => id.litellm_model_name.clone(),
        "model_id" => id.model_id.clone(),
        "api_base" => id.api_base.clone(),
        "api_provider" => id.api_provider.clone(),
        "route" => id.route.to_string(),
        "status_code" | "exception_status" => status.to_string(),
        "exception_class" => class.to_string(),
        _ => String::new(),
    }
}

type Key = Vec<String>;

/// A series' counts for one family: (status, class, value) per sample.
type Rows = Vec<(u16, String, f64)>;

fn key(series: &Series, labels: &[&str], status: u16, class: &str, ctx: &Context<'_>) -> Key {
    labels.iter().map(|n| value(series, n, status, class, ctx)).collect()
}

fn write_counter(out: &mut String, name: &str, help: &str, labels: &[&str], values: BTreeMap<Key, f64>) {
    header(out, name, help, Kind::Counter);
    let total = format!("{name}_total");
    for (key, value) in values {
        let pairs: Vec<(&str, &str)> = labels.iter().copied().zip(key.iter().map(String::as_str)).collect();
        sample(out, &total, &pairs, value);
    }
}

/// A counter family summed from every series.
fn counter(
    out: &mut String,
    all: &[Arc<Series>],
    ctx: &Context<'_>,
    (name, help, labels): (&str, &str, &[&str]),
    each: &dyn Fn(&Series) -> Rows,
) {
    let labels = ctx.kept(labels);
    let mut values: BTreeMap<Key, f64> = BTreeMap::new();
    for series in all {
        for (status, class, value) in each(series) {
            *values.entry(key(series, &labels, status, &class, ctx)).or_default() += value;
        }
    }
    write_counter(out, name, help, &labels, values);
}

fn histogram_family(
    out: &mut String,
    all: &[Arc<Series>],
    ctx: &Context<'_>,
    (name, help, labels): (&str, &str, &[&str]),
    pick: fn(&Series) -> &Histogram,
) {
    let labels = ctx.kept(labels);
    let mut values: BTreeMap<Key, ([u64; LATENCY_BUCKETS.len() + 1], f64)> = BTreeMap::new();
    for series in all.iter().filter(|s| !pick(s).is_empty()) {
        let (counts, sum) = pick(series).snapshot();
        let entry = values.entry(key(series, &labels, 0, "", ctx)).or_insert(([0; LATENCY_BUCKETS.len() + 1], 0.0));
        for (total, count) in entry.0.iter_mut().zip(counts) {
            *total += count;
        }
        entry.1 += sum;
    }
    header(out, name, help, Kind::Histogram);
    for (key, (counts, sum)) in values {
        let pairs: Vec<(&str, &str)> = labels.iter().copied().zip(key.iter().map(String::as_str)).collect();
        histogram(out, name, &pairs, &LATENCY_BUCKETS, &counts, sum);
    }
}

/// A gauge family from (label values, value) rows; rows that look alike keep the first.
pub fn gauge(
    out: &mut String,
    ctx: &Context<'_>,
    (name, help, labels): (&str, &str, &[&str]),
    rows: Vec<(Vec<(&str, String)>, f64)>,
) {
    let kept = ctx.kept(labels);
    let mut values: BTreeMap<Key, f64> = BTreeMap::new();
    for (pairs, value) in rows {
        let key: Key = kept
            .iter()
            .map(|n| pairs.iter().find(|(p, _)| p == n).map(|(_, v)| v.clone()).unwrap_or_default())
            .collect();
        values.entry(key).or_insert(value);
    }
    header(out, name, help, Kind::Gauge);
    for (key, value) in values {
        let pairs: Vec<(&str, &str)> = kept.iter().copied().zip(key.iter().map(String::as_str)).collect();
        sample(out, name, &pairs, value);
    }
}

fn answered(series: &Series) -> u64 {
    series.answered.load(Ordering::Relaxed)
}

/// A success's values, for series that answered at least once.
fn per_answer(value: fn(&Series) -> f64) -> impl Fn(&Series) -> Rows {
    move |s| if answered(s) > 0 { vec![(200, String::new(), value(s))] } else { Vec::new() }
}

/// The request families.
pub fn write(out: &mut String, all: &[Arc<Series>], ctx: &Context<'_>) {
    counter(
        out,
        all,
        ctx,
        (
            "litellm_proxy_total_requests_metric",
            "Total number of requests made to the proxy server - track number of client side requests",
            REQUEST,
        ),
        &|s| {
            let mut rows = per_answer(|s| answered(s) as f64)(s);
            for (outcome, n) in s.outcomes.lock().iter() {
                if let Outcome::Failed { status, .. } = outcome {
                    rows.push((*status, String::new(), *n as f64));
                }
            }
            rows
        },
    );
    counter(
        out,
        all,
        ctx,
        (
            "litellm_proxy_failed_requests_metric",
            "Total number of failed responses from proxy - the client did not get a success response from litellm proxy",
            FAILED,
        ),
        &|s| outcomes(s, |o| matches!(o, Outcome::Failed { .. })),
    );
    histogram_family(
        out,
        all,
        ctx,
        ("litellm_request_total_latency_metric", "Total latency (seconds) for a request to LiteLLM", TOTAL_LATENCY),
        |s| &s.total_latency,
    );
    histogram_family(
        out,
        all,
        ctx,
        ("litellm_llm_api_latency_metric", "Total latency (seconds) for a models LLM API call", API_LATENCY),
        |s| &s.api_latency,
    );
    histogram_family(
        out,
        all,
        ctx,
        ("litellm_llm_api_time_to_first_token_metric", "Time to first token for a models LLM API call", API_LATENCY),
        |s| &s.first_token,
    );
    histogram_family(
        out,
        all,
        ctx,
        ("litellm_overhead_latency_metric", "Latency overhead (seconds) added by LiteLLM processing", OVERHEAD),
        |s| &s.overhead,
    );
    counter(out, all, ctx, ("litellm_spend_metric", "Total spend on LLM requests", USAGE), &per_answer(Series::spend));
    counter(
        out,
        all,
        ctx,
        ("litellm_total_tokens_metric", "Total number of input + output tokens from LLM requests", USAGE),
        &per_answer(|s| (s.input_tokens.load(Ordering::Relaxed) + s.output_tokens.load(Ordering::Relaxed)) as f64),
    );
    counter(
        out,
        all,
        ctx,
        ("litellm_input_tokens_metric", "Total number of input tokens from LLM requests", USAGE),
        &per_answer(|s| s.input_tokens.load(Ordering::Relaxed) as f64),
    );
    counter(
        out,
        all,
        ctx,
        ("litellm_output_tokens_metric", "Total number of output tokens from LLM requests", USAGE),
        &per_answer(|s| s.output_tokens.load(Ordering::Relaxed) as f64),
    );
    counter(
        out,
        all,
        ctx,
        (
            "litellm_deployment_success_responses",
            "LLM Deployment Analytics - Total number of successful LLM API calls via litellm",
            DEPLOYMENT,
        ),
        &|s| {
            if s.identity.model_id.is_empty() { Vec::new() } else { per_answer(|s| answered(s) as f64)(s) }
        },
    );
    counter(
        out,
        all,
        ctx,
        (
            "litellm_deployment_failure_responses",
            "LLM Deployment Analytics - Total number of failed LLM API calls for a specific LLM deploymeny. exception_status is the status of the exception from the llm api",
            DEPLOYMENT_FAILED,
        ),
        &|s| outcomes(s, |o| matches!(o, Outcome::DeploymentFailed { .. })),
    );
    counter(
        out,
        all,
        ctx,
        (
            "litellm_deployment_cooled_down",
            "LLM Deployment Analytics - Number of times a deployment has been cooled down by LiteLLM load balancing logic. exception_status is the status of the exception that caused the deployment to be cooled down",
            COOLED_DOWN,
        ),
        &|s| outcomes(s, |o| matches!(o, Outcome::CooledDown { .. })),
    );
}

/// The (status, class, count) of a series' outcomes of one kind.
fn outcomes(series: &Series, kind: fn(&Outcome) -> bool) -> Rows {
    let outcomes = series.outcomes.lock();
    outcomes
        .iter()
        .filter(|(o, _)| kind(o))
        .map(|(o, n)| match o {
            Outcome::Failed { status, class } | Outcome::DeploymentFailed { status, class } => {
                (*status, class.clone(), *n as f64)
            }
            Outcome::CooledDown { status } => (*status, String::new(), *n as f64),
        })
        .collect()
}
