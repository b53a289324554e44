//! The bounds an organization puts on its teams, checked at `/team/new` and `/team/update`
//! (LiteLLM's `_check_org_team_limits`): the models a team lists must be among the
//! organization's (unless it allows every model), and its budget and rate limits may not
//! exceed the organization's. At request time the organization's models, budget and rate
//! limits apply too (gateway `access.rs` and `admission.rs`).

use super::record::OrgRecord;
use crate::error::ApiError;

/// The team settings a call sets (or, for a team joining an organization, all of them).
#[derive(Debug, Default, Clone, Copy)]
pub struct TeamSettings<'a> {
    pub models: Option<&'a [String]>,
    pub max_budget: Option<f64>,
    pub tpm_limit: Option<i64>,
    pub rpm_limit: Option<i64>,
}

pub fn check_team(org: &OrgRecord, team: TeamSettings<'_>) -> Result<(), ApiError> {
    let org_id = &org.organization_id;
    if let (Some(team_budget), Some(org_budget)) = (team.max_budget, org.max_budget)
        && team_budget > org_budget
    {
        return Err(ApiError::field(
            "max_budget",
            format!(
                "Team max_budget ({team_budget}) exceeds organization's max_budget ({org_budget}). Organization: {org_id}"
            ),
        ));
    }
    if let Some(models) = team.models
        && !org.allows_every_model()
        && let Some(outside) = models.iter().find(|m| !org.models.contains(m))
    {
        return Err(ApiError::field(
            "models",
            format!(
                "Model '{outside}' not in organization's allowed models. Organization allowed models={:?}. Organization: {org_id}",
                org.models
            ),
        ));
    }
    for (field, team_limit, org_limit) in
        [("tpm_limit", team.tpm_limit, org.tpm_limit), ("rpm_limit", team.rpm_limit, org.rpm_limit)]
    {
        if let (Some(team_limit), Some(org_limit)) = (team_limit, org_limit)
            && team_limit > org_limit
        {
            return Err(ApiError::field(
                field,
                format!(
                    "Team {field} ({team_limit}) exceeds organization's {field} ({org_limit}). Organization: {org_id}"
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(models: &[&str], max_budget: Option<f64>) -> OrgRecord {
        let mut org = crate::organizations::fields::blank("o", "admin", "then");
        org.models = models.iter().map(|m| m.to_string()).collect();
        org.max_budget = max_budget;
        org
    }

    #[test]
    fn models_and_budget_stay_within_the_organization() {
        let restricted = org(&["a", "b"], Some(10.0));
        let inside = ["a".to_string()];
        let outside = ["a".to_string(), "c".to_string()];
        let ok = TeamSettings { models: Some(&inside), max_budget: Some(10.0), ..Default::default() };
        assert!(check_team(&restricted, ok).is_ok());
        let wide = TeamSettings { models: Some(&outside), ..Default::default() };
        let refusal = check_team(&restricted, wide).unwrap_err();
        assert_eq!(refusal.status().as_u16(), 400);
        assert!(refusal.message().contains("Model 'c' not in organization's allowed models"), "{}", refusal.message());
        assert!(refusal.message().contains("Organization: o"));
        let rich = TeamSettings { max_budget: Some(10.5), ..Default::default() };
        assert!(check_team(&restricted, rich).unwrap_err().message().contains("exceeds organization's max_budget"));
        // An organization with no list allows every model.
        assert!(check_team(&org(&[], None), wide).is_ok());
    }
}
