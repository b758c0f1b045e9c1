//! Time in this crate: calendar days, and the unit the models count them in.
//!
//! Both models only ever see whole days. A transaction's time value is reduced to
//! the calendar date it carries ([`TimeFormat::parse_day`]); for a timestamp with a
//! UTC offset that is the date in that offset, i.e. the date as written, because
//! that is the customer's local day. Durations are differences of dates in days,
//! converted to the fitting unit ([`TimeUnit`]) only when a model reads them.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use chrono::format::{Item, Parsed, StrftimeItems};
use serde::{Deserialize, Serialize};

use crate::error::ClvError;

/// The unit of time the models are fitted in. Rates (`alpha`) and the reported
/// log-likelihood depend on it; probabilities and expected counts for a given
/// horizon do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TimeUnit {
    #[default]
    Day,
    Week,
}

impl TimeUnit {
    /// Length of one unit in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Day => 1.0,
            TimeUnit::Week => 7.0,
        }
    }

    /// A number of days expressed in this unit.
    pub fn from_days(self, days: f64) -> f64 {
        days / self.days()
    }
}

impl fmt::Display for TimeUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
        })
    }
}

impl FromStr for TimeUnit {
    type Err = ClvError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "day" | "days" | "d" => Ok(TimeUnit::Day),
            "week" | "weeks" | "w" => Ok(TimeUnit::Week),
            _ => Err(ClvError::InvalidParameter {
                name: "unit",
                value: s.to_string(),
                reason: "expected `day` or `week`".to_string(),
            }),
        }
    }
}

/// How the time column is read.
///
/// The default ([`TimeFormat::Auto`]) accepts `YYYY-MM-DD`, `YYYYMMDD`,
/// `YYYY-MM-DD HH:MM[:SS[.fff]]`, and ISO 8601 / RFC 3339 date-times with `T`
/// (or a space) and an optional `Z` or `±HH:MM` / `±HHMM` / `±HH` offset. A custom
/// strftime format is parsed with chrono; if it yields a Unix timestamp (`%s`)
/// rather than date fields, the date is taken in the parsed offset, or UTC.
#[derive(Debug, Clone, Default)]
pub enum TimeFormat {
    #[default]
    Auto,
    Strftime {
        format: String,
        items: Vec<Item<'static>>,
    },
}

impl TimeFormat {
    /// A strftime format such as `%d/%m/%Y %H:%M`. Fails on an invalid format.
    pub fn strftime(format: &str) -> Result<Self, ClvError> {
        let items = StrftimeItems::new(format)
            .parse_to_owned()
            .map_err(|_| ClvError::InvalidParameter {
                name: "time format",
                value: format.to_string(),
                reason: "not a valid strftime format".to_string(),
            })?;
        Ok(TimeFormat::Strftime {
            format: format.to_string(),
            items,
        })
    }

    /// The calendar day a time value falls on; on failure, the reason.
    pub fn parse_day(&self, value: &str) -> Result<NaiveDate, String> {
        match self {
            TimeFormat::Auto => parse_auto(value),
            TimeFormat::Strftime { format, items } => {
                let mut parsed = Parsed::new();
                chrono::format::parse(&mut parsed, value, items.iter())
                    .map_err(|e| format!("does not match time format `{format}` ({e})"))?;
                match parsed.to_naive_date() {
                    Ok(date) => Ok(date),
                    Err(e) if parsed.timestamp().is_some() => parsed
                        .to_naive_datetime_with_offset(parsed.offset().unwrap_or(0))
                        .map(|dt| dt.date())
                        .map_err(|_| format!("does not match time format `{format}` ({e})")),
                    Err(e) => Err(format!("does not give a date with time format `{format}` ({e})")),
                }
            }
        }
    }
}

const AUTO_EXPECTED: &str =
    "not a date: expected YYYY-MM-DD, YYYYMMDD, YYYY-MM-DD HH:MM:SS or ISO 8601 (e.g. 2025-03-04T12:34:56+08:00)";

/// The default parser. Hand-written because it runs once per transaction row:
/// the date is always the first eight or ten characters; the rest is checked
/// for validity and otherwise ignored.
fn parse_auto(value: &str) -> Result<NaiveDate, String> {
    let s = value.as_bytes();
    let bad = || AUTO_EXPECTED.to_string();
    let (year, month, day, rest) = if s.len() >= 10 && s[4] == b'-' && s[7] == b'-' {
        (digits(&s[0..4]), digits(&s[5..7]), digits(&s[8..10]), &s[10..])
    } else if s.len() == 8 {
        (digits(&s[0..4]), digits(&s[4..6]), digits(&s[6..8]), &s[8..])
    } else {
        return Err(bad());
    };
    let (Some(year), Some(month), Some(day)) = (year, month, day) else {
        return Err(bad());
    };
    let date = NaiveDate::from_ymd_opt(year as i32, month, day)
        .ok_or_else(|| format!("not a valid calendar date ({year:04}-{month:02}-{day:02})"))?;
    if rest.is_empty() {
        return Ok(date);
    }
    if !(rest[0] == b'T' || rest[0] == b' ') {
        return Err(bad());
    }
    check_time_and_offset(&rest[1..]).map_err(|e| e.unwrap_or_else(bad))?;
    Ok(date)
}

