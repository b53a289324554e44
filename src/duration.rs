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
pub struct DurationError(pub String);

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`{}` is not a duration: use a number and a unit, one of s, m, h, d, w, mo (e.g. `30s`, `10m`, `1h`, `7d`, `1mo`)",
            self.0
        )
    }
}

impl std::error::Error for DurationError {}

impl Duration {
    /// Parses a duration; `-1` (never) is handled by the callers that allow it.
    pub fn parse(text: &str) -> Result<Self, DurationError> {
        let text = text.trim();
        let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let n: i64 = number.parse().map_err(|_| DurationError(text.to_string()))?;
        if n <= 0 {
            return Err(DurationError(text.to_string()));
        }
        let seconds = match unit {
            "s" => n,
            "m" => n * 60,
            "h" => n * 3600,
            "d" => n * 86_400,
            "w" => n * 7 * 86_400,
            "mo" => {
                let months = u32::try_from(n).map_err(|_| DurationError(text.to_string()))?;
                return Ok(Duration::Months(months));
            }
            _ => return Err(DurationError(text.to_string())),
        };
        Ok(Duration::Seconds(seconds))
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
