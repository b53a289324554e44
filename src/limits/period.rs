//! Budget periods: when a budget with `budget_duration` next resets. Calendar-aligned in
//! UTC as LiteLLM's latest: `1d` next midnight, `7d`/`1w` next Monday, `30d` and `Nmo` the
//! 1st of a following month, other `Nd` today's midnight + N days, and `Nh`/`Nm`/`Ns` the
//! next multiple of N on the clock. The same function serves creation, update, the
//! admission check and the reset job, so they never disagree.

use crate::duration::{Duration, DurationError};
use chrono::{DateTime, Datelike, Days, Months, NaiveTime, TimeZone, Timelike, Utc};

/// The first reset strictly after `now` for a budget period.
pub fn next_reset(budget_duration: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, DurationError> {
    let duration = Duration::parse(budget_duration)?;
    let midnight = Utc.from_utc_datetime(&now.date_naive().and_time(NaiveTime::MIN));
    let first_of_month = midnight.with_day(1).unwrap_or(midnight);
    let next = match duration {
        Duration::Months(n) => first_of_month.checked_add_months(Months::new(n)).unwrap_or(first_of_month),
        Duration::Seconds(s) if s == 30 * 86_400 => {
            first_of_month.checked_add_months(Months::new(1)).unwrap_or(first_of_month)
        }
        Duration::Seconds(s) if s == 7 * 86_400 => {
            let days_to_monday = 7 - u64::from(now.weekday().num_days_from_monday());
            midnight.checked_add_days(Days::new(days_to_monday)).unwrap_or(midnight)
        }
        Duration::Seconds(s) if s % 86_400 == 0 => {
            midnight.checked_add_days(Days::new((s / 86_400) as u64)).unwrap_or(midnight)
        }
        Duration::Seconds(s) => {
            let since_midnight = i64::from(now.num_seconds_from_midnight());
            let step = s.max(1);
            let next = (since_midnight / step + 1) * step;
            midnight + chrono::Duration::seconds(next)
        }
    };
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn aligns_to_the_calendar() {
        // 2026-11-23 is a Monday.
        let now = at("2026-11-23T15:04:05Z");
        assert_eq!(next_reset("1d", now).unwrap(), at("2026-11-24T00:00:00Z"));
        assert_eq!(next_reset("7d", now).unwrap(), at("2026-11-30T00:00:00Z"));
        assert_eq!(next_reset("1w", now).unwrap(), at("2026-11-30T00:00:00Z"));
        assert_eq!(next_reset("30d", now).unwrap(), at("2026-12-01T00:00:00Z"));
        assert_eq!(next_reset("1mo", now).unwrap(), at("2026-12-01T00:00:00Z"));
        assert_eq!(next_reset("3mo", now).unwrap(), at("2027-02-01T00:00:00Z"));
        assert_eq!(next_reset("2d", now).unwrap(), at("2026-11-25T00:00:00Z"));
        assert_eq!(next_reset("1h", now).unwrap(), at("2026-11-23T16:00:00Z"));
        assert_eq!(next_reset("15m", now).unwrap(), at("2026-11-23T15:15:00Z"));
        assert_eq!(next_reset("30s", now).unwrap(), at("2026-11-23T15:04:30Z"));
    }

    #[test]
    fn a_reset_is_always_in_the_future() {
        let midnight = at("2026-11-24T00:00:00Z");
        assert_eq!(next_reset("1d", midnight).unwrap(), at("2026-11-25T00:00:00Z"));
        let sunday = at("2026-11-29T23:59:59Z");
        assert_eq!(next_reset("7d", sunday).unwrap(), at("2026-11-30T00:00:00Z"));
        let end_of_day = at("2026-11-23T23:59:50Z");
        assert_eq!(next_reset("30s", end_of_day).unwrap(), at("2026-11-24T00:00:00Z"));
    }

    #[test]
    fn refuses_a_bad_period() {
        assert!(next_reset("soon", Utc::now()).is_err());
    }
}
