//! UI session tokens: a JWT signed with the proxy's signing secret, naming the user, their
//! role and their `session_epoch` (bumping the epoch on the user row ends every session
//! minted before). Onboarding mints one after the password is set; the sign-in routes
//! mint and check them too.

use super::SigningKey;
use crate::users::UserRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionClaims {
    pub user_id: String,
    pub user_email: Option<String>,
    pub user_role: String,
    /// `username_password` or `sso`, as LiteLLM names them.
    pub login_method: String,
    pub session_epoch: i64,
    pub iat: i64,
    pub exp: i64,
}

/// A session token for `user`, valid for `lifetime` from `now`.
pub fn mint(
    key: &SigningKey,
    user: &UserRecord,
    login_method: &str,
    now: DateTime<Utc>,
    lifetime: chrono::Duration,
) -> Result<String, jsonwebtoken::errors::Error> {
    key.sign(&SessionClaims {
        user_id: user.user_id.clone(),
        user_email: user.user_email.clone(),
        user_role: user.user_role.as_str().to_string(),
        login_method: login_method.to_string(),
        session_epoch: user.session_epoch,
        iat: now.timestamp(),
        exp: (now + lifetime).timestamp(),
    })
}
