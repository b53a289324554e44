//! Admission of a model request, after the caller and model checks: the budgets (team
//! member, key, team, the team's organization, and the user's for personal keys;
//! `spend >= max_budget` everywhere, with the reservations of requests in flight; and the
//! customer's budget object, whose `spend > max_budget` refuses, as LiteLLM's end-user
//! check) and the rpm/tpm/parallel limits of key, user, team, organization and customer,
//! decided and reserved in one step by `limits::Limiter`. A key or membership that
//! references a budget object (`budget_id`) has that budget's settings where it sets none
//! (`budgets::effective`).

use crate::auth::Caller;
use crate::budgets::effective;
use crate::error::ApiError;
use crate::limits::budget::effective_spend;
use crate::limits::counters::{LimitKind, Remaining};
use crate::limits::{Admission, BudgetCheck, LimitCheck, Refusal, Scope};
use crate::spend::{Charge, Reset};
use crate::state::AppState;
use axum::http::{HeaderMap, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};

/// An admitted request: its slots and reservation, and who pays for it.
pub struct Admitted {
    pub admission: Admission,
    pub charge: Charge,
}

fn limit(scope: Scope, rpm: Option<i64>, tpm: Option<i64>, parallel: Option<i64>) -> Option<LimitCheck> {
    let positive = |v: Option<i64>| v.and_then(|v| u64::try_from(v).ok());
    let check = LimitCheck { scope, rpm: positive(rpm), tpm: positive(tpm), parallel: positive(parallel) };
    (check.rpm.is_some() || check.tpm.is_some() || check.parallel.is_some()).then_some(check)
}

#[allow(clippy::result_large_err)] // the refusal is the finished response, built once
pub fn admit(state: &AppState, caller: &Caller, customer: Option<&str>, estimate: f64) -> Result<Admitted, Response> {
    // The master key has no budget or limit of its own (its requests are still logged);
    // the customer it names has.
    let key = caller.key();
    let token = key.map(|k| k.token.clone());
    let team_id = key.and_then(|k| k.team_id.clone());
    let user_id = key.and_then(|k| k.user_id.clone());
    let customer = customer.map(str::to_string);
    let org_id = team_id.as_deref().and_then(|id| state.teams.get(id)).and_then(|t| t.organization_id.clone());
    let charge = Charge {
        key: token.clone(),
        user: user_id.clone(),
        team: team_id.clone(),
        member: team_id.clone().zip(user_id.clone()),
        customer: customer.clone(),
        organization: org_id.clone(),
    };

    let mut limits = Vec::new();
    if let Some(key) = key {
        let own = effective::of_key(state, key);
        limits.extend(limit(Scope::Key(key.token.clone()), own.rpm_limit, own.tpm_limit, own.max_parallel_requests));
    }
    if let Some(user) = user_id.as_deref().and_then(|id| state.users.get(id)) {
        limits.extend(limit(
            Scope::User(user.user_id.clone()),
            user.rpm_limit,
            user.tpm_limit,
            user.max_parallel_requests,
        ));
    }
    if let Some(team) = team_id.as_deref().and_then(|id| state.teams.get(id)) {
        limits.extend(limit(
            Scope::Team(team.team_id.clone()),
            team.rpm_limit,
            team.tpm_limit,
            team.max_parallel_requests,
        ));
        if let Some(member) = user_id.as_deref().and_then(|user| team.member(user)) {
            let own = effective::of_member(state, &team, member);
            let scope = Scope::Member { team: team.team_id.clone(), user: member.user_id.clone() };
            limits.extend(limit(scope, own.rpm_limit, own.tpm_limit, own.max_parallel_requests));
        }
    }
    if let Some(org) = org_id.as_deref().and_then(|id| state.organizations.get(id)) {
        limits.extend(limit(Scope::Organization(org.organization_id.clone()), org.rpm_limit, org.tpm_limit, None));
    }
    let customer_budget = customer_budget(state, customer.as_deref());
    if let (Some(id), Some(budget)) = (&customer, &customer_budget) {
        limits.extend(limit(
            Scope::Customer(id.clone()),
            budget.rpm_limit,
            budget.tpm_limit,
            budget.max_parallel_requests,
        ));
    }

    let now = state.clock.now();
    let mut resets = Vec::new();
    // Runs under the limiter's lock: the spend read here is the spend decided on.
    let budgets = || {
        let mut checks = Vec::new();
        let team = team_id.as_deref().and_then(|id| state.teams.get(id));
        if let (Some(team), Some(user)) = (&team, &user_id)
            && let Some(member) = team.member(user)
        {
            let own = effective::of_member(state, team, member);
            let (spend, due) = effective_spend(member.spend, own.reset_at.as_deref(), now);
            if due && let Some(reset) = own.reset {
                resets.push(reset);
            }
            if let Some(max) = own.max_budget {
                let scope = Scope::Member { team: team.team_id.clone(), user: user.clone() };
                checks.push(BudgetCheck { scope, spend, max_budget: max });
            }
        }
        if let Some(key) = token.as_deref().and_then(|t| state.keys.get(t)) {
            let own = effective::of_key(state, &key);
            let (spend, due) = effective_spend(key.spend, own.reset_at.as_deref(), now);
            if due && let Some(reset) = own.reset {
                resets.push(reset);
            }
            if let Some(max) = own.max_budget {
                checks.push(BudgetCheck { scope: Scope::Key(key.token.clone()), spend, max_budget: max });
            }
        }
        if let Some(team) = &team {
            let (spend, due) = effective_spend(team.spend, team.budget_reset_at.as_deref(), now);
            if due {
                resets.push(Reset::Team(team.team_id.clone()));
            }
            if let Some(max) = team.max_budget {
                checks.push(BudgetCheck { scope: Scope::Team(team.team_id.clone()), spend, max_budget: max });
            }
        } else if let Some(user) = user_id.as_deref().and_then(|id| state.users.get(id)) {
            let (spend, due) = effective_spend(user.spend, user.budget_reset_at.as_deref(), now);
            if due {
                resets.push(Reset::User(user.user_id.clone()));
            }
            if let Some(max) = user.max_budget {
                checks.push(BudgetCheck { scope: Scope::User(user.user_id.clone()), spend, max_budget: max });
            }
        }
        if let Some(org) = org_id.as_deref().and_then(|id| state.organizations.get(id)) {
            let (spend, due) = effective_spend(org.spend, org.budget_reset_at.as_deref(), now);
            if due {
                resets.push(Reset::Organization(org.organization_id.clone()));
            }
            if let Some(max) = org.max_budget {
                let scope = Scope::Organization(org.organization_id.clone());
                checks.push(BudgetCheck { scope, spend, max_budget: max });
            }
        }
        if let (Some(id), Some(budget)) = (&customer, &customer_budget)
            && let Some(record) = state.customers.get(id)
        {
            let (spend, due) = effective_spend(record.spend, budget.budget_reset_at.as_deref(), now);
            if due {
                resets.push(Reset::Budget(budget.budget_id.clone()));
            }
            if let Some(max) = budget.max_budget {
                checks.push(BudgetCheck { scope: Scope::Customer(id.clone()), spend, max_budget: max });
            }
        }
        checks
    };
    let result = state.limiter.admit(budgets, &limits, estimate);
    for reset in resets {
        state.ledger.reset(state, reset);
    }
    match result {
        Ok(admission) => Ok(Admitted { admission, charge }),
        Err(refusal) => {
            let label = key.map_or("master_key", |k| k.key_alias.as_deref().unwrap_or(&k.token));
            Err(refused(state, label, refusal))
        }
    }
}

