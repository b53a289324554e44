//! The settable fields of a team (`/team/new`, `/team/update`), their checks, and how
//! they are applied to a record.

use super::record::TeamRecord;
use crate::error::ApiError;
use crate::fields::{self, double};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct TeamFields {
    #[serde(default, deserialize_with = "double")]
    pub team_alias: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub max_budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double")]
    pub soft_budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double")]
    pub budget_duration: Option<Option<String>>,
    pub models: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double")]
    pub tpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub rpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub max_parallel_requests: Option<Option<i64>>,
    pub blocked: Option<bool>,
    pub metadata: Option<Value>,
    #[serde(default, deserialize_with = "double")]
    pub team_member_permissions: Option<Option<Vec<String>>>,
    /// Alias -> model for the team's keys (`null`: left as it is, as LiteLLM does).
    #[schema(value_type = Option<Object>)]
    pub model_aliases: Option<Value>,
    /// Kept in `metadata.tags`, as LiteLLM does.
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Option<Value>,
}

impl TeamFields {
    pub fn validate(&self) -> Result<(), ApiError> {
        fields::budget("max_budget", self.max_budget.flatten())?;
        fields::budget("soft_budget", self.soft_budget.flatten())?;
        fields::limit("tpm_limit", self.tpm_limit.flatten())?;
        fields::limit("rpm_limit", self.rpm_limit.flatten())?;
        fields::limit("max_parallel_requests", self.max_parallel_requests.flatten())?;
        fields::duration("budget_duration", self.budget_duration.clone().flatten().as_deref(), false)?;
        if let Some(m) = &self.metadata {
            if !m.is_object() {
                return Err(ApiError::field("metadata", "metadata must be a JSON object"));
            }
            crate::tags::check_metadata(m)?;
        }
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.is_null()) {
            crate::tags::parse("tags", tags)?;
        }
        if let Some(aliases) = &self.model_aliases {
            check_aliases(aliases)?;
        }
        Ok(())
    }

    /// The models the given `model_aliases` lead to, for the caller to check that they
    /// are served.
    pub fn alias_targets(&self) -> Vec<(&str, &str)> {
        let Some(Value::Object(map)) = &self.model_aliases else { return Vec::new() };
        map.iter().filter_map(|(alias, target)| Some((alias.as_str(), target.as_str()?))).collect()
    }

    pub fn apply(&self, team: &mut TeamRecord, now: DateTime<Utc>) -> Result<(), ApiError> {
        fields::set(&mut team.team_alias, &self.team_alias);
        fields::set(&mut team.max_budget, &self.max_budget);
        fields::set(&mut team.soft_budget, &self.soft_budget);
        fields::set(&mut team.tpm_limit, &self.tpm_limit);
        fields::set(&mut team.rpm_limit, &self.rpm_limit);
        fields::set(&mut team.max_parallel_requests, &self.max_parallel_requests);
        fields::set(&mut team.team_member_permissions, &self.team_member_permissions);
        if let Some(models) = &self.models {
            team.models.clone_from(models);
        }
        if let Some(blocked) = self.blocked {
            team.blocked = blocked;
        }
        if let Some(metadata) = &self.metadata {
            team.metadata.clone_from(metadata);
        }
        crate::tags::into_metadata(&mut team.metadata, &self.tags)?;
        if let Some(aliases) = self.model_aliases.as_ref().filter(|a| !a.is_null()) {
            team.model_aliases.clone_from(aliases);
        }
        if let (Some(soft), Some(max)) = (team.soft_budget, team.max_budget)
            && soft >= max
        {
            return Err(ApiError::field(
                "soft_budget",
                format!("soft_budget ({soft}) must be below max_budget ({max})"),
            ));
        }
        fields::set_budget_period(&mut team.budget_duration, &mut team.budget_reset_at, &self.budget_duration, now)
    }
}

/// `model_aliases`: `null`, or an object whose every value names a model (non-empty text).
fn check_aliases(aliases: &Value) -> Result<(), ApiError> {
    let map = match aliases {
        Value::Null => return Ok(()),
        Value::Object(map) => map,
        _ => {
            return Err(ApiError::field(
                "model_aliases",
                "model_aliases must be a JSON object of alias -> model name, e.g. {\"cheap\": \"gpt-4o-mini\"}",
            ));
        }
    };
    for (alias, target) in map {
        let named = target.as_str().is_some_and(|t| !t.trim().is_empty());
        if alias.trim().is_empty() || !named {
            return Err(ApiError::field(
                "model_aliases",
                format!("model_aliases[{alias:?}] must name a model (a non-empty string); got {target}"),
            ));
        }
    }
    Ok(())
}

pub fn blank(team_id: &str, now: &str) -> TeamRecord {
    TeamRecord {
        team_id: team_id.to_string(),
        team_alias: None,
        max_budget: None,
        soft_budget: None,
        spend: 0.0,
        budget_duration: None,
        budget_reset_at: None,
        models: Vec::new(),
        tpm_limit: None,
        rpm_limit: None,
        max_parallel_requests: None,
        blocked: false,
        metadata: serde_json::json!({}),
        team_member_permissions: None,
        created_at: now.to_string(),
        updated_at: now.to_string(),
        listed_admins: Vec::new(),
        listed_members: Vec::new(),
        members: Vec::new(),
        organization_id: None,
        model_aliases: serde_json::json!({}),
    }
}
