//! Who the provider says signed in: the claims of the id token and userinfo (userinfo
//! wins), read through the provider's claim names. `subject` is the stable `sub` the user
//! is linked by; `user_id` is what a new user row is called (LiteLLM's id attribute).

use super::provider::Provider;
use crate::auth::Role;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct Identity {
    pub provider: &'static str,
    pub subject: String,
    pub user_id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub display_name: Option<String>,
    /// The provider's role claim, when it names one of our roles.
    pub role: Option<Role>,
    /// Team ids from `team_ids_jwt_field`; `None` when that setting is off.
    pub teams: Option<Vec<String>>,
}

/// A claim by name; a dotted name walks into objects (`realm_access.roles`).
fn claim<'a>(claims: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    if let Some(value) = claims.get(name) {
        return Some(value);
    }
    let mut parts = name.split('.');
    let mut value = claims.get(parts.next()?)?;
    for part in parts {
        value = value.get(part)?;
    }
    Some(value)
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn list(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::Array(items)) => items.iter().filter_map(|v| text(Some(v))).collect(),
        Some(Value::String(s)) => s.split([',', ' ']).filter(|s| !s.is_empty()).map(str::to_string).collect(),
        _ => Vec::new(),
    }
}

/// Maps the merged claims; `Err` says what the provider did not send.
pub fn from_claims(
    provider: &Provider,
    claims: &Map<String, Value>,
    team_field: Option<&str>,
) -> Result<Identity, &'static str> {
    let names = &provider.claims;
    let mut email = text(claim(claims, &names.email)).map(|e| e.to_lowercase());
    if email.is_none() {
        // Entra puts the sign-in address in `preferred_username` when `email` is absent.
        email = text(claim(claims, "preferred_username")).filter(|u| u.contains('@')).map(|e| e.to_lowercase());
    }
    let email = email.filter(|e| e.contains('@')).ok_or("an email address")?;
    let subject = text(claims.get("sub")).or_else(|| text(claim(claims, &names.user_id))).ok_or("a user id (`sub`)")?;
    let user_id = text(claim(claims, &names.user_id)).unwrap_or_else(|| subject.clone());
    let email_verified = match claims.get("email_verified") {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    };
    let role = list(claim(claims, &names.role)).into_iter().find_map(|r| r.parse::<Role>().ok());
    let teams = team_field.map(|field| list(claim(claims, field)));
    Ok(Identity {
        provider: provider.name,
        subject,
        user_id,
        email: Some(email),
        email_verified,
        display_name: text(claim(claims, &names.display_name)),
        role,
        teams,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::sso::provider::ClaimNames;
    use serde_json::json;

    fn provider() -> Provider {
        Provider {
            name: "generic",
            client_id: "c".into(),
            client_secret: None,
            authorization_endpoint: String::new(),
            token_endpoint: String::new(),
            userinfo_endpoint: None,
            jwks_uri: None,
            issuers: vec![],
            scopes: vec![],
            use_pkce: true,
            claims: ClaimNames {
                user_id: "preferred_username".into(),
                email: "email".into(),
                display_name: "name".into(),
                role: "role".into(),
            },
        }
    }

    #[test]
    fn maps_claims_and_keeps_only_our_roles() {
        let claims = json!({"sub": "s1", "preferred_username": "ann", "email": "Ann@X.org", "email_verified": true,
                            "role": ["superuser", "internal_user"], "groups": ["t1", "t2"]});
        let id = from_claims(&provider(), claims.as_object().unwrap(), Some("groups")).unwrap();
        assert_eq!((id.subject.as_str(), id.user_id.as_str()), ("s1", "ann"));
        assert_eq!(id.email.as_deref(), Some("ann@x.org"));
        assert!(id.email_verified);
        assert_eq!(id.role, Some(Role::InternalUser));
        assert_eq!(id.teams, Some(vec!["t1".to_string(), "t2".to_string()]));
        let claims = json!({"sub": "s1", "email": "a@x", "role": "god"});
        let id = from_claims(&provider(), claims.as_object().unwrap(), None).unwrap();
        assert_eq!((id.role, id.teams, id.email_verified, id.user_id.as_str()), (None, None, false, "s1"));
    }

    #[test]
    fn an_email_is_required() {
        let claims = json!({"sub": "s1"});
        assert_eq!(from_claims(&provider(), claims.as_object().unwrap(), None), Err("an email address"));
    }
}
