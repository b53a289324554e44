//! What a customer changes at admission, before budgets and limits are reserved: a
//! blocked customer is refused (LiteLLM's 400 "User blocked from making LLM API Calls"),
//! a customer with `models` may use only those, and a customer with
//! `allowed_model_region` is served only by deployments whose `litellm_params.region_name`
//! is that region (the others are left out of the route; none left is a 400). A customer
//! nobody created passes: its spend is still kept (the ledger creates its row). The
//! customer's budget and limits are reserved with the key's, in `gateway::admission`.

use crate::error::ApiError;
use crate::gateway::router::{Deployment, Route};
use crate::state::AppState;
use std::sync::Arc;

/// The checks of the customer `id` for a request to `names` (the model as asked, after
/// aliases, and its group); returns the route the customer may be served by.
pub fn check(state: &AppState, id: &str, names: &[&str], route: Route) -> Result<Route, ApiError> {
    let Some(customer) = state.customers.get(id) else { return Ok(route) };
    if customer.blocked {
        return Err(ApiError::CustomerBlocked(format!("User blocked from making LLM API Calls. User={id}")));
    }
    let open = customer.models.is_empty()
        || customer.models.iter().any(|m| m == "*" || m == "all-proxy-models" || names.contains(&m.as_str()));
    if !open {
        return Err(ApiError::Forbidden(format!(
            "Customer={id} is not allowed to access model={}. Ask the proxy admin to add it to the customer's models.",
            names.first().copied().unwrap_or_default()
        )));
    }
    let Some(region) = customer.allowed_model_region.as_deref() else { return Ok(route) };
    let kept: Vec<Arc<Deployment>> =
        route.deployments.iter().filter(|d| region_of(state, d) == Some(region)).cloned().collect();
    if kept.is_empty() {
        return Err(ApiError::bad_request(format!(
            "No deployments available for model={} in allowed_model_region={region} of customer={id}: set `region_name` in a deployment's litellm_params",
            route.group
        )));
    }
    if kept.len() == route.deployments.len() {
        return Ok(route);
    }
    Ok(Route { deployments: Arc::new(kept), ..route })
}

/// A deployment's `litellm_params.region_name`, found by its id in the configured model
/// list (ids as the router gives them: `model_info.id`, else `<model_name>-<index>`).
fn region_of<'a>(state: &'a AppState, deployment: &Deployment) -> Option<&'a str> {
    state.config.settings.model_list.iter().enumerate().find_map(|(index, entry)| {
        let id = entry.model_info.id.clone().unwrap_or_else(|| format!("{}-{index}", entry.model_name));
        (id == deployment.id).then_some(entry.litellm_params.region_name.as_deref()).flatten()
    })
}
