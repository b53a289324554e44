//! The providers' signing keys (JWKS), fetched on first use and kept in memory. A token
//! naming a key id we do not hold makes us fetch the set again once, so a provider that
//! rotates its keys keeps working without a restart; a set that still lacks the key means
//! the token was not signed by the provider.

use jsonwebtoken::jwk::Jwk;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// Key sets by JWKS URL.
#[derive(Default)]
pub struct KeySets {
    sets: Mutex<HashMap<String, Vec<Jwk>>>,
}

#[derive(Debug, PartialEq)]
pub enum KeyError {
    /// The JWKS URL could not be reached or did not answer with a key set.
    Unreachable(String),
    /// The set has no key for this token (by `kid`, or no single key when it names none).
    NoSuchKey,
}

/// `{"keys": [...]}`, read key by key: one key of a kind we do not know (an encryption
/// key, a new curve) must not make the whole set unreadable.
#[derive(Deserialize)]
struct RawSet {
    keys: Vec<serde_json::Value>,
}

impl KeySets {
    /// The key that verifies a token with this `kid`, from the set at `url`.
    pub async fn key(&self, http: &reqwest::Client, url: &str, kid: Option<&str>) -> Result<Jwk, KeyError> {
        if let Some(found) = self.cached(url, kid) {
            return Ok(found);
        }
        let fresh = fetch(http, url).await?;
        let found = pick(&fresh, kid);
        self.sets.lock().unwrap_or_else(|p| p.into_inner()).insert(url.to_string(), fresh);
        found.ok_or(KeyError::NoSuchKey)
    }

    fn cached(&self, url: &str, kid: Option<&str>) -> Option<Jwk> {
        let sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        pick(sets.get(url)?, kid)
    }
}

/// The key named by `kid`; without a `kid`, the set's only key.
fn pick(keys: &[Jwk], kid: Option<&str>) -> Option<Jwk> {
    match kid {
        Some(kid) => keys.iter().find(|k| k.common.key_id.as_deref() == Some(kid)).cloned(),
        None => match keys {
            [only] => Some(only.clone()),
            _ => None,
        },
    }
}

async fn fetch(http: &reqwest::Client, url: &str) -> Result<Vec<Jwk>, KeyError> {
    let answer = http.get(url).send().await.map_err(|e| {
        tracing::warn!(error = %e, url, "SSO key set (JWKS) unreachable");
        KeyError::Unreachable(format!("{url} could not be reached"))
    })?;
    if !answer.status().is_success() {
        return Err(KeyError::Unreachable(format!("{url} answered {}", answer.status())));
    }
    let raw: RawSet =
        answer.json().await.map_err(|_| KeyError::Unreachable(format!("{url} did not answer with a key set")))?;
    Ok(raw.keys.into_iter().filter_map(|k| serde_json::from_value(k).ok()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwk(kid: Option<&str>) -> Jwk {
        let mut value = serde_json::json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"});
        if let Some(kid) = kid {
            value["kid"] = kid.into();
        }
        serde_json::from_value(value).expect("a well-formed RSA JWK")
    }

    #[test]
    fn a_kid_picks_its_key_and_no_kid_needs_a_single_key() {
        let two = vec![jwk(Some("a")), jwk(Some("b"))];
        assert_eq!(pick(&two, Some("b")).and_then(|k| k.common.key_id), Some("b".to_string()));
        assert!(pick(&two, Some("c")).is_none());
        assert!(pick(&two, None).is_none(), "which of two keys is ambiguous");
        assert!(pick(&[jwk(None)], None).is_some());
    }

    #[test]
    fn unknown_kinds_of_keys_are_skipped_not_fatal() {
        let raw: RawSet =
            serde_json::from_str(r#"{"keys": [{"kty": "XYZ"}, {"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"}]}"#)
                .expect("a key set");
        let keys: Vec<Jwk> = raw.keys.into_iter().filter_map(|k| serde_json::from_value(k).ok()).collect();
        assert_eq!(keys.len(), 1);
    }
}