/// The budget object of the request's customer, if it has one.
fn customer_budget(state: &AppState, customer: Option<&str>) -> Option<std::sync::Arc<crate::budgets::BudgetRecord>> {
    let budget_id = state.customers.get(customer?)?.budget_id.clone()?;
    state.budgets.get(&budget_id)
}

fn refused(state: &AppState, key_label: &str, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Budget { check, reserved } => {
            let (spend, max) = (check.spend, check.max_budget);
            let mut message = match &check.scope {
                Scope::Key(_) => {
                    format!("Budget has been exceeded! Key={key_label} Current cost: {spend}, Max budget: {max}")
                }
                Scope::Team(team) => {
                    format!("Budget has been exceeded! Team={team} Current cost: {spend}, Max budget: {max}")
                }
                Scope::Member { team, user } => {
                    format!(
                        "Budget has been exceeded! User={user} in Team={team} Current cost: {spend}, Max budget: {max}"
                    )
                }
                Scope::User(user) => format!("ExceededBudget: User={user} over budget. Spend={spend}, Budget={max}"),
                Scope::Customer(id) => {
                    format!("ExceededBudget: End User={id} over budget. Spend={spend}, Budget={max}")
                }
                Scope::Organization(org) => {
                    format!("Budget has been exceeded! Organization={org} Current cost: {spend}, Max budget: {max}")
                }
            };
            if !check.scope.exhausted(spend, max) {
                message.push_str(&format!(" (the rest is reserved by requests in flight: {reserved:.6})"));
            }
            let status = state.config.settings.litellm_settings.budget_exceeded_status_code;
            ApiError::BudgetExceeded { status, message }.into_response()
        }
        Refusal::Rate { scope, kind, current, limit, retry_after } => {
            let id = match &scope {
                Scope::Key(_) => key_label.to_string(),
                Scope::User(id) | Scope::Team(id) | Scope::Customer(id) | Scope::Organization(id) => id.clone(),
                Scope::Member { team, user } => format!("{user} in {team}"),
            };
            let resets_at = crate::time::format(state.clock.now() + chrono::Duration::seconds(retry_after as i64));
            let message = format!(
                "Rate limit exceeded for {}: {id}. Limit type: {}. Current limit: {limit}, Remaining: 0. Limit resets at: {resets_at}. \
                 (LiteLLM Rate Limit Handler: crossed TPM / RPM / Max Parallel Request Limit; current {}: {current})",
                scope.kind(),
                kind.as_str(),
                kind.as_str(),
            );
            let mut response = ApiError::RateLimited { message, retry_after }.into_response();
            let headers = response.headers_mut();
            let name = match kind {
                LimitKind::Requests | LimitKind::Parallel => "requests",
                LimitKind::Tokens => "tokens",
            };
            insert(headers, &format!("x-ratelimit-remaining-{name}"), "0".into());
            insert(headers, &format!("x-ratelimit-limit-{name}"), limit.to_string());
            insert(headers, "rate_limit_type", kind.as_str().into());
            response
        }
    }
}

/// `x-ratelimit-*` headers of an admitted request.
pub fn rate_headers(headers: &mut HeaderMap, remaining: &Remaining) {
    if let Some((left, max)) = remaining.requests {
        insert(headers, "x-ratelimit-remaining-requests", left.to_string());
        insert(headers, "x-ratelimit-limit-requests", max.to_string());
    }
    if let Some((left, max)) = remaining.tokens {
        insert(headers, "x-ratelimit-remaining-tokens", left.to_string());
        insert(headers, "x-ratelimit-limit-tokens", max.to_string());
    }
}

pub fn insert(headers: &mut HeaderMap, name: &str, value: String) {
    if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
        headers.insert(name, value);
    }
}
