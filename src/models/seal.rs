//! Upstream credentials of stored models are kept sealed: ChaCha20-Poly1305 under a key
//! derived from the proxy's secret (which never enters the database), with a random nonce
//! per value and the model's id as associated data, so a sealed value copied onto another
//! model's row does not open. A database file or backup alone reveals no credential.

use base64::Engine;
use base64::engine::general_purpose::STANDARD_NO_PAD;
use rand::RngCore;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};

/// The version prefix of a sealed value, so the scheme can change without guessing.
const PREFIX: &str = "v1.";

pub struct CredentialKey(LessSafeKey);

/// A sealed value that cannot be opened: the proxy's secret changed, or the row was
/// edited by hand.
#[derive(Debug, thiserror::Error)]
#[error(
    "the stored credential cannot be opened with this proxy's secret (was PROXY_SECRET_KEY or the key file changed?)"
)]
pub struct Unopenable;

impl CredentialKey {
    pub fn new(key: [u8; 32]) -> Self {
        // A 32-byte key is exactly what ChaCha20-Poly1305 takes, so this cannot fail.
        let unbound = UnboundKey::new(&CHACHA20_POLY1305, &key).unwrap_or_else(|_| unreachable!("32-byte key"));
        CredentialKey(LessSafeKey::new(unbound))
    }

    pub fn seal(&self, model_id: &str, clear: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let mut data = clear.as_bytes().to_vec();
        // Sealing in memory with a valid key and nonce does not fail.
        let _ = self.0.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(model_id), &mut data);
        let mut out = nonce.to_vec();
        out.extend(data);
        format!("{PREFIX}{}", STANDARD_NO_PAD.encode(out))
    }

    pub fn open(&self, model_id: &str, sealed: &str) -> Result<String, Unopenable> {
        let bytes = sealed.strip_prefix(PREFIX).and_then(|b| STANDARD_NO_PAD.decode(b).ok()).ok_or(Unopenable)?;
        if bytes.len() < NONCE_LEN {
            return Err(Unopenable);
        }
        let (nonce, data) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| Unopenable)?;
        let mut data = data.to_vec();
        let clear = self.0.open_in_place(nonce, Aad::from(model_id), &mut data).map_err(|_| Unopenable)?;
        String::from_utf8(clear.to_vec()).map_err(|_| Unopenable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_what_it_sealed_for_the_same_model_only() {
        let key = CredentialKey::new([7; 32]);
        let sealed = key.seal("m1", "sk-upstream-secret");
        assert!(!sealed.contains("sk-upstream"));
        assert_ne!(sealed, key.seal("m1", "sk-upstream-secret"), "a fresh nonce each time");
        assert_eq!(key.open("m1", &sealed).unwrap(), "sk-upstream-secret");
        assert!(key.open("m2", &sealed).is_err(), "moved to another model's row");
        assert!(CredentialKey::new([8; 32]).open("m1", &sealed).is_err(), "another secret");
        assert!(key.open("m1", "v1.AAAA").is_err());
        assert!(key.open("m1", "garbage").is_err());
    }
}
