//! Template filters for numbers people read: dollars (more digits for small amounts, so
//! a cent's fraction of a test request is not shown as $0.00), counts with thousands
//! separators, timestamps cut to the minute, and percent-encoding for links.

use minijinja::Environment;

pub fn register(env: &mut Environment<'static>) {
    env.add_filter("usd", usd);
    env.add_filter("count", count);
    env.add_filter("when", when);
    // Ids in paths and search terms in links: every byte but unreserved ones escaped.
    env.add_filter("urlencode", |value: String| crate::invitations::encode(&value));
}

pub fn usd(value: f64) -> String {
    let digits = if value != 0.0 && value.abs() < 0.01 { 6 } else { 2 };
    format!("${value:.digits$}")
}

pub fn count(value: i64) -> String {
    let text = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i > 0 && (text.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

/// `2026-01-02T03:04:05.000000Z` -> `2026-01-02 03:04`; anything else unchanged.
pub fn when(value: Option<String>) -> String {
    match value {
        Some(text) if text.len() >= 16 && text.as_bytes().get(10) == Some(&b'T') => {
            format!("{} {}", &text[..10], &text[11..16])
        }
        Some(text) => text,
        None => "—".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(usd(12.5), "$12.50");
        assert_eq!(usd(0.000123), "$0.000123");
        assert_eq!(usd(0.0), "$0.00");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(when(Some("2026-01-02T03:04:05.000000Z".into())), "2026-01-02 03:04");
        assert_eq!(when(None), "—");
    }
}
