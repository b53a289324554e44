//! The providers' signing keys (JWKS), fetched on first use and kept in memory. A token
//! naming a key id we do not hold makes us fetch the set again once, so a provider that
//! rotates its keys keeps working without a restart; a set that still lacks the key means
//! the token was not signed by the provider. A set older than `MAX_AGE_SECONDS` is fetched
//! again, so a key the provider withdrew stops being trusted.

use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Mutex;

/// How long a fetched key set is trusted (LiteLLM's `public_key_ttl` default).
const MAX_AGE_SECONDS: i64 = 600;

/// Key sets by JWKS URL, with when they were fetched.
#[derive(Default)]
pub struct KeySets {
    sets: Mutex<HashMap<String, Fetched>>,
}

struct Fetched {
    at: i64,
    keys: Vec<Jwk>,
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
    /// The key that verifies a token with this `kid`, from the set at `url`; `now` in
    /// seconds since the epoch.
    pub async fn key(&self, http: &reqwest::Client, url: &str, kid: Option<&str>, now: i64) -> Result<Jwk, KeyError> {
        if let Some(found) = self.cached(url, kid, now) {
            return Ok(found);
        }
        let keys = fetch(http, url).await?;
        let found = pick(&keys, kid);
        self.remember(url, keys, now);
        found.ok_or(KeyError::NoSuchKey)
    }

    fn remember(&self, url: &str, keys: Vec<Jwk>, now: i64) {
        self.sets.lock().unwrap_or_else(|p| p.into_inner()).insert(url.to_string(), Fetched { at: now, keys });
    }

    fn cached(&self, url: &str, kid: Option<&str>, now: i64) -> Option<Jwk> {
        let sets = self.sets.lock().unwrap_or_else(|p| p.into_inner());
        let fetched = sets.get(url).filter(|f| now - f.at < MAX_AGE_SECONDS)?;
        pick(&fetched.keys, kid)
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
    Ok(signing_keys(raw))
}

/// The keys of a set that may verify signatures: readable ones not marked for encryption.
fn signing_keys(raw: RawSet) -> Vec<Jwk> {
    raw.keys
        .into_iter()
        .filter_map(|k| serde_json::from_value::<Jwk>(k).ok())
        .filter(|k| k.common.public_key_use != Some(PublicKeyUse::Encryption))
        .collect()
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
    fn a_set_is_trusted_for_a_while_then_fetched_again() {
        let sets = KeySets::default();
        sets.remember("u", vec![jwk(Some("a"))], 1_000);
        assert!(sets.cached("u", Some("a"), 1_000 + MAX_AGE_SECONDS - 1).is_some());
        assert!(sets.cached("u", Some("a"), 1_000 + MAX_AGE_SECONDS).is_none());
        assert!(sets.cached("u", Some("b"), 1_000).is_none(), "an unknown kid means fetching again");
        assert!(sets.cached("other", Some("a"), 1_000).is_none());
    }

    #[test]
    fn unknown_kinds_of_keys_are_skipped_not_fatal() {
        let raw: RawSet = serde_json::from_str(
            r#"{"keys": [{"kty": "XYZ"}, {"kty": "RSA", "kid": "k", "n": "AQAB", "e": "AQAB"},
                         {"kty": "RSA", "kid": "e", "use": "enc", "n": "AQAB", "e": "AQAB"}]}"#,
        )
        .expect("a key set");
        let keys = signing_keys(raw);
        assert_eq!(keys.len(), 1, "the unknown kind and the encryption key are left out");
        assert_eq!(keys[0].common.key_id.as_deref(), Some("k"));
    }
}
