//! A deployment's `api_base`. Operators put credentials in it (`https://user:pass@host/v1`),
//! so like [`super::Secret`] it debugs and serialises masked, and everything that shows or
//! stores one (`check-config`, `/ui/settings`, `/ui/models`, `/health`, spend rows) shows
//! [`mask_url`]'s form. The upstream request is built from [`ApiBase::request_url`], which
//! leaves the userinfo out: the HTTP client never sent it (it is not turned into basic
//! auth), and without it neither the client's logs nor an egress proxy see it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct ApiBase(String);

/// The parts of a URL around its userinfo: (`scheme://`, userinfo, `host...`).
fn split_userinfo(url: &str) -> Option<(&str, &str, &str)> {
    let start = url.find("://")? + 3;
    let authority_end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    let at = url[start..authority_end].rfind('@')? + start;
    Some((&url[..start], &url[start..at], &url[at + 1..]))
}

/// The URL with its userinfo's password replaced by `****` (`https://user:****@host/v1`).
/// A user name alone can be a token, so it is masked whole (`https://****@host/v1`).
pub fn mask_url(url: &str) -> String {
    match split_userinfo(url) {
        Some((scheme, userinfo, rest)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}{user}:****@{rest}"),
            None => format!("{scheme}****@{rest}"),
        },
        None => url.to_string(),
    }
}

impl ApiBase {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL as configured, credentials included (for checks of its form only).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL without its userinfo: what upstream requests are built on.
    pub fn request_url(&self) -> String {
        match split_userinfo(&self.0) {
            Some((scheme, _, rest)) => format!("{scheme}{rest}"),
            None => self.0.clone(),
        }
    }

    /// The URL as shown anywhere: see [`mask_url`].
    pub fn masked(&self) -> String {
        mask_url(&self.0)
    }

    /// The secret part of the userinfo (the password, or a lone user name), to be kept out
    /// of what upstream errors relay.
    pub fn credential(&self) -> Option<&str> {
        let (_, userinfo, _) = split_userinfo(&self.0)?;
        let secret = userinfo.split_once(':').map_or(userinfo, |(_, password)| password);
        (!secret.is_empty()).then_some(secret)
    }
}

impl fmt::Display for ApiBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for ApiBase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiBase({})", self.masked())
    }
}

impl Serialize for ApiBase {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

impl<'de> Deserialize<'de> for ApiBase {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(ApiBase)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_the_password_of_the_userinfo_only() {
        assert_eq!(mask_url("https://bob:s3cret@host:8080/v1?x=1"), "https://bob:****@host:8080/v1?x=1");
        assert_eq!(mask_url("https://token@host/v1"), "https://****@host/v1");
        assert_eq!(mask_url("http://host/v1/@not-userinfo"), "http://host/v1/@not-userinfo");
        assert_eq!(mask_url("http://a:b@c@host"), "http://a:****@host", "the last @ ends the userinfo");
        assert_eq!(mask_url("http://localhost:8000/v1"), "http://localhost:8000/v1");
        assert_eq!(mask_url("not a url"), "not a url");
    }

    #[test]
    fn requests_go_without_the_userinfo_and_the_password_is_known_for_redaction() {
        let base = ApiBase::new("http://bob:s3cret@127.0.0.1:9/v1");
        assert_eq!(base.request_url(), "http://127.0.0.1:9/v1");
        assert_eq!(base.credential(), Some("s3cret"));
        assert_eq!(
            format!("{base} {base:?}"),
            "http://bob:****@127.0.0.1:9/v1 ApiBase(http://bob:****@127.0.0.1:9/v1)"
        );
        assert_eq!(serde_json::to_string(&base).unwrap(), "\"http://bob:****@127.0.0.1:9/v1\"");
        assert_eq!(ApiBase::new("http://h/v1").credential(), None);
        assert_eq!(ApiBase::new("http://tok@h").credential(), Some("tok"));
    }
}
