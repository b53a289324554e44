//! Google: `GOOGLE_CLIENT_ID` and `GOOGLE_CLIENT_SECRET`; Google's OIDC endpoints. Google
//! says whether an email is verified (`email_verified`), so returning users may be matched
//! by email.

use super::provider::{ClaimNames, Missing, Provider};
use crate::config::SsoSettings;

pub fn provider(sso: &SsoSettings) -> Option<Result<Provider, Missing>> {
    let client_id = sso.google_client_id.clone()?;
    let Some(secret) = &sso.google_client_secret else { return Some(Err(Missing(vec!["GOOGLE_CLIENT_SECRET"]))) };
    Some(Ok(Provider {
        name: "google",
        client_id,
        client_secret: Some(secret.expose().to_string()),
        authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth".into(),
        token_endpoint: "https://oauth2.googleapis.com/token".into(),
        userinfo_endpoint: Some("https://openidconnect.googleapis.com/v1/userinfo".into()),
        jwks_uri: Some("https://www.googleapis.com/oauth2/v3/certs".into()),
        // Google documents both spellings.
        issuers: vec!["https://accounts.google.com".into(), "accounts.google.com".into()],
        scopes: vec!["openid".into(), "email".into(), "profile".into()],
        use_pkce: true,
        claims: ClaimNames {
            user_id: "sub".into(),
            email: "email".into(),
            display_name: "name".into(),
            role: "role".into(),
        },
    }))
}
