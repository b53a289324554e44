//! Any OAuth 2.0 / OIDC provider: `GENERIC_CLIENT_ID`, `GENERIC_CLIENT_SECRET` and the
//! three endpoints are required (a missing one is named on the error page), the scope and
//! the claim names are configurable as in LiteLLM.

use super::provider::{ClaimNames, Missing, Provider};
use crate::config::SsoSettings;

pub fn provider(sso: &SsoSettings) -> Option<Result<Provider, Missing>> {
    let client_id = sso.generic_client_id.clone()?;
    let mut missing = Vec::new();
    if sso.generic_client_secret.is_none() {
        missing.push("GENERIC_CLIENT_SECRET");
    }
    if sso.generic_authorization_endpoint.is_none() {
        missing.push("GENERIC_AUTHORIZATION_ENDPOINT");
    }
    if sso.generic_token_endpoint.is_none() {
        missing.push("GENERIC_TOKEN_ENDPOINT");
    }
    if sso.generic_userinfo_endpoint.is_none() {
        missing.push("GENERIC_USERINFO_ENDPOINT");
    }
    if !missing.is_empty() {
        return Some(Err(Missing(missing)));
    }
    Some(Ok(Provider {
        name: "generic",
        client_id,
        client_secret: sso.generic_client_secret.as_ref().map(|s| s.expose().to_string()),
        authorization_endpoint: sso.generic_authorization_endpoint.clone().unwrap_or_default(),
        token_endpoint: sso.generic_token_endpoint.clone().unwrap_or_default(),
        userinfo_endpoint: sso.generic_userinfo_endpoint.clone(),
        jwks_uri: sso.generic_jwks_endpoint.clone(),
        issuers: sso.generic_issuer.iter().cloned().collect(),
        scopes: sso.generic_scope.split_whitespace().map(str::to_string).collect(),
        use_pkce: sso.generic_client_use_pkce,
        claims: ClaimNames {
            user_id: sso.generic_user_id_attribute.clone(),
            email: sso.generic_user_email_attribute.clone(),
            display_name: sso.generic_user_display_name_attribute.clone(),
            role: sso.generic_user_role_attribute.clone(),
        },
    }))
}
