//! The master key: from the configuration, or generated on first start and kept only as
//! a SHA-256 hash in the `settings` table. Presented keys are compared by hash in constant
//! time, so neither the comparison nor the store reveals the key.

use crate::db::{Db, DbError, settings};
use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const SETTING: &str = "master_key_sha256";

#[derive(Clone)]
pub struct MasterKey {
    hash: [u8; 32],
}

/// What start-up found.
pub enum MasterKeyOrigin {
    /// Set by `general_settings.master_key` or the environment.
    Configured,
    /// Generated now; the only time the clear key exists. Print it once.
    Generated(String),
    /// Generated on an earlier start; its hash is in the database.
    Stored,
}

impl MasterKey {
    pub fn from_clear(key: &str) -> Self {
        Self { hash: Sha256::digest(key.as_bytes()).into() }
    }

    pub fn matches(&self, presented: &str) -> bool {
        let presented: [u8; 32] = Sha256::digest(presented.as_bytes()).into();
        self.hash.ct_eq(&presented).into()
    }

    /// Uses the configured key, or the stored hash, or generates and stores a new key.
    pub fn load_or_generate(db: &Db, configured: Option<&str>) -> Result<(Self, MasterKeyOrigin), DbError> {
        if let Some(key) = configured {
            return Ok((Self::from_clear(key), MasterKeyOrigin::Configured));
        }
        let stored = db.read_blocking(|conn| settings::get(conn, SETTING))?;
        if let Some(hash) = stored.and_then(|h| hex::decode(h).ok()).and_then(|h| <[u8; 32]>::try_from(h).ok()) {
            return Ok((Self { hash }, MasterKeyOrigin::Stored));
        }
        let key = generate_key();
        let master = Self::from_clear(&key);
        let hash = hex::encode(master.hash);
        db.write_blocking(|tx| settings::put(tx, SETTING, &hash, &crate::time::now_text()))?;
        Ok((master, MasterKeyOrigin::Generated(key)))
    }
}

/// Why a configured master key is weak, if it is: anyone could guess it, and whoever
/// knows it is admin. Refused at start unless `dangerously_permit_weak_or_unset_master_key`
/// is set.
pub fn weakness(key: &str) -> Option<&'static str> {
    // LiteLLM's documentation and CI use `sk-1234`; `sk-12345678` would pass the length rule.
    const EXAMPLE_DIGITS: &str = "12345678901234567890";
    let rest = key.strip_prefix("sk-").unwrap_or(key);
    if !rest.is_empty() && EXAMPLE_DIGITS.starts_with(rest) {
        Some("is LiteLLM's documented example key (or one like it)")
    } else if key.chars().count() < MIN_LENGTH {
        Some("is shorter than 8 characters")
    } else {
        None
    }
}

/// The shortest master key accepted without `dangerously_permit_weak_or_unset_master_key`.
pub const MIN_LENGTH: usize = 8;

/// A new secret key: `sk-` and 192 random bits, URL-safe.
pub fn generate_key() -> String {
    use base64::Engine;
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    format!("sk-{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_are_long_and_distinct() {
        let a = generate_key();
        let b = generate_key();
        assert!(a.starts_with("sk-") && a.len() == 35, "{a}");
        assert_ne!(a, b);
    }

    #[test]
    fn the_documented_example_keys_and_short_keys_are_weak() {
        for key in ["sk-1234", "sk-12345678", "sk-1234567890", "sk-abc", ""] {
            assert!(weakness(key).is_some(), "{key}");
        }
        for key in ["sk-abcdefgh", "sk-test-master-key-0123456789", "sk-12345679", &generate_key()] {
            assert_eq!(weakness(key), None, "{key}");
        }
    }

    #[test]
    fn matches_only_the_same_key() {
        let key = MasterKey::from_clear("sk-right");
        assert!(key.matches("sk-right"));
        assert!(!key.matches("sk-wrong"));
        assert!(!key.matches(""));
    }
}
