//! The settable fields of a key, shared by `/key/generate`, `/key/update` and
//! `/key/regenerate`: how they are read (absent, `null` and a value differ on update),
//! checked, bounded by `upperbound_key_generate_params`, and applied to a record.

use super::record::KeyRecord;
use crate::config::UpperboundKeyParams;
use crate::duration::Duration;
use crate::error::ApiError;
use crate::fields::{self, double};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// Key fields of a request. Outer `None`: not sent; `Some(None)`: sent as `null`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct KeyFields {
    #[serde(default, deserialize_with = "double")]
    pub key_alias: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub duration: Option<Option<String>>,
    pub models: Option<Vec<String>>,
    pub aliases: Option<Value>,
    pub config: Option<Value>,
    pub spend: Option<f64>,
    #[serde(default, deserialize_with = "double")]
    pub max_budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double")]
    pub budget_duration: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub soft_budget: Option<Option<f64>>,
    #[serde(default, deserialize_with = "double")]
    pub max_parallel_requests: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub tpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub rpm_limit: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double")]
    pub user_id: Option<Option<String>>,
    #[serde(default, deserialize_with = "double")]
    pub team_id: Option<Option<String>>,
    pub metadata: Option<Value>,
    pub permissions: Option<Value>,
    pub blocked: Option<bool>,
    pub allowed_routes: Option<Vec<String>>,
    /// A budget object whose max budget, limits and period apply where the key sets none.
    #[serde(default, deserialize_with = "double")]
    pub budget_id: Option<Option<String>>,
    /// Kept in `metadata.tags`, as LiteLLM does.
    #[schema(value_type = Option<Vec<String>>)]
    pub tags: Option<Value>,
}

/// Characters a chosen key needs after `sk-`: 24 random characters of the 64 a key may
/// use are 144 bits, so nothing shorter is accepted from a client (generated keys are
/// longer still).
pub const MIN_CHOSEN_KEY_CHARS: usize = 24;

/// Checks a key the client chose (`key` on `/key/generate`, `new_key` on
/// `/key/regenerate`; `field` names it in the error): `sk-`, then at least
/// [`MIN_CHOSEN_KEY_CHARS`] characters a header can carry (visible ASCII, no spaces).
pub fn check_chosen_key(key: &str, field: &str) -> Result<(), ApiError> {
    let rest = key.strip_prefix("sk-");
    let long_enough = rest.is_some_and(|r| r.len() >= MIN_CHOSEN_KEY_CHARS);
    let printable = key.bytes().all(|b| b.is_ascii_graphic());
    if long_enough && printable {
        return Ok(());
    }
    Err(ApiError::field(
        field,
        format!(
            "Invalid key format: `{field}` must start with 'sk-' followed by at least {MIN_CHOSEN_KEY_CHARS} \
             characters (letters, digits or other visible ASCII, no spaces), so it cannot be guessed. Leave it \
             out to get a generated key. Received={}",
            crate::config::mask(key)
        ),
    ))
}

fn flat<T: Clone>(value: &Option<Option<T>>) -> Option<T> {
    value.clone().flatten()
}

impl KeyFields {
    pub fn user_id(&self) -> Option<String> {
        flat(&self.user_id)
    }

    pub fn team_id(&self) -> Option<String> {
        flat(&self.team_id)
    }

