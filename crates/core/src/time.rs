//! Calendar arithmetic in the workspace's time zone.
//!
//! Every "day", "month" and as-of boundary in Huaxiang is a calendar day in the
//! workspace's zone (default `Asia/Shanghai`), never UTC and never the machine's
//! local zone. Timestamps are stored as UTC microseconds; these helpers convert
//! between the two views.

use chrono::{NaiveDate, NaiveTime, TimeZone};
use chrono_tz::Tz;

use crate::error::{CoreError, Result};

/// The default workspace time zone.
pub const DEFAULT_TIME_ZONE: &str = "Asia/Shanghai";

/// Parses an IANA time-zone name.
pub fn parse_tz(name: &str) -> Result<Tz> {
    name.parse::<Tz>()
        .map_err(|_| CoreError::UnknownTimeZone(name.to_string()))
}

/// Parses a `YYYY-MM-DD` date.
pub fn parse_date(s: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| CoreError::InvalidDate(s.to_string()))
}

/// UTC microseconds of local midnight at the start of `day` in `tz`.
///
/// Where midnight does not exist (a DST gap), the first instant of the day is used.
pub fn day_start_micros(day: NaiveDate, tz: Tz) -> i64 {
    let naive = day.and_time(NaiveTime::MIN);
    let local = tz
        .from_local_datetime(&naive)
        .earliest()
        .or_else(|| tz.from_local_datetime(&(naive + chrono::Duration::hours(1))).earliest());
    match local {
        Some(dt) => dt.timestamp_micros(),
        // No zone skips more than one hour at midnight; fall back to UTC midnight.
        None => naive.and_utc().timestamp_micros(),
    }
}

/// UTC microseconds of the end of `day` in `tz` (the start of the next day, exclusive).
pub fn day_end_micros(day: NaiveDate, tz: Tz) -> i64 {
    day_start_micros(day.succ_opt().unwrap_or(day), tz)
}

/// The local calendar day of a UTC-microsecond timestamp.
pub fn local_day(micros: i64, tz: Tz) -> Option<NaiveDate> {
    chrono::DateTime::from_timestamp_micros(micros).map(|utc| utc.with_timezone(&tz).date_naive())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shanghai_day_boundaries() {
        let tz = parse_tz("Asia/Shanghai").expect("tz");
        let d = parse_date("2026-06-30").expect("date");
        // 2026-07-01T00:00:00+08:00 == 2026-06-30T16:00:00Z
        assert_eq!(day_end_micros(d, tz), 1_782_835_200_000_000);
        assert_eq!(day_start_micros(d, tz) + 86_400_000_000, day_end_micros(d, tz));
        assert_eq!(local_day(day_end_micros(d, tz) - 1, tz), Some(d));
    }

    #[test]
    fn rejects_bad_input() {
        assert!(parse_tz("Mars/Olympus").is_err());
        assert!(parse_date("2026-13-01").is_err());
    }
}
