//! Which models a caller may use: the key's, the team's (and its organization's) and (for
//! personal keys) the user's `models` lists, where an empty list or `all-proxy-models`
//! means every model, `all-team-models` on a key means the team's list, `prefix/*` covers
//! a family, and the name of a model access group (`model_info.access_groups`) covers the
//! models in it.

use crate::auth::Caller;
use crate::error::{ApiError, ModelAccessKind};
use crate::state::AppState;

fn listed(list: &[String], names: &[&str], team: Option<&[String]>) -> bool {
    if list.is_empty() {
        return true;
    }
    list.iter().any(|entry| match entry.as_str() {
        "all-proxy-models" | "*" => true,
        "all-team-models" => team.is_none_or(|t| listed(t, names, None)),
        entry => names.iter().any(|n| {
            *n == entry || entry.strip_suffix('*').is_some_and(|prefix| !prefix.is_empty() && n.starts_with(prefix))
        }),
    })
}

/// LiteLLM's client message for a refused model: it names the model but not the lists,
/// so a key holder learns nothing about which models exist or who may use them.
fn refusal(kind: ModelAccessKind, tried: &str) -> ApiError {
    ApiError::ModelAccessDenied {
        kind,
        message: format!(
            "The requested model '{tried}' is not available for this API key, or the model name is invalid. \
             Check the models available to you and try again."
        ),
    }
}

/// Refuses a model the caller may not use. `names` are the requested name and what it
/// resolved to (an alias or a model group); either listed is enough.
pub fn check(state: &AppState, caller: &Caller, names: &[&str]) -> Result<(), ApiError> {
    let Some(key) = caller.key() else { return Ok(()) };
    // A list may name an access group instead of the model (`model_info.access_groups`).
    let router = state.router();
    let with_groups: Vec<&str>;
    let names = if router.has_access_groups() {
        with_groups = names
            .iter()
            .copied()
            .chain(names.iter().flat_map(|n| router.access_groups_of(n)).map(String::as_str))
            .collect();
        &with_groups[..]
    } else {
        names
    };
    let team = key.team_id.as_deref().and_then(|id| state.teams.get(id));
    let tried = names.first().copied().unwrap_or_default();
    if !listed(&key.models, names, team.as_ref().map(|t| t.models.as_slice())) {
        return Err(refusal(ModelAccessKind::Key, tried));
    }
    if let Some(team) = &team {
        if team.blocked {
            return Err(ApiError::Unauthorized(format!(
                "Authentication Error, Team={} is blocked. Update via `/team/unblock` if you're an admin.",
                team.team_id
            )));
        }
        if !listed(&team.models, names, None) {
            return Err(refusal(ModelAccessKind::Team, tried));
        }
        // The team's organization bounds its models, whatever the team's own list says.
        if let Some(org) = team.organization_id.as_deref().and_then(|id| state.organizations.get(id))
            && !listed(&org.models, names, None)
        {
            return Err(refusal(ModelAccessKind::Team, tried));
        }
    } else if let Some(user) = key.user_id.as_deref().and_then(|id| state.users.get(id))
        && !listed(&user.models, names, None)
    {
        return Err(refusal(ModelAccessKind::User, tried));
    }
    Ok(())
}

/// The public model names this caller may use (for `/v1/models` and error messages).
pub fn usable_models(state: &AppState, caller: &Caller) -> Vec<String> {
    state.router().public_names().into_iter().filter(|name| check(state, caller, &[name.as_str()]).is_ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn lists_and_their_special_entries() {
        assert!(listed(&[], &["gpt-4o"], None));
        assert!(listed(&list(&["all-proxy-models"]), &["anything"], None));
        assert!(listed(&list(&["gpt-4o"]), &["gpt-4o"], None));
        assert!(!listed(&list(&["gpt-4o"]), &["gpt-4o-mini"], None));
        assert!(listed(&list(&["openai/*"]), &["openai/gpt-4o"], None));
        assert!(listed(&list(&["alias-target"]), &["my-alias", "alias-target"], None));
        assert!(listed(&list(&["all-team-models"]), &["a"], Some(&list(&["a"]))));
        assert!(!listed(&list(&["all-team-models"]), &["b"], Some(&list(&["a"]))));
    }
}
