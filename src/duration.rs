//! LiteLLM's duration strings (`30s`, `10m`, `1h`, `7d`, `2w`, `1mo`, `-1`), used by key
//! lifetimes, budget periods and session lengths.

use chrono::{DateTime, Months, Utc};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    Seconds(i64),
    Months(u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    Malformed(String),
    TooLong(String),
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Malformed(text) => write!(
                f,
                "`{text}` is not a duration: use a number and a unit, one of s, m, h, d, w, mo (e.g. `30s`, `10m`, `1h`, `7d`, `1mo`)"
            ),
            DurationError::TooLong(text) => write!(f, "`{text}` is longer than 1000 years, the longest duration taken"),
        }
    }
}

impl std::error::Error for DurationError {}

/// The longest duration taken: 1,000 years.
const MAX_MONTHS: u32 = 12_000;

fn too_long(text: &str) -> DurationError {
    DurationError::TooLong(text.to_string())
}

impl Duration {
    /// Parses a duration; `-1` (never) is handled by the callers that allow it.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let n: i64 = number.parse().map_err(|_| DurationError::Malformed(text.to_string()))?;
        if n <= 0 {
            return Err(DurationError::Malformed(text.to_string()));
        }
        let unit_seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            "mo" => {
                let months = u32::try_from(n).ok().filter(|m| *m <= MAX_MONTHS).ok_or_else(|| too_long(text))?;
                return Ok(Duration::Months(months));
            }
            _ => return Err(DurationError::Malformed(text.to_string())),
        };
        // Checked, and bounded so that any date plus it stays a date: a number a client
        // sends must not overflow into a panic or a lifetime in the past.
        let seconds = n.checked_mul(unit_seconds).filter(|s| *s <= MAX_MONTHS as i64 * 31 * 86_400);
        seconds.map(Duration::Seconds).ok_or_else(|| too_long(text))
    }

    /// Length in seconds, a month counted as 30 days (for comparing against a bound).
    pub fn approx_seconds(self) -> i64 {
        match self {
            Duration::Seconds(s) => s,
            Duration::Months(m) => i64::from(m) * 30 * 86_400,
        }
    }

    /// `from` plus this duration; months are calendar months.
    pub fn after(self, from: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Duration::Seconds(s) => from + chrono::Duration::seconds(s),
            Duration::Months(m) => from.checked_add_months(Months::new(m)).unwrap_or(from),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_past_a_thousand_years_are_refused_not_overflowed() {
        for text in ["9999999999999999d", "9223372036854775807s", "400000000000w", "12001mo", "99999999999mo"] {
            let error = Duration::parse(text).unwrap_err();
            assert!(error.to_string().contains("1000 years"), "{text}: {error}");
        }
        let longest = Duration::parse("1000000000000s").map(|d| d.after(chrono::Utc::now()));
        assert!(longest.is_err());
        let now = chrono::Utc::now();
        assert!(Duration::parse("365000d").unwrap().after(now) > now);
        assert!(Duration::parse("12000mo").unwrap().after(now) > now);
    }

    #[test]
    fn parses_litellm_units() {
        assert_eq!(Duration::parse("30s"), Ok(Duration::Seconds(30)));
        assert_eq!(Duration::parse("10m"), Ok(Duration::Seconds(600)));
        assert_eq!(Duration::parse("1h"), Ok(Duration::Seconds(3600)));
        assert_eq!(Duration::parse("7d"), Ok(Duration::Seconds(604_800)));
        assert_eq!(Duration::parse("2w"), Ok(Duration::Seconds(1_209_600)));
        assert_eq!(Duration::parse("1mo"), Ok(Duration::Months(1)));
    }

    #[test]
    fn refuses_nonsense() {
        for bad in ["", "d", "10", "10x", "-5d", "0d", "1.5h", "mo1"] {
            assert!(Duration::parse(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn months_are_calendar_months() {
        let jan31 = DateTime::parse_from_rfc3339("2026-01-31T10:00:00Z").unwrap().to_utc();
        let later = Duration::Months(1).after(jan31);
        assert_eq!(later.to_rfc3339(), "2026-02-28T10:00:00+00:00");
    }
}
