//! UI sessions: a JWT (HS256, signed with the key `signing_secret.rs` derives) in the cookie
//! `token`, as LiteLLM's UI expects, but HttpOnly. The token alone proves nothing: every
//! request checks it against the in-memory user table, so deleting a user, changing their
//! role or bumping their `session_epoch` (blocking, logout) ends their sessions at once.
//! Expiry is checked against `state.clock`, so tests can move time.

use super::Role;
use crate::state::AppState;
use crate::users::UserRecord;
use axum::http::{HeaderMap, HeaderValue, header};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The cookie LiteLLM's UI reads.
pub const COOKIE: &str = "token";

/// How the session was opened (`login_method` claim).
pub const PASSWORD: &str = "username_password";
pub const SSO: &str = "sso";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SessionClaims {
    pub user_id: String,
    pub user_role: Role,
    pub user_email: Option<String>,
    pub login_method: String,
    /// The user's `session_epoch` when the session began.
    pub session_epoch: i64,
    /// Random session id; the CSRF token is derived from it.
    pub sid: String,
    pub iat: i64,
    pub exp: i64,
}

/// A signed-in user, as checked against the user table on this request.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: String,
    pub role: Role,
    pub email: Option<String>,
    pub login_method: String,
    pub sid: String,
}

/// The secret and what is made with it.
#[derive(Clone)]
pub struct SessionKeys {
    secret: Vec<u8>,
}

impl SessionKeys {
    pub fn new(secret: Vec<u8>) -> Self {
        Self { secret }
    }

    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(&self.secret))
    }

    /// Checks the signature only; expiry is the caller's business (against the clock).
    pub fn verify<T: serde::de::DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &DecodingKey::from_secret(&self.secret), &validation).ok().map(|d| d.claims)
    }

    /// A keyed digest of `purpose` and `value`, hex (CSRF tokens, invitation form tokens).
    pub fn mac(&self, purpose: &str, value: &str) -> String {
        let mut mac =
            <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).expect("invariant: HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.update(b"\0");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Compares a presented token with `mac(purpose, value)` in constant time.
    pub fn mac_matches(&self, purpose: &str, value: &str, presented: &str) -> bool {
        use subtle::ConstantTimeEq;
        let expected = self.mac(purpose, value);
        expected.as_bytes().ct_eq(presented.trim().as_bytes()).into()
    }

    /// The CSRF token of a session.
    pub fn csrf_token(&self, sid: &str) -> String {
        self.mac("csrf", sid)
    }
}

/// The session length from `ui_session_duration` (validated at start; 24 h if not).
pub fn lifetime_seconds(state: &AppState) -> i64 {
    crate::duration::Duration::parse(&state.config.settings.general_settings.ui_session_duration)
        .map(|d| d.approx_seconds())
        .unwrap_or(86_400)
}

/// Opens a session for `user`: the token and its lifetime in seconds.
pub fn issue(state: &AppState, user: &UserRecord, role: Role, login_method: &str) -> Result<(String, i64), String> {
    let now = state.clock.now().timestamp();
    let lifetime = lifetime_seconds(state);
    let claims = SessionClaims {
        user_id: user.user_id.clone(),
        user_role: role,
        user_email: user.user_email.clone(),
        login_method: login_method.to_string(),
        session_epoch: user.session_epoch,
        sid: uuid::Uuid::new_v4().simple().to_string(),
        iat: now,
        exp: now + lifetime,
    };
    let token = state.sessions.sign(&claims).map_err(|e| format!("cannot sign a session: {e}"))?;
    Ok((token, lifetime))
}

/// The role a user signs in with: `PROXY_ADMIN_ID` is always a proxy admin.
pub fn effective_role(state: &AppState, user: &UserRecord) -> Role {
    if state.is_proxy_admin_id(&user.user_id) || user.user_id == state.admin_user_id() {
        Role::ProxyAdmin
    } else {
        user.user_role
    }
}

/// Whether `ui_access_mode` lets this role into the UI.
pub fn may_use_ui(state: &AppState, role: Role) -> bool {
    use crate::config::UiAccessMode;
    match state.config.settings.general_settings.ui_access_mode {
        UiAccessMode::All => true,
        UiAccessMode::AdminOnly => role.sees_everything(),
    }
}

/// The session of a request, if its cookie holds one that is still good.
pub fn from_headers(state: &AppState, headers: &HeaderMap) -> Option<SessionUser> {
    let token = cookie(headers, COOKIE)?;
    let claims: SessionClaims = state.sessions.verify(token)?;
    validate(state, claims)
}

/// A session is good while it has not expired and the user row still says what the
/// session says: the user exists, is not blocked, has the same role and the same epoch.
pub fn validate(state: &AppState, claims: SessionClaims) -> Option<SessionUser> {
    if claims.exp <= state.clock.now().timestamp() {
        return None;
    }
    let user = state.users.get(&claims.user_id)?;
    let role = effective_role(state, &user);
    if user.blocked
        || user.session_epoch != claims.session_epoch
        || role != claims.user_role
        || !may_use_ui(state, role)
    {
        return None;
    }
    Some(SessionUser {
        user_id: user.user_id.clone(),
        role,
        email: user.user_email.clone(),
        login_method: claims.login_method,
        sid: claims.sid,
    })
}

/// A cookie's value from the `Cookie` headers.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, Secure over HTTPS.
pub fn set_cookie(name: &str, value: &str, path: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{secure}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("token=; Path=/; Max-Age=0"))
}

/// A `Set-Cookie` value that deletes the cookie.
pub fn clear_cookie(name: &str, path: &str, secure: bool) -> HeaderValue {
    set_cookie(name, "", path, 0, secure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("a=1; token=abc.def; b=2"));
        assert_eq!(cookie(&headers, "token"), Some("abc.def"));
        assert_eq!(cookie(&headers, "c"), None);
    }

    #[test]
    fn tokens_signed_with_another_secret_are_refused() {
        let ours = SessionKeys::new(vec![1; 32]);
        let theirs = SessionKeys::new(vec![2; 32]);
        let token = theirs.sign(&serde_json::json!({"user_id": "x"})).unwrap();
        assert!(ours.verify::<serde_json::Value>(&token).is_none());
        assert!(theirs.verify::<serde_json::Value>(&token).is_some());
    }

    #[test]
    fn csrf_tokens_are_bound_to_the_session() {
        let keys = SessionKeys::new(vec![7; 32]);
        let token = keys.csrf_token("s1");
        assert!(keys.mac_matches("csrf", "s1", &token));
        assert!(!keys.mac_matches("csrf", "s2", &token));
        assert!(!keys.mac_matches("onboarding", "s1", &token));
    }
}
