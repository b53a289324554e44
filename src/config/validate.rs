//! Range and form checks that types alone cannot express. Each check names the setting
//! path; the caller attaches where the value came from.

use super::settings::Settings;
use crate::duration::Duration;

pub const ROLES: &[&str] = &["proxy_admin", "proxy_admin_viewer", "internal_user", "internal_user_viewer"];
pub const TEAM_ROLES: &[&str] = &["admin", "user"];

/// Returns `(setting path, message)` for every invalid value.
pub fn validate(settings: &Settings) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut bad = |path: &str, message: String| problems.push((path.to_string(), message));

    if let Some(url) = &settings.server.base_url
        && !(url.starts_with("http://") || url.starts_with("https://"))
    {
        bad("server.base_url", format!("`{url}` must start with http:// or https://"));
    }
    let general = &settings.general_settings;
    if let Some(key) = &general.master_key {
        if !key.expose().starts_with("sk-") {
            bad("general_settings.master_key", "must start with `sk-` (as LiteLLM requires)".into());
        } else if let Some(why) = crate::auth::master_key_weakness(key.expose())
            && !general.dangerously_permit_weak_or_unset_master_key
        {
            bad(
                "general_settings.master_key",
                format!(
                    "{why}: it is easy to guess, and whoever knows the master key is admin. Set a long random key, or unset it to have one generated. For a throw-away test setup only, set `dangerously_permit_weak_or_unset_master_key = true` in [general_settings] (or LITELLM_DANGEROUSLY_PERMIT_WEAK_OR_UNSET_MASTER_KEY=true)"
                ),
            );
        }
    }
    if let Some(secret) = &general.secret_key {
        let length = secret.expose().chars().count();
        if length < crate::auth::proxy_secret::MIN_LENGTH {
            bad(
                "general_settings.secret_key",
                format!(
                    "is too short ({length} characters): the proxy's secret needs at least {} random characters, e.g. the output of `openssl rand -hex 32`",
                    crate::auth::proxy_secret::MIN_LENGTH
                ),
            );
        }
    }
    check_duration(&mut bad, "general_settings.ui_session_duration", Some(&general.ui_session_duration));
    check_duration(&mut bad, "general_settings.login_lockout_duration", Some(&general.login_lockout_duration));
    check_duration(
        &mut bad,
        "general_settings.maximum_spend_logs_retention_period",
        general.maximum_spend_logs_retention_period.as_deref(),
    );
    check_duration(
        &mut bad,
        "general_settings.maximum_spend_logs_retention_interval",
        Some(&general.maximum_spend_logs_retention_interval),
    );
    check_duration(&mut bad, "general_settings.payload_retention_period", Some(&general.payload_retention_period));
    check_duration(&mut bad, "general_settings.alert_check_interval", Some(&general.alert_check_interval));
    for channel in &general.alerting {
        check_one_of(&mut bad, "general_settings.alerting", channel, crate::alerts::CHANNELS);
    }
    for kind in general.alert_types.iter().flatten() {
        if !crate::alerts::LITELLM_ONLY_ALERT_TYPES.contains(&kind.as_str()) {
            check_one_of(&mut bad, "general_settings.alert_types", kind, crate::alerts::ALERT_TYPES);
        }
    }
    if !(general.alerting_threshold.is_finite() && general.alerting_threshold > 0.0) {
        bad("general_settings.alerting_threshold", "must be a number of seconds above 0".into());
    }
    if general.alert_deployment_failures == 0 {
        bad("general_settings.alert_deployment_failures", "must be at least 1".into());
    }
    if general.min_password_length < 8 {
        bad("general_settings.min_password_length", "must be at least 8".into());
    }

    let litellm = &settings.litellm_settings;
    if !(400..=599).contains(&litellm.budget_exceeded_status_code) {
        bad(
            "litellm_settings.budget_exceeded_status_code",
            format!(
                "{} is not an error status: use 400 to 599 (400, 422 or 429 are usual)",
                litellm.budget_exceeded_status_code
            ),
        );
    }
    check_budget(&mut bad, "litellm_settings.max_internal_user_budget", litellm.max_internal_user_budget);
    for label in litellm.prometheus_exclude_labels.iter().filter(|l| !crate::metrics::LABELS.contains(&l.as_str())) {
        bad(
            "litellm_settings.prometheus_exclude_labels",
            format!("`{label}` is not a label of /metrics; the labels are: {}", crate::metrics::LABELS.join(", ")),
        );
    }
    check_duration(
        &mut bad,
        "litellm_settings.internal_user_budget_duration",
        litellm.internal_user_budget_duration.as_deref(),
    );
    let defaults = &litellm.default_internal_user_params;
    if let Some(role) = &defaults.user_role {
        check_one_of(&mut bad, "litellm_settings.default_internal_user_params.user_role", role, ROLES);
    }
    check_budget(&mut bad, "litellm_settings.default_internal_user_params.max_budget", defaults.max_budget);
    check_duration(
        &mut bad,
        "litellm_settings.default_internal_user_params.budget_duration",
        defaults.budget_duration.as_deref(),
    );
    let bounds = &litellm.upperbound_key_generate_params;
    check_budget(&mut bad, "litellm_settings.upperbound_key_generate_params.max_budget", bounds.max_budget);
    check_duration(
        &mut bad,
        "litellm_settings.upperbound_key_generate_params.budget_duration",
        bounds.budget_duration.as_deref(),
    );
    check_duration(&mut bad, "litellm_settings.upperbound_key_generate_params.duration", bounds.duration.as_deref());
    let keygen = &litellm.key_generation_settings;
    for role in keygen.team_key_generation.allowed_team_member_roles.iter().flatten() {
        check_one_of(
            &mut bad,
            "litellm_settings.key_generation_settings.team_key_generation.allowed_team_member_roles",
            role,
            TEAM_ROLES,
        );
    }
    for role in keygen.personal_key_generation.allowed_user_roles.iter().flatten() {
        check_one_of(
            &mut bad,
            "litellm_settings.key_generation_settings.personal_key_generation.allowed_user_roles",
            role,
            ROLES,
        );
    }
    for (alias, target) in &litellm.model_group_alias {
        if !settings.model_list.iter().any(|m| &m.model_name == target) {
            bad(
                &format!("litellm_settings.model_group_alias.{alias}"),
                format!("points at `{target}`, which is no `model_name` in [[model_list]]"),
            );
        }
    }

    let router = &settings.router_settings;
    if router.cooldown_time == 0 && router.allowed_fails > 0 {
        bad("router_settings.cooldown_time", "must be at least 1 second".into());
    }
    if router.timeout == 0 {
        bad("router_settings.timeout", "must be at least 1 second".into());
    }
    for (field, size) in [
        ("general_settings.max_request_size_mb", settings.general_settings.max_request_size_mb),
        ("general_settings.max_audio_request_size_mb", settings.general_settings.max_audio_request_size_mb),
    ] {
        if !(1..=1024).contains(&size) {
            bad(field, format!("{size} is out of range: use 1 to 1024 (MB)"));
        }
    }
    if router.connect_timeout == 0 {
        bad("router_settings.connect_timeout", "must be at least 1 second".into());
    }
    let is_group = |name: &str| {
        settings.model_list.iter().any(|m| m.model_name == name) || litellm.model_group_alias.contains_key(name)
    };
    for (field, lists) in [
        ("fallbacks", &router.fallbacks),
        ("context_window_fallbacks", &router.context_window_fallbacks),
        ("content_policy_fallbacks", &router.content_policy_fallbacks),
    ] {
        for (index, map) in lists.iter().enumerate() {
            for (group, targets) in map {
                for name in std::iter::once(group).chain(targets) {
                    if !is_group(name) {
                        bad(
                            &format!("router_settings.{field}[{index}].{group}"),
                            format!("names `{name}`, which is no `model_name` in [[model_list]]"),
                        );
                    }
                }
            }
        }
    }
    for name in &router.default_fallbacks {
        if !is_group(name) {
            bad(
                "router_settings.default_fallbacks",
                format!("names `{name}`, which is no `model_name` in [[model_list]]"),
            );
        }
    }

    for (index, model) in settings.model_list.iter().enumerate() {
        for (field, message) in model_problems(model) {
            bad(&format!("model_list[{index}].{field}"), message);
        }
    }
    problems
}

