//! Upstream keys out of upstream errors. An upstream's error body is relayed to the key's
//! owner and stored in the failure row; an upstream that echoes the request's headers (a
//! misconfigured gateway, a debugging proxy) would hand them the deployment's api key. So
//! every error body that comes from an upstream passes through [`Redactor::redact`] once,
//! where it enters the gateway ([`super::upstream::read_error`]), and every configured
//! upstream credential in it (each deployment's `api_key`, which is what the `Authorization`
//! and `api-key` headers carried, and each password in an `api_base`) is replaced.

use std::borrow::Cow;

/// What a credential is replaced with.
pub const REDACTED: &str = "[redacted]";

/// Credentials shorter than this are placeholders (`none`, `x`) that would garble any
/// message they were cut out of.
const SHORTEST_SECRET: usize = 4;

#[derive(Default)]
pub struct Redactor {
    /// Longest first, so a key that contains another is replaced whole.
    secrets: Vec<String>,
}

impl Redactor {
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a str>) -> Self {
        let mut secrets: Vec<String> =
            secrets.into_iter().filter(|s| s.len() >= SHORTEST_SECRET).map(str::to_string).collect();
        secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
        secrets.dedup();
        Self { secrets }
    }

    /// The body with every configured credential replaced by [`REDACTED`]. Bodies are
    /// text (JSON or a message); bytes that are not UTF-8 become U+FFFD.
    pub fn redact<'b>(&self, body: &'b [u8]) -> Cow<'b, [u8]> {
        let text = String::from_utf8_lossy(body);
        if !self.secrets.iter().any(|s| text.contains(s.as_str())) {
            return Cow::Borrowed(body);
        }
        let mut text = text.into_owned();
        for secret in &self.secrets {
            text = text.replace(secret.as_str(), REDACTED);
        }
        Cow::Owned(text.into_bytes())
    }

    /// A message (an upstream's error as text) with every configured credential replaced.
    pub fn redact_text(&self, text: &str) -> String {
        String::from_utf8_lossy(&self.redact(text.as_bytes())).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_every_configured_credential_and_leaves_the_rest() {
        let redactor = Redactor::new(["sk-upstream-1234", "sk-upstream-1234-long", "pw99", "x"]);
        let body = br#"{"error":{"message":"bad key: Bearer sk-upstream-1234-long (also sk-upstream-1234, pw99)"}}"#;
        let redacted = redactor.redact(body);
        assert_eq!(
            std::str::from_utf8(&redacted).unwrap(),
            r#"{"error":{"message":"bad key: Bearer [redacted] (also [redacted], [redacted])"}}"#
        );
        assert!(matches!(redactor.redact(b"nothing secret, x marks"), Cow::Borrowed(_)), "short values are kept");
        assert_eq!(redactor.redact_text("key pw99"), "key [redacted]");
    }
}
