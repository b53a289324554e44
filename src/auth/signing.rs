//! The secret that signs the proxy's own JWTs (onboarding tokens, UI sessions). It is
//! generated on first start and kept in the `settings` table, so tokens survive a
//! restart, and it is independent of the master key, so rotating that key does not
//! sign everyone out. HS256 with `jsonwebtoken`; expiry is checked by the callers against
//! the proxy's clock (which tests move), not by the library's wall clock.

use crate::db::{Db, DbError};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::Serialize;
use serde::de::DeserializeOwned;

const SETTING: &str = "jwt_signing_secret";

#[derive(Clone)]
pub struct SigningKey {
    secret: Vec<u8>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKey(****)")
    }
}

impl SigningKey {
    /// The stored secret, or a new random one stored now.
    pub fn load_or_generate(db: &Db) -> Result<Self, DbError> {
        let stored: Option<String> = db.read_blocking(|conn| {
            use rusqlite::OptionalExtension;
            conn.query_row("SELECT value FROM settings WHERE name = ?1", [SETTING], |r| r.get(0)).optional()
        })?;
        if let Some(secret) = stored.and_then(|s| hex::decode(s).ok()).filter(|s| s.len() >= 32) {
            return Ok(Self { secret });
        }
        let mut secret = vec![0u8; 32];
        rand::rng().fill_bytes(&mut secret);
        let text = hex::encode(&secret);
        // Insert-or-keep: should two starts race (they cannot: the owner lock), the first wins.
        let kept: String = db.write_blocking(|tx| {
            tx.execute(
                "INSERT INTO settings (name, value, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING",
                rusqlite::params![SETTING, text, crate::time::now_text()],
            )
            .map_err(DbError::from)?;
            tx.query_row("SELECT value FROM settings WHERE name = ?1", [SETTING], |r| r.get(0)).map_err(DbError::from)
        })?;
        let secret = hex::decode(kept).map_err(|e| DbError::Other(format!("bad signing secret: {e}")))?;
        Ok(Self { secret })
    }

    #[cfg(test)]
    pub fn from_bytes(secret: &[u8]) -> Self {
        Self { secret: secret.to_vec() }
    }

    pub fn sign<T: Serialize>(&self, claims: &T) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &EncodingKey::from_secret(&self.secret))
    }

    /// The claims of a token this key signed, or `None` (bad signature, other algorithm,
    /// malformed). Expiry is the caller's to check.
    pub fn verify<T: DeserializeOwned>(&self, token: &str) -> Option<T> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation.required_spec_claims.clear();
        jsonwebtoken::decode::<T>(token, &DecodingKey::from_secret(&self.secret), &validation).ok().map(|d| d.claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Claims {
        sub: String,
        exp: i64,
    }

    #[test]
    fn verifies_only_its_own_tokens() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let other = SigningKey::from_bytes(&[8; 32]);
        let claims = Claims { sub: "u1".into(), exp: 1 };
        let token = key.sign(&claims).unwrap();
        assert_eq!(key.verify::<Claims>(&token), Some(claims));
        assert_eq!(other.verify::<Claims>(&token), None);
        assert_eq!(key.verify::<Claims>("not.a.token"), None);
    }
}
