//! A configured secret (master key, passwords, provider keys). It keeps its value out of
//! `Debug` output and serialises masked, so printing the effective config or logging a
//! settings struct never shows it.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The clear value, for the one place that needs it (a comparison, an upstream header).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// First four and last four characters, as LiteLLM shows keys: `sk-1****abcd`.
    pub fn masked(&self) -> String {
        mask(&self.0)
    }
}

/// Masks any secret-looking string: short values become all stars.
pub fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() <= 12 {
        return "****".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({})", self.masked())
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.masked())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_serialize_never_show_the_value() {
        let secret = Secret::new("sk-verysecretvalue1234");
        assert_eq!(format!("{secret:?}"), "Secret(sk-v****1234)");
        assert_eq!(serde_json::to_string(&secret).unwrap(), "\"sk-v****1234\"");
        assert_eq!(Secret::new("short").masked(), "****");
    }
}