/// `(field, message)` for every invalid value of one deployment, the field relative to the
/// entry (`litellm_params.api_base`): for `[[model_list]]` and for `/model/new` alike.
pub fn model_problems(model: &super::settings::ModelEntry) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let mut bad = |path: &str, message: String| problems.push((path.to_string(), message));
    if model.model_name.trim().is_empty() {
        bad("model_name", "is required: the name clients send as `model`".into());
    }
    let params = &model.litellm_params;
    if params.model.trim().is_empty() {
        bad("litellm_params.model", "is required, e.g. `openai/gpt-4o-mini`".into());
    }
    if let Some(base) = &params.api_base
        && !(base.expose().starts_with("http://") || base.expose().starts_with("https://"))
    {
        bad("litellm_params.api_base", format!("`{base}` must start with http:// or https://"));
    }
    if params.model.starts_with("azure/") {
        if params.api_base.is_none() {
            bad(
                "litellm_params.api_base",
                "is required for Azure: your resource URL, e.g. `https://NAME.openai.azure.com`".into(),
            );
        }
        if params.api_version.is_none() {
            bad("litellm_params.api_version", "is required for Azure, e.g. `2024-06-01`".into());
        }
    }
    if params.timeout == Some(0) {
        bad("litellm_params.timeout", "must be at least 1 second".into());
    }
    for (field, price) in [
        ("litellm_params.input_cost_per_token", params.input_cost_per_token),
        ("litellm_params.output_cost_per_token", params.output_cost_per_token),
        ("model_info.input_cost_per_token", model.model_info.input_cost_per_token),
        ("model_info.output_cost_per_token", model.model_info.output_cost_per_token),
        ("litellm_params.cache_read_input_token_cost", params.cache_read_input_token_cost),
        ("litellm_params.cache_creation_input_token_cost", params.cache_creation_input_token_cost),
        ("model_info.cache_read_input_token_cost", model.model_info.cache_read_input_token_cost),
        ("model_info.cache_creation_input_token_cost", model.model_info.cache_creation_input_token_cost),
    ] {
        if let Some(price) = price
            && (!price.is_finite() || price < 0.0)
        {
            bad(field, format!("{price} is not a price: use a number of USD per token, 0 or more"));
        }
    }
    problems
}

fn check_budget(bad: &mut impl FnMut(&str, String), path: &str, value: Option<f64>) {
    if let Some(v) = value
        && (!v.is_finite() || v < 0.0)
    {
        bad(path, format!("{v} is not a budget: use a number of USD, 0 or more"));
    }
}

fn check_duration(bad: &mut impl FnMut(&str, String), path: &str, value: Option<&str>) {
    if let Some(text) = value
        && let Err(e) = Duration::parse(text)
    {
        bad(path, e.to_string());
    }
}

fn check_one_of(bad: &mut impl FnMut(&str, String), path: &str, value: &str, allowed: &[&str]) {
    if !allowed.contains(&value) {
        bad(path, format!("`{value}` is not one of: {}", allowed.join(", ")));
    }
}