    /// Range and form checks; every refusal names its field.
    pub fn validate(&self) -> Result<(), ApiError> {
        fields::budget("max_budget", flat(&self.max_budget))?;
        fields::budget("soft_budget", flat(&self.soft_budget))?;
        fields::budget("spend", self.spend)?;
        fields::limit("max_parallel_requests", flat(&self.max_parallel_requests))?;
        fields::limit("tpm_limit", flat(&self.tpm_limit))?;
        fields::limit("rpm_limit", flat(&self.rpm_limit))?;
        fields::duration("duration", flat(&self.duration).as_deref(), true)?;
        fields::duration("budget_duration", flat(&self.budget_duration).as_deref(), false)?;
        if let Some(alias) = flat(&self.key_alias)
            && alias.trim().is_empty()
        {
            return Err(ApiError::field("key_alias", "key_alias must not be empty"));
        }
        for (field, value) in [
            ("aliases", &self.aliases),
            ("config", &self.config),
            ("metadata", &self.metadata),
            ("permissions", &self.permissions),
        ] {
            if let Some(v) = value
                && !v.is_object()
            {
                return Err(ApiError::field(field, format!("{field} must be a JSON object")));
            }
        }
        if let Some(metadata) = &self.metadata {
            crate::tags::check_metadata(metadata)?;
        }
        if let Some(tags) = self.tags.as_ref().filter(|t| !t.is_null()) {
            crate::tags::parse("tags", tags)?;
        }
        Ok(())
    }

    /// Applies `upperbound_key_generate_params`: a value above its bound becomes the
    /// bound; with `fill`, a value not given (or `null`, or a `-1` lifetime) becomes the
    /// bound too, as on `/key/generate`.
    pub fn clamp(&mut self, bounds: &UpperboundKeyParams, fill: bool) {
        fn number<T: PartialOrd + Copy>(value: &mut Option<Option<T>>, bound: Option<T>, fill: bool) {
            let Some(bound) = bound else { return };
            match value {
                Some(Some(v)) if *v > bound => *value = Some(Some(bound)),
                Some(Some(_)) => {}
                _ if fill => *value = Some(Some(bound)),
                _ => {}
            }
        }
        fn period(value: &mut Option<Option<String>>, bound: Option<&String>, fill: bool) {
            let Some(bound) = bound else { return };
            let Ok(limit) = Duration::parse(bound) else { return };
            let given = value.clone().flatten();
            let over = match given.as_deref() {
                None => fill,
                Some("-1") => fill || value.is_some(),
                Some(text) => Duration::parse(text).is_ok_and(|d| d.approx_seconds() > limit.approx_seconds()),
            };
            if over {
                *value = Some(Some(bound.clone()));
            }
        }
        let as_i64 = |v: Option<u64>| v.map(|v| i64::try_from(v).unwrap_or(i64::MAX));
        number(&mut self.max_budget, bounds.max_budget, fill);
        number(&mut self.max_parallel_requests, as_i64(bounds.max_parallel_requests), fill);
        number(&mut self.tpm_limit, as_i64(bounds.tpm_limit), fill);
        number(&mut self.rpm_limit, as_i64(bounds.rpm_limit), fill);
        period(&mut self.duration, bounds.duration.as_ref(), fill);
        period(&mut self.budget_duration, bounds.budget_duration.as_ref(), fill);
    }

