//! One SSO provider, whichever it is: its endpoints, scopes and the names of the claims
//! that carry the user's id, email and role. Google, Microsoft and the generic provider
//! each only fill this struct (`google.rs`, `microsoft.rs`, `generic.rs`); the flow in
//! `flow.rs` is the same for all. First configured wins, as in LiteLLM.

use crate::state::AppState;
use oauth2::basic::{
    BasicErrorResponse, BasicRevocationErrorResponse, BasicTokenIntrospectionResponse, BasicTokenType,
};
use oauth2::{
    AuthUrl, ClientId, ClientSecret, EndpointNotSet, EndpointSet, ExtraTokenFields, RedirectUrl,
    StandardRevocableToken, StandardTokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone)]
pub struct Provider {
    /// `google`, `microsoft` or `generic` (kept in the user's metadata).
    pub name: &'static str,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub userinfo_endpoint: Option<String>,
    /// Where the provider publishes the keys that sign its id tokens. Without it an id
    /// token cannot be verified, so it is ignored and the claims come from userinfo.
    pub jwks_uri: Option<String>,
    /// Accepted `iss` of its id tokens; empty when not known (then not checked).
    pub issuers: Vec<String>,
    pub scopes: Vec<String>,
    pub use_pkce: bool,
    pub claims: ClaimNames,
}

/// Names of the claims read from the id token and userinfo.
#[derive(Debug, Clone)]
pub struct ClaimNames {
    pub user_id: String,
    pub email: String,
    pub display_name: String,
    pub role: String,
}

/// A provider that is half configured: the variables it still needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Missing(pub Vec<&'static str>);

impl Provider {
    /// The configured provider, if any (an error names the missing variables).
    pub fn configured(state: &AppState) -> Option<Result<Provider, Missing>> {
        let sso = &state.config.settings.sso;
        super::google::provider(sso)
            .or_else(|| super::microsoft::provider(sso))
            .or_else(|| super::generic::provider(sso))
    }

    /// The oauth2 client for this provider and our callback URL.
    pub fn client(&self, redirect_uri: &str) -> Result<OAuthClient, String> {
        let mut client = oauth2::Client::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(self.authorization_endpoint.clone())
                    .map_err(|e| format!("authorization endpoint: {e}"))?,
            )
            .set_token_uri(TokenUrl::new(self.token_endpoint.clone()).map_err(|e| format!("token endpoint: {e}"))?)
            .set_redirect_uri(RedirectUrl::new(redirect_uri.to_string()).map_err(|e| format!("redirect URI: {e}"))?);
        if let Some(secret) = &self.client_secret {
            client = client.set_client_secret(ClientSecret::new(secret.clone()));
        }
        Ok(client)
    }

    /// Whether an id token (and so a nonce) is expected.
    pub fn is_oidc(&self) -> bool {
        self.scopes.iter().any(|s| s == "openid")
    }
}

/// The token response with OIDC's `id_token`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct IdTokenField {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
}

impl ExtraTokenFields for IdTokenField {}

pub type TokenResponse = StandardTokenResponse<IdTokenField, BasicTokenType>;

pub type OAuthClient = oauth2::Client<
    BasicErrorResponse,
    TokenResponse,
    BasicTokenIntrospectionResponse,
    StandardRevocableToken,
    BasicRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointSet,
>;

#[cfg(test)]
mod tests {
    use crate::config::{Secret, SsoSettings};

    #[test]
    fn first_configured_wins_and_missing_variables_are_named() {
        let mut sso = SsoSettings {
            microsoft_client_id: Some("ms".into()),
            microsoft_client_secret: Some(Secret::new("s")),
            microsoft_tenant: Some("tenant-1".into()),
            generic_client_id: Some("g".into()),
            ..SsoSettings::default()
        };
        let ms = super::super::microsoft::provider(&sso).unwrap().unwrap();
        assert_eq!(ms.authorization_endpoint, "https://login.microsoftonline.com/tenant-1/oauth2/v2.0/authorize");
        assert!(ms.is_oidc() && ms.use_pkce);
        assert!(super::super::google::provider(&sso).is_none());
        sso.google_client_id = Some("goog".into());
        let google = super::super::google::provider(&sso).unwrap();
        assert_eq!(google.unwrap_err().0, vec!["GOOGLE_CLIENT_SECRET"]);
        let generic = super::super::generic::provider(&sso).unwrap().unwrap_err();
        assert_eq!(
            generic.0,
            vec![
                "GENERIC_CLIENT_SECRET",
                "GENERIC_AUTHORIZATION_ENDPOINT",
                "GENERIC_TOKEN_ENDPOINT",
                "GENERIC_USERINFO_ENDPOINT"
            ]
        );
    }
}
