//! The settable fields of a user, shared by `/user/new` and `/user/update` (and by the
//! sign-in work, which creates users on first SSO sign-in): how they are read, checked,
//! defaulted from `default_internal_user_params` / `max_internal_user_budget`, and applied.

use super::record::UserRecord;
use crate::auth::Role;
use crate::config::LitellmSettings;
use crate::error::ApiError;
use crate::fields::{self, double};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserFields {
    #[serde(default, deserialize_with = "double")]
    pub user_email: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub user_alias: Option<Option<String>>,
    pub user_role: Option<String>,
    #[serde(default, deserialize_with = "double")]
    pub max_budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double")]
    pub budget_duration: Option<Option<String>>,
    pub models: Option<Vec<String>>,
    #[serde(default, deserialize_with = "double")]
    pub tpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub rpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub max_parallel_requests: Option<Option<i64>>,
    pub metadata: Option<Value>,
    pub spend: Option<f64>,
}

impl UserFields {
    pub fn email(&self) -> Option<String> {
        self.user_email.clone().flatten().map(|e| e.trim().to_string()).filter(|e| !e.is_empty())
    }

    /// The role asked for, checked.
    pub fn role(&self) -> Result<Option<Role>, ApiError> {
        self.user_role.as_deref().map(|r| fields::role("user_role", r)).transpose()
    }

    pub fn validate(&self) -> Result<(), ApiError> {
        self.role()?;
        fields::budget("max_budget", self.max_budget.flatten())?;
        fields::budget("spend", self.spend)?;
        fields::limit("tpm_limit", self.tpm_limit.flatten())?;
        fields::limit("rpm_limit", self.rpm_limit.flatten())?;
        fields::limit("max_parallel_requests", self.max_parallel_requests.flatten())?;
        fields::duration("budget_duration", self.budget_duration.clone().flatten().as_deref(), false)?;
        if let Some(email) = self.email()
            && (!email.contains('@') || email.contains(char::is_whitespace))
        {
            return Err(ApiError::field("user_email", format!("user_email `{email}` is not an email address")));
        }
        if let Some(m) = &self.metadata
            && !m.is_object()
        {
            return Err(ApiError::field("metadata", "metadata must be a JSON object"));
        }
        Ok(())
    }

    /// Fills what a new user was created without: `default_internal_user_params` for every
    /// role but proxy_admin, then `max_internal_user_budget` and
    /// `internal_user_budget_duration` for internal users.
    pub fn apply_defaults(&mut self, settings: &LitellmSettings) -> Result<Role, ApiError> {
        let defaults = &settings.default_internal_user_params;
        let role = match self.role()? {
            Some(role) => role,
            None => match &defaults.user_role {
                Some(role) => fields::role("default_internal_user_params.user_role", role)?,
                None => Role::InternalUser,
            },
        };
        self.user_role = Some(role.as_str().to_string());
        let missing = |v: &Option<Option<f64>>| v.flatten().is_none();
        if role != Role::ProxyAdmin {
            if missing(&self.max_budget) && defaults.max_budget.is_some() {
                self.max_budget = Some(defaults.max_budget);
            }
            if self.budget_duration.clone().flatten().is_none() && defaults.budget_duration.is_some() {
                self.budget_duration = Some(defaults.budget_duration.clone());
            }
            if self.models.as_ref().is_none_or(Vec::is_empty) && !defaults.models.is_empty() {
                self.models = Some(defaults.models.clone());
            }
        }
        if role == Role::InternalUser {
            if missing(&self.max_budget) && settings.max_internal_user_budget.is_some() {
                self.max_budget = Some(settings.max_internal_user_budget);
            }
            if self.budget_duration.clone().flatten().is_none() && settings.internal_user_budget_duration.is_some() {
                self.budget_duration = Some(settings.internal_user_budget_duration.clone());
            }
        }
        Ok(role)
    }

    /// Writes the given fields into `user`, recomputing `budget_reset_at`.
    pub fn apply(&self, user: &mut UserRecord, now: DateTime<Utc>) -> Result<(), ApiError> {
        if self.user_email.is_some() {
            user.user_email = self.email();
        }
        fields::set(&mut user.user_alias, &self.user_alias);
        fields::set(&mut user.max_budget, &self.max_budget);
        fields::set(&mut user.tpm_limit, &self.tpm_limit);
        fields::set(&mut user.rpm_limit, &self.rpm_limit);
        fields::set(&mut user.max_parallel_requests, &self.max_parallel_requests);
        if let Some(role) = self.role()? {
            if role != user.user_role {
                // A new role ends the user's UI sessions at their next request.
                user.session_epoch += 1;
            }
            user.user_role = role;
        }
        if let Some(models) = &self.models {
            user.models.clone_from(models);
        }
        if let Some(metadata) = &self.metadata {
            user.metadata.clone_from(metadata);
        }
        if let Some(spend) = self.spend {
            user.spend = spend;
        }
        fields::set_budget_period(&mut user.budget_duration, &mut user.budget_reset_at, &self.budget_duration, now)
    }
}

/// A user row with nothing set but its id and role.
pub fn blank(user_id: &str, role: Role, now: &str) -> UserRecord {
    UserRecord {
        user_id: user_id.to_string(),
        user_email: None,
        user_alias: None,
        user_role: role,
        password_hash: None,
        password_reset_required: false,
        sso_user_id: None,
        max_budget: None,
        spend: 0.0,
        budget_duration: None,
        budget_reset_at: None,
        models: Vec::new(),
        tpm_limit: None,
        rpm_limit: None,
        max_parallel_requests: None,
        metadata: serde_json::json!({}),
        session_epoch: 0,
        created_at: now.to_string(),
        updated_at: now.to_string(),
        blocked: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DefaultUserParams, LitellmSettings};

    fn settings() -> LitellmSettings {
        LitellmSettings {
            max_internal_user_budget: Some(10.0),
            internal_user_budget_duration: Some("1mo".into()),
            default_internal_user_params: DefaultUserParams {
                user_role: None,
                max_budget: None,
                budget_duration: None,
                models: vec!["gpt-4o-mini".into()],
            },
            ..LitellmSettings::default()
        }
    }

    #[test]
    fn new_internal_users_get_the_internal_budget_and_default_models() {
        let mut f = UserFields::default();
        assert_eq!(f.apply_defaults(&settings()).unwrap(), Role::InternalUser);
        assert_eq!(f.max_budget, Some(Some(10.0)));
        assert_eq!(f.budget_duration, Some(Some("1mo".into())));
        assert_eq!(f.models, Some(vec!["gpt-4o-mini".to_string()]));
    }

    #[test]
    fn given_values_win_and_admins_get_no_defaults() {
        let mut f: UserFields = serde_json::from_value(serde_json::json!({"max_budget": 3.0})).unwrap();
        f.apply_defaults(&settings()).unwrap();
        assert_eq!(f.max_budget, Some(Some(3.0)));
        let mut f: UserFields = serde_json::from_value(serde_json::json!({"user_role": "proxy_admin"})).unwrap();
        f.apply_defaults(&settings()).unwrap();
        assert_eq!(f.max_budget, None);
        assert_eq!(f.models, None);
    }

    #[test]
    fn refuses_unknown_roles_and_negative_budgets() {
        let f: UserFields = serde_json::from_value(serde_json::json!({"user_role": "boss"})).unwrap();
        assert!(f.validate().unwrap_err().message().contains("user_role"));
        let f: UserFields = serde_json::from_value(serde_json::json!({"max_budget": -2})).unwrap();
        assert!(f.validate().unwrap_err().message().contains("max_budget"));
    }
}
