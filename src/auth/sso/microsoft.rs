//! Microsoft Entra ID: `MICROSOFT_CLIENT_ID`, `MICROSOFT_CLIENT_SECRET`, `MICROSOFT_TENANT`;
//! the tenant's v2.0 endpoints and Graph's OIDC userinfo. App roles arrive in the `roles`
//! claim of the id token. Entra does not vouch for emails, so users are matched by their
//! subject only.

use super::provider::{ClaimNames, Missing, Provider};
use crate::config::SsoSettings;

pub fn provider(sso: &SsoSettings) -> Option<Result<Provider, Missing>> {
    let client_id = sso.microsoft_client_id.clone()?;
    let mut missing = Vec::new();
    if sso.microsoft_client_secret.is_none() {
        missing.push("MICROSOFT_CLIENT_SECRET");
    }
    if sso.microsoft_tenant.is_none() {
        missing.push("MICROSOFT_TENANT");
    }
    if !missing.is_empty() {
        return Some(Err(Missing(missing)));
    }
    let tenant = sso.microsoft_tenant.clone().unwrap_or_default();
    // The issuer names the tenant by its id: known when the tenant is given as an id, not
    // for `common`/`organizations` or a domain name (then the signature and `aud` still hold).
    let issuers = match uuid::Uuid::parse_str(&tenant) {
        Ok(_) => vec![format!("https://login.microsoftonline.com/{tenant}/v2.0")],
        Err(_) => Vec::new(),
    };
    let base = format!("https://login.microsoftonline.com/{tenant}/oauth2/v2.0");
    Some(Ok(Provider {
        name: "microsoft",
        client_id,
        client_secret: sso.microsoft_client_secret.as_ref().map(|s| s.expose().to_string()),
        authorization_endpoint: format!("{base}/authorize"),
        token_endpoint: format!("{base}/token"),
        userinfo_endpoint: Some("https://graph.microsoft.com/oidc/userinfo".into()),
        jwks_uri: Some(format!("https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys")),
        issuers,
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        use_pkce: true,
        claims: ClaimNames {
            user_id: "sub".into(),
            email: "email".into(),
            display_name: "name".into(),
            role: "roles".into(),
        },
    }))
}
