//! The proxy's own secret: the root of every key the proxy keeps for itself (the session
//! signing key now; a key that encrypts stored credentials later, under another purpose).
//! It is never written to the database, so the database file, a copy of it and every
//! backup are useless for signing a session for the live proxy.
//!
//! It comes from `general_settings.secret_key` (`PROXY_SECRET_KEY`, `PROXY_SECRET_KEY_FILE`
//! or LiteLLM's `LITELLM_SALT_KEY`, checked for length by the configuration), or else from a
//! key file beside the database, made on the first start with mode 0600 and read on every
//! start after. The key file is named after the database's stem (`proxy.key` for
//! `proxy.db`) rather than `proxy.db.key`, so copying `proxy.db*` to back up a stopped proxy
//! does not take the key along.

use crate::config::Secret;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

/// The shortest secret accepted, in characters: 32 random characters carry well over 128 bits.
pub const MIN_LENGTH: usize = 32;

/// The root secret. Only [`ProxySecret::derive`] lets anything out of it.
pub struct ProxySecret(Secret);

/// Where the secret came from, for the start-up log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// `general_settings.secret_key` or one of its variables.
    Configured,
    /// The key file, `created` on this start or read.
    KeyFile { path: PathBuf, created: bool },
}

/// Why the key file cannot be used; each message names the fix.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error(
        "the key file {path} can be used by other users (mode {mode:04o}) and holds the secret that signs sessions: run `chmod 600 {path}` (owned by the user running proxy), or set PROXY_SECRET_KEY instead"
    )]
    Exposed { path: String, mode: u32 },
    #[error(
        "cannot read the key file {path} ({detail}): make it a file readable by the user running proxy (`chmod 600 {path}`), or set PROXY_SECRET_KEY instead"
    )]
    Unreadable { path: String, detail: String },
    #[error(
        "the key file {path} holds {length} characters, fewer than {MIN_LENGTH}: put the secret back in it, or delete it to have a new one made at the next start (everyone is signed out)"
    )]
    TooShort { path: String, length: usize },
    #[error(
        "cannot create the key file {path} ({detail}): make its directory writable, or set PROXY_SECRET_KEY (or PROXY_SECRET_KEY_FILE) instead"
    )]
    Create { path: String, detail: String },
}

impl ProxySecret {
    /// The configured secret (already checked by the configuration), or the key file
    /// beside `database`, created now if there is none.
    pub fn load(configured: Option<&Secret>, database: &Path) -> Result<(Self, SecretSource), SecretError> {
        if let Some(secret) = configured {
            return Ok((Self(secret.clone()), SecretSource::Configured));
        }
        let path = key_file_path(database);
        let created = match create_key_file(&path) {
            Ok(()) => true,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => false,
            Err(e) => return Err(SecretError::Create { path: path.display().to_string(), detail: e.to_string() }),
        };
        let secret = read_key_file(&path)?;
        Ok((Self(secret), SecretSource::KeyFile { path, created }))
    }