    /// Writes the given fields into `key`, recomputing `expires` and `budget_reset_at`.
    pub fn apply(&self, key: &mut KeyRecord, now: DateTime<Utc>) -> Result<(), ApiError> {
        fields::set(&mut key.key_alias, &self.key_alias);
        fields::set(&mut key.max_budget, &self.max_budget);
        fields::set(&mut key.soft_budget, &self.soft_budget);
        fields::set(&mut key.max_parallel_requests, &self.max_parallel_requests);
        fields::set(&mut key.tpm_limit, &self.tpm_limit);
        fields::set(&mut key.rpm_limit, &self.rpm_limit);
        fields::set(&mut key.user_id, &self.user_id);
        fields::set(&mut key.team_id, &self.team_id);
        fields::set(&mut key.budget_id, &self.budget_id);
        if let Some(models) = &self.models {
            key.models.clone_from(models);
        }
        if let Some(routes) = &self.allowed_routes {
            key.allowed_routes.clone_from(routes);
        }
        for (target, value) in [
            (&mut key.aliases, &self.aliases),
            (&mut key.config, &self.config),
            (&mut key.metadata, &self.metadata),
            (&mut key.permissions, &self.permissions),
        ] {
            if let Some(v) = value {
                target.clone_from(v);
            }
        }
        crate::tags::into_metadata(&mut key.metadata, &self.tags)?;
        if let Some(spend) = self.spend {
            key.spend = spend;
        }
        if let Some(blocked) = self.blocked {
            key.blocked = blocked;
        }
        if let Some(duration) = &self.duration {
            key.expires = match duration.as_deref() {
                None | Some("-1") => None,
                Some(text) => Some(crate::time::format(
                    Duration::parse(text).map_err(|e| ApiError::field("duration", e.to_string()))?.after(now),
                )),
            };
        }
        fields::set_budget_period(&mut key.budget_duration, &mut key.budget_reset_at, &self.budget_duration, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bounds() -> UpperboundKeyParams {
        UpperboundKeyParams {
            max_budget: Some(100.0),
            budget_duration: Some("10d".into()),
            duration: Some("30d".into()),
            max_parallel_requests: Some(10),
            tpm_limit: Some(1000),
            rpm_limit: Some(100),
        }
    }

    #[test]
    fn clamps_values_above_the_bound_and_fills_missing_ones() {
        let mut f: KeyFields = serde_json::from_value(serde_json::json!({
            "max_budget": 200.0, "duration": "90d", "rpm_limit": 5, "budget_duration": "1d"
        }))
        .unwrap();
        f.clamp(&bounds(), true);
        assert_eq!(f.max_budget, Some(Some(100.0)));
        assert_eq!(f.duration, Some(Some("30d".into())));
        assert_eq!(f.rpm_limit, Some(Some(5)));
        assert_eq!(f.budget_duration, Some(Some("1d".into())));
        assert_eq!(f.tpm_limit, Some(Some(1000)));
        assert_eq!(f.max_parallel_requests, Some(Some(10)));
    }

    #[test]
    fn a_key_that_never_expires_gets_the_bound() {
        let mut f: KeyFields = serde_json::from_value(serde_json::json!({"duration": "-1"})).unwrap();
        f.clamp(&bounds(), false);
        assert_eq!(f.duration, Some(Some("30d".into())));
        let mut f: KeyFields = serde_json::from_value(serde_json::json!({"duration": "2mo"})).unwrap();
        f.clamp(&bounds(), false);
        assert_eq!(f.duration, Some(Some("30d".into())));
    }

    #[test]
    fn an_update_without_a_field_is_not_filled() {
        let mut f = KeyFields::default();
        f.clamp(&bounds(), false);
        assert_eq!(f.max_budget, None);
        assert_eq!(f.duration, None);
    }

    #[test]
    fn chosen_keys_must_be_long_and_printable() {
        let long = format!("sk-{}", "a".repeat(MIN_CHOSEN_KEY_CHARS));
        assert!(check_chosen_key(&long, "key").is_ok());
        for bad in ["sk-12345678", "sk-", "xx-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "sk-aaaaaaaaaaaa aaaaaaaaaaaaaaaa"] {
            let error = check_chosen_key(bad, "new_key").unwrap_err();
            assert!(matches!(&error, ApiError::InvalidField { param, .. } if param == "new_key"), "{bad}: {error:?}");
        }
        assert!(check_chosen_key(&long[..long.len() - 1], "key").is_err());
    }

    #[test]
    fn refuses_bad_values_by_name() {
        for (body, field) in [
            (serde_json::json!({"max_budget": -1.0}), "max_budget"),
            (serde_json::json!({"budget_duration": "soon"}), "budget_duration"),
            (serde_json::json!({"duration": "1x"}), "duration"),
            (serde_json::json!({"tpm_limit": -5}), "tpm_limit"),
        ] {
            let f: KeyFields = serde_json::from_value(body).unwrap();
            let e = f.validate().unwrap_err();
            assert!(e.message().contains(field), "{e}");
        }
    }
}
