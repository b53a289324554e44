//! The settable fields of an organization (`/organization/new`, `/organization/update`),
//! their checks, and how they are applied to a record. LiteLLM keeps the limits in a
//! budget row; its UI sends them nested in `litellm_budget_table`, which is read as if
//! they were at the top level.

use super::record::OrgRecord;
use crate::error::ApiError;
use crate::fields::{self, double};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct OrgFields {
    /// The organization's name (required at creation; cannot be cleared).
    #[serde(default, deserialize_with = "double")]
    pub organization_alias: Option<Option<String>>,
    /// The models the organization's teams may use; empty means every model.
    pub models: Option<Vec<String>>,
    /// The organization's budget in USD: requests of its teams' keys are refused once its
    /// spend reaches it, and no team of it may have a larger one.
    #[serde(default, deserialize_with = "double")]
    #[schema(minimum = 0)]
    pub max_budget: Option<Option<f64>>,
    /// How often the spend goes back to 0 (`30d`, `1mo`, ...).
    #[serde(default, deserialize_with = "double")]
    pub budget_duration: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(minimum = 0)]
    pub tpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    #[schema(minimum = 0)]
    pub rpm_limit: Option<Option<i64>>,
    /// Merged into the stored metadata at `/organization/update`.
    pub metadata: Option<Value>,
}

/// The budget fields LiteLLM's UI sends inside `litellm_budget_table`.
const BUDGET_FIELDS: [&str; 4] = ["max_budget", "budget_duration", "tpm_limit", "rpm_limit"];

/// The body with the fields of a nested `litellm_budget_table` moved to the top level
/// (a field given at the top level wins).
pub fn flatten_budget(body: &Value) -> Value {
    let mut body = body.clone();
    let Some(map) = body.as_object_mut() else { return body };
    if let Some(Value::Object(budget)) = map.remove("litellm_budget_table") {
        for field in BUDGET_FIELDS {
            if let Some(value) = budget.get(field)
                && !map.contains_key(field)
            {
                map.insert(field.to_string(), value.clone());
            }
        }
    }
    body
}

impl OrgFields {
    pub fn validate(&self) -> Result<(), ApiError> {
        if let Some(budget) = self.max_budget.flatten()
            && (!budget.is_finite() || budget < 0.0)
        {
            return Err(ApiError::field(
                "max_budget",
                format!("max_budget must be a non-negative finite number. Received: {budget}"),
            ));
        }
        fields::limit("tpm_limit", self.tpm_limit.flatten())?;
        fields::limit("rpm_limit", self.rpm_limit.flatten())?;
        fields::duration("budget_duration", self.budget_duration.clone().flatten().as_deref(), false)?;
        match &self.organization_alias {
            Some(None) => {
                return Err(ApiError::field(
                    "organization_alias",
                    "organization_alias cannot be cleared; it is required",
                ));
            }
            Some(Some(alias)) if alias.trim().is_empty() => {
                return Err(ApiError::field("organization_alias", "organization_alias must not be empty"));
            }
            _ => {}
        }
        if let Some(m) = &self.metadata
            && !m.is_object()
        {
            return Err(ApiError::field("metadata", "metadata must be a JSON object"));
        }
        Ok(())
    }

    pub fn apply(&self, org: &mut OrgRecord, now: DateTime<Utc>) -> Result<(), ApiError> {
        if let Some(Some(alias)) = &self.organization_alias {
            org.organization_alias = alias.trim().to_string();
        }
        fields::set(&mut org.max_budget, &self.max_budget);
        fields::set(&mut org.tpm_limit, &self.tpm_limit);
        fields::set(&mut org.rpm_limit, &self.rpm_limit);
        if let Some(models) = &self.models {
            org.models.clone_from(models);
        }
        if let (Some(Value::Object(new)), Some(stored)) = (&self.metadata, org.metadata.as_object_mut()) {
            for (key, value) in new {
                stored.insert(key.clone(), value.clone());
            }
        } else if let Some(metadata) = &self.metadata {
            org.metadata.clone_from(metadata);
        }
        fields::set_budget_period(&mut org.budget_duration, &mut org.budget_reset_at, &self.budget_duration, now)
    }
}

pub fn blank(organization_id: &str, actor: &str, now: &str) -> OrgRecord {
    OrgRecord {
        organization_id: organization_id.to_string(),
        organization_alias: String::new(),
        max_budget: None,
        spend: 0.0,
        budget_duration: None,
        budget_reset_at: None,
        models: Vec::new(),
        tpm_limit: None,
        rpm_limit: None,
        metadata: serde_json::json!({}),
        created_at: now.to_string(),
        created_by: actor.to_string(),
        updated_at: now.to_string(),
        updated_by: actor.to_string(),
        members: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_uis_nested_budget_reads_as_top_level_fields() {
        let body =
            json!({"organization_id": "o", "max_budget": 3, "litellm_budget_table": {"max_budget": 9, "tpm_limit": 7}});
        let flat = flatten_budget(&body);
        assert_eq!(flat["max_budget"], 3);
        assert_eq!(flat["tpm_limit"], 7);
        assert!(flat.get("litellm_budget_table").is_none());
    }

    #[test]
    fn an_update_merges_metadata_and_refuses_to_clear_the_alias() {
        let now = Utc::now();
        let mut org = blank("o", "admin", "then");
        org.metadata = json!({"a": 1, "b": 2});
        let update: OrgFields = serde_json::from_value(json!({"metadata": {"b": 3, "c": 4}})).unwrap();
        update.apply(&mut org, now).unwrap();
        assert_eq!(org.metadata, json!({"a": 1, "b": 3, "c": 4}));
        let clear: OrgFields = serde_json::from_value(json!({"organization_alias": null})).unwrap();
        assert!(clear.validate().is_err());
        let negative: OrgFields = serde_json::from_value(json!({"max_budget": -1})).unwrap();
        assert!(negative.validate().is_err());
    }
}