    /// The key for one purpose: HMAC-SHA256 of the purpose label under the secret, so keys
    /// for different purposes never equal each other or the secret.
    pub fn derive(&self, purpose: &str) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.0.expose().as_bytes())
            .expect("invariant: HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

/// `dir/proxy.key` for `dir/proxy.db`.
pub fn key_file_path(database: &Path) -> PathBuf {
    let mut name = database.file_stem().map(|s| s.to_os_string()).unwrap_or_else(|| "proxy".into());
    name.push(".key");
    let path = database.with_file_name(name);
    if path == database {
        // A database itself named `x.key`: `x.key.key`, never the database.
        let mut name = database.as_os_str().to_os_string();
        name.push(".key");
        return PathBuf::from(name);
    }
    path
}

/// Makes a new key file, owner-only from its first byte: 32 random bytes as hex. Fails
/// with `AlreadyExists` when there is one (`create_new`, so two starts never both write).
fn create_key_file(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let written = file.write_all(format!("{}\n", hex::encode(bytes)).as_bytes()).and_then(|()| file.sync_all());
    if let Err(e) = written {
        // An empty key file would stop the next start: leave none instead.
        let _ = std::fs::remove_file(path);
        return Err(e);
    }
    Ok(())
}

/// Reads the key file, refusing one that other users may read or change.
fn read_key_file(path: &Path) -> Result<Secret, SecretError> {
    let shown = path.display().to_string();
    let unreadable = |e: std::io::Error| SecretError::Unreadable { path: shown.clone(), detail: e.to_string() };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(unreadable)?.permissions().mode() & 0o7777;
        if mode & 0o077 != 0 {
            return Err(SecretError::Exposed { path: shown, mode });
        }
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(unreadable)?;
    let text = text.trim();
    let length = text.chars().count();
    if length < MIN_LENGTH {
        return Err(SecretError::TooShort { path: shown, length });
    }
    Ok(Secret::new(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_file_is_named_after_the_database_stem() {
        assert_eq!(key_file_path(Path::new("/data/proxy.db")), Path::new("/data/proxy.key"));
        assert_eq!(key_file_path(Path::new("/data/llm.sqlite3")), Path::new("/data/llm.key"));
        assert_eq!(key_file_path(Path::new("/data/store")), Path::new("/data/store.key"));
        assert_eq!(key_file_path(Path::new("/data/x.key")), Path::new("/data/x.key.key"));
    }

    #[test]
    fn purposes_give_different_keys_and_the_same_secret_the_same_key() {
        let a = ProxySecret(Secret::new("a".repeat(32)));
        let b = ProxySecret(Secret::new("b".repeat(32)));
        assert_eq!(a.derive("one"), ProxySecret(Secret::new("a".repeat(32))).derive("one"));
        assert_ne!(a.derive("one"), a.derive("two"));
        assert_ne!(a.derive("one"), b.derive("one"));
    }

    #[test]
    fn the_key_file_is_made_once_then_read() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("proxy.db");
        let (first, source) = ProxySecret::load(None, &db).unwrap();
        assert_eq!(source, SecretSource::KeyFile { path: dir.path().join("proxy.key"), created: true });
        let text = std::fs::read_to_string(dir.path().join("proxy.key")).unwrap();
        assert_eq!(text.trim().len(), 64);
        let (again, source) = ProxySecret::load(None, &db).unwrap();
        assert_eq!(source, SecretSource::KeyFile { path: dir.path().join("proxy.key"), created: false });
        assert_eq!(first.derive("x"), again.derive("x"));
    }

    #[test]
    fn a_configured_secret_makes_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let secret = Secret::new("c".repeat(40));
        let (_, source) = ProxySecret::load(Some(&secret), &dir.path().join("proxy.db")).unwrap();
        assert_eq!(source, SecretSource::Configured);
        assert!(!dir.path().join("proxy.key").exists());
    }

    #[test]
    fn a_short_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proxy.key");
        std::fs::write(&path, "short\n").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
        let Err(error) = ProxySecret::load(None, &dir.path().join("proxy.db")) else { panic!("accepted") };
        assert!(matches!(error, SecretError::TooShort { length: 5, .. }), "{error}");
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_key_file_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proxy.key");
        // Root reads any file, so a directory stands in for one that cannot be read.
        std::fs::create_dir(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
        let Err(error) = ProxySecret::load(None, &dir.path().join("proxy.db")) else { panic!("accepted") };
        let message = error.to_string();
        assert!(message.contains("cannot read the key file") && message.contains("PROXY_SECRET_KEY"), "{message}");
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_the_fix() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("proxy.key");
        std::fs::write(&path, "d".repeat(64)).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        let Err(error) = ProxySecret::load(None, &dir.path().join("proxy.db")) else { panic!("accepted") };
        let message = error.to_string();
        assert!(message.contains("mode 0640") && message.contains("chmod 600"), "{message}");
    }
}