/// Checks `HH:MM[:SS[.f+]][Z|±HH[:]MM|±HH]`. `Err(None)` means malformed.
fn check_time_and_offset(s: &[u8]) -> Result<(), Option<String>> {
    if s.len() < 5 || s[2] != b':' {
        return Err(None);
    }
    let hour = digits(&s[0..2]).ok_or(None)?;
    let minute = digits(&s[3..5]).ok_or(None)?;
    let mut i = 5;
    let mut second = 0;
    if s.len() > i && s[i] == b':' {
        if s.len() < i + 3 {
            return Err(None);
        }
        second = digits(&s[i + 1..i + 3]).ok_or(None)?;
        i += 3;
        if s.len() > i && (s[i] == b'.' || s[i] == b',') {
            i += 1;
            let start = i;
            while i < s.len() && s[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return Err(None);
            }
        }
    }
    if hour > 23 || minute > 59 || second > 60 {
        return Err(Some(format!(
            "not a valid time of day ({hour:02}:{minute:02}:{second:02})"
        )));
    }
    let offset = &s[i..];
    match offset {
        [] | [b'Z'] | [b'z'] => Ok(()),
        [sign, rest @ ..] if *sign == b'+' || *sign == b'-' => {
            let (h, m) = match rest {
                [h1, h2] => (digits(&[*h1, *h2]), Some(0)),
                [h1, h2, m1, m2] => (digits(&[*h1, *h2]), digits(&[*m1, *m2])),
                [h1, h2, b':', m1, m2] => (digits(&[*h1, *h2]), digits(&[*m1, *m2])),
                _ => return Err(None),
            };
            match (h, m) {
                (Some(h), Some(m)) if h <= 23 && m <= 59 => Ok(()),
                (Some(_), Some(_)) => Err(Some("not a valid UTC offset".to_string())),
                _ => Err(None),
            }
        }
        _ => Err(None),
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    s.iter().try_fold(0u32, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn auto_accepts_the_documented_shapes() {
        let f = TimeFormat::Auto;
        let want = Ok(day(2025, 3, 4));
        for s in [
            "2025-03-04",
            "20250304",
            "2025-03-04 12:34:56",
            "2025-03-04 12:34",
            "2025-03-04T12:34:56",
            "2025-03-04T12:34:56Z",
            "2025-03-04T12:34:56.123Z",
            "2025-03-04T12:34:56+08:00",
            "2025-03-04T23:59:59-05:00",
            "2025-03-04T00:00:00+0800",
            "2025-03-04T00:00:00+08",
        ] {
            assert_eq!(f.parse_day(s), want, "{s}");
        }
    }

    #[test]
    fn auto_takes_the_date_in_the_written_offset() {
        // 23:30 at UTC−5 is already the next day in UTC; the customer's day is the 4th.
        assert_eq!(
            TimeFormat::Auto.parse_day("2025-03-04T23:30:00-05:00"),
            Ok(day(2025, 3, 4))
        );
        assert_eq!(
            TimeFormat::Auto.parse_day("2025-03-04T01:00:00+08:00"),
            Ok(day(2025, 3, 4))
        );
    }

    #[test]
    fn auto_rejects_malformed_values() {
        for s in [
            "",
            "2025-3-4",
            "2025-02-30",
            "20250230",
            "2025/03/04",
            "2025-03-04T25:00:00",
            "2025-03-04T12:34:56+25:00",
            "2025-03-04T12:34:56 junk",
            "2025-03-04x",
            "yesterday",
            "2025-13-01",
        ] {
            assert!(TimeFormat::Auto.parse_day(s).is_err(), "{s} accepted");
        }
        let msg = TimeFormat::Auto.parse_day("2025-02-30").err().unwrap_or_default();
        assert!(msg.contains("2025-02-30"), "{msg}");
    }

    #[test]
    fn strftime_formats() -> Result<(), ClvError> {
        let f = TimeFormat::strftime("%d/%m/%Y %H:%M")?;
        assert_eq!(f.parse_day("04/03/2025 12:34"), Ok(day(2025, 3, 4)));
        assert!(f.parse_day("2025-03-04").is_err());
        assert!(f.parse_day("31/02/2025 12:34").is_err());
        let f = TimeFormat::strftime("%Y-%m-%dT%H:%M:%S%:z")?;
        assert_eq!(f.parse_day("2025-03-04T23:30:00-05:00"), Ok(day(2025, 3, 4)));
        // A Unix timestamp has no written date: take it in UTC.
        let f = TimeFormat::strftime("%s")?;
        assert_eq!(f.parse_day("1741091696"), Ok(day(2025, 3, 4)));
        assert!(TimeFormat::strftime("%Y-%Q").is_err());
        Ok(())
    }

    #[test]
    fn unit_conversion_and_parsing() -> Result<(), ClvError> {
        assert_eq!("week".parse::<TimeUnit>()?, TimeUnit::Week);
        assert_eq!("day".parse::<TimeUnit>()?, TimeUnit::Day);
        assert!("month".parse::<TimeUnit>().is_err());
        assert!((TimeUnit::Week.from_days(272.0) - 38.857_142_857).abs() < 1e-8);
        assert_eq!(TimeUnit::Week.to_string(), "week");
        Ok(())
    }
}
