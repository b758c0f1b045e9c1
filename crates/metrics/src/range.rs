//! Time ranges: `--last 30d|3m|1y` and `--from D --to D`, as inclusive local days.
//!
//! Relative ranges are anchored at the workspace's as-of day (see
//! [`crate::anchor`]), never the wall clock, so the same command on the same
//! data gives the same answer tomorrow. `--last N` counts whole calendar units
//! ending with the one holding the as-of day: `30d` is the 30 days ending with
//! it, `3m` the three calendar months ending with its month (from the first of
//! the earliest month up to the as-of day), `1y` the calendar year so far.

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::Tz;
use huaxiang_core::time::{day_end_micros, day_start_micros};

use crate::error::{Error, Result};

/// A calendar unit of `--last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// A date bound as written: a day, a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateSpec {
    Day(NaiveDate),
    Month(i32, u32),
    Quarter(i32, u32),
    Year(i32),
}

/// What the user asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RangeSpec {
    /// All history up to the end of the as-of day.
    #[default]
    All,
    /// The last `n` units ending with the as-of day.
    Last(u32, Unit),
    /// Explicit bounds (inclusive); a missing `from` is the beginning, a missing `to` the as-of day.
    Between(Option<DateSpec>, Option<DateSpec>),
}

/// A resolved range of local days, both ends inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DayRange {
    /// None: from the beginning of the data.
    pub from: Option<NaiveDate>,
    pub to: NaiveDate,
}

impl RangeSpec {
    /// Parses `--last` (`30d`, `2w`, `3m`, `1q`, `1y`; also `30 days`, `3个月`, …).
    pub fn last(text: &str) -> Result<RangeSpec> {
        let t = text.trim();
        let digits: String = t.chars().take_while(|c| c.is_ascii_digit()).collect();
        let unit = t[digits.len()..].trim().to_ascii_lowercase();
        let bad = |why: &str| Error::Range(format!("--last {text}: {why}; write e.g. 30d, 2w, 3m, 1q, 1y"));
        let n: u32 = digits.parse().map_err(|_| bad("no number"))?;
        if n == 0 || n > 100_000 {
            return Err(bad("the number must be between 1 and 100000"));
        }
        let unit = match unit.as_str() {
            "d" | "day" | "days" | "天" | "日" => Unit::Day,
            "w" | "week" | "weeks" | "周" | "个周" => Unit::Week,
            "m" | "month" | "months" | "月" | "个月" => Unit::Month,
            "q" | "quarter" | "quarters" | "季度" | "个季度" => Unit::Quarter,
            "y" | "year" | "years" | "年" => Unit::Year,
            _ => return Err(bad("unknown unit")),
        };
        Ok(RangeSpec::Last(n, unit))
    }

    /// Parses `--from`/`--to` (each optional).
    pub fn between(from: Option<&str>, to: Option<&str>) -> Result<RangeSpec> {
        if from.is_none() && to.is_none() {
            return Ok(RangeSpec::All);
        }
        let from = from.map(|f| DateSpec::parse(f, "--from")).transpose()?;
        let to = to.map(|t| DateSpec::parse(t, "--to")).transpose()?;
        if let (Some(f), Some(t)) = (from, to)
            && f.first() > t.last()
        {
            return Err(Error::Range(format!("--from {} is after --to {}", f.first(), t.last())));
        }
        Ok(RangeSpec::Between(from, to))
    }

    /// The local days this means when the as-of day is `as_of`.
    pub fn resolve(self, as_of: NaiveDate) -> DayRange {
        match self {
            RangeSpec::All => DayRange { from: None, to: as_of },
            RangeSpec::Between(from, to) => DayRange {
                from: from.map(|f| f.first()),
                to: to.map(|t| t.last()).unwrap_or(as_of),
            },
            RangeSpec::Last(n, unit) => {
                let n = i64::from(n);
                let from = match unit {
                    Unit::Day => as_of - Duration::days(n - 1),
                    Unit::Week => {
                        let monday = as_of - Duration::days(i64::from(as_of.weekday().num_days_from_monday()));
                        monday - Duration::weeks(n - 1)
                    }
                    Unit::Month => month_start(as_of, n - 1),
                    Unit::Quarter => {
                        let q_start = month_start(as_of, i64::from((as_of.month() - 1) % 3));
                        month_start(q_start, 3 * (n - 1))
                    }
                    Unit::Year => {
                        let year = i64::from(as_of.year()) - (n - 1);
                        NaiveDate::from_ymd_opt(i32::try_from(year).unwrap_or(i32::MIN), 1, 1).unwrap_or(NaiveDate::MIN)
                    }
                };
                DayRange {
                    from: Some(from),
                    to: as_of,
                }
            }
        }
    }
}

/// The first day of the month `back` months before the month of `day`.
fn month_start(day: NaiveDate, back: i64) -> NaiveDate {
    let index = i64::from(day.year()) * 12 + i64::from(day.month0()) - back;
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MIN);
    let month = u32::try_from(index.rem_euclid(12)).unwrap_or(0) + 1;
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN)
}

impl DateSpec {
    /// `2026-05-31`, `2026-05`, `2026-Q2` or `2026`.
    pub fn parse(text: &str, flag: &str) -> Result<DateSpec> {
        let t = text.trim();
        let bad = || {
            Error::Range(format!(
                "{flag} {text}: not a date; write YYYY-MM-DD, YYYY-MM, YYYY-Qn or YYYY"
            ))
        };
        let year = |s: &str| -> Result<i32> {
            if s.len() == 4 && s.chars().all(|c| c.is_ascii_digit()) {
                s.parse().map_err(|_| bad())
            } else {
                Err(bad())
            }
        };
        if t.len() == 10 {
            let d = NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| bad())?;
            year(t.get(..4).unwrap_or(""))?;
            return Ok(DateSpec::Day(d));
        }
        if let Some((y, rest)) = t.split_once('-') {
            let y = year(y)?;
            if let Some(q) = rest.strip_prefix(['Q', 'q']) {
                let q: u32 = q.parse().map_err(|_| bad())?;
                return if (1..=4).contains(&q) {
                    Ok(DateSpec::Quarter(y, q))
                } else {
                    Err(bad())
                };
            }
            let m: u32 = rest.parse().map_err(|_| bad())?;
            return if (1..=12).contains(&m) && rest.len() == 2 {
                Ok(DateSpec::Month(y, m))
            } else {
                Err(bad())
            };
        }
        Ok(DateSpec::Year(year(t)?))
    }

    /// The first day it covers.
    pub fn first(self) -> NaiveDate {
        let ymd = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
        match self {
            DateSpec::Day(d) => d,
            DateSpec::Month(y, m) => ymd(y, m, 1),
            DateSpec::Quarter(y, q) => ymd(y, 3 * q - 2, 1),
            DateSpec::Year(y) => ymd(y, 1, 1),
        }
    }

    /// The last day it covers.
    pub fn last(self) -> NaiveDate {
        let next = match self {
            DateSpec::Day(d) => return d,
            DateSpec::Month(y, m) => month_start(NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(NaiveDate::MIN), -1),
            DateSpec::Quarter(y, q) => {
                month_start(NaiveDate::from_ymd_opt(y, 3 * q - 2, 1).unwrap_or(NaiveDate::MIN), -3)
            }
            DateSpec::Year(y) => NaiveDate::from_ymd_opt(y + 1, 1, 1).unwrap_or(NaiveDate::MAX),
        };
        next.pred_opt().unwrap_or(next)
    }
}

/// An instant as a zoned SQL timestamp: `arrow_cast('2026-05-01T00:00:00+08:00', 'Timestamp(µs, "Asia/Shanghai")')`.
///
/// Zoned on purpose: DataFusion reads a plain `TIMESTAMP '…Z'` literal as a
/// wall-clock time of the column's zone when comparing it with a zoned
/// column, which would shift every boundary by the zone's offset.
pub fn instant_sql(micros: i64, tz: Tz) -> String {
    let t = chrono::DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .with_timezone(&tz);
    format!(
        "arrow_cast('{}', 'Timestamp(µs, \"{}\")')",
        t.format("%Y-%m-%dT%H:%M:%S%:z"),
        tz.name()
    )
}

impl DayRange {
    /// The SQL condition on `column` (a zoned timestamp, or a date when `is_date`).
    pub fn predicate(&self, column: &str, tz: Tz, is_date: bool) -> String {
        let upper = if is_date {
            format!("{column} <= DATE '{}'", self.to)
        } else {
            format!("{column} < {}", instant_sql(day_end_micros(self.to, tz), tz))
        };
        match self.from {
            None => upper,
            Some(f) if is_date => format!("{column} >= DATE '{f}' AND {upper}"),
            Some(f) => format!("{column} >= {} AND {upper}", instant_sql(day_start_micros(f, tz), tz)),
        }
    }

    /// `2026-04-01 … 2026-06-30`, or `… 2026-06-30` from the beginning.
    pub fn label(&self) -> String {
        match self.from {
            Some(f) => format!("{f} … {}", self.to),
            None => format!("… {}", self.to),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn last(text: &str, as_of: &str) -> (Option<NaiveDate>, NaiveDate) {
        let r = RangeSpec::last(text).expect("parse").resolve(d(as_of));
        (r.from, r.to)
    }

    #[test]
    fn last_matches_the_nlq_definitions() {
        let end = d("2026-06-30");
        assert_eq!(last("7d", "2026-06-30"), (Some(d("2026-06-24")), end));
        assert_eq!(last("30d", "2026-06-30"), (Some(d("2026-06-01")), end));
        assert_eq!(last("60d", "2026-06-30"), (Some(d("2026-05-02")), end));
        assert_eq!(last("90天", "2026-06-30"), (Some(d("2026-04-02")), end));
        assert_eq!(last("3m", "2026-06-30"), (Some(d("2026-04-01")), end));
        assert_eq!(last("12 months", "2026-06-30"), (Some(d("2025-07-01")), end));
        assert_eq!(last("1m", "2026-06-30"), (Some(d("2026-06-01")), end));
        assert_eq!(last("1q", "2026-06-30"), (Some(d("2026-04-01")), end));
        assert_eq!(last("2q", "2026-06-30"), (Some(d("2026-01-01")), end));
        assert_eq!(last("1y", "2026-06-30"), (Some(d("2026-01-01")), end));
        assert_eq!(last("2y", "2026-06-30"), (Some(d("2025-01-01")), end));
        // 2026-06-30 is a Tuesday: this week started on Monday the 29th.
        assert_eq!(last("1w", "2026-06-30"), (Some(d("2026-06-29")), end));
        // Months across a year boundary, anchored mid-month.
        assert_eq!(last("3m", "2026-02-10"), (Some(d("2025-12-01")), d("2026-02-10")));
    }

    #[test]
    fn explicit_bounds() {
        let as_of = d("2026-06-30");
        let r = RangeSpec::between(Some("2025-11"), Some("2025-11"))
            .expect("month")
            .resolve(as_of);
        assert_eq!((r.from, r.to), (Some(d("2025-11-01")), d("2025-11-30")));
        let r = RangeSpec::between(Some("2026-Q1"), None)
            .expect("quarter")
            .resolve(as_of);
        assert_eq!((r.from, r.to), (Some(d("2026-01-01")), as_of));
        let r = RangeSpec::between(None, Some("2025")).expect("year").resolve(as_of);
        assert_eq!((r.from, r.to), (None, d("2025-12-31")));
        let r = RangeSpec::between(Some("2024-02"), Some("2024-02-29"))
            .expect("leap")
            .resolve(as_of);
        assert_eq!(r.to, d("2024-02-29"));
        assert_eq!(DateSpec::parse("2026-12", "--to").expect("dec").last(), d("2026-12-31"));
        assert_eq!(RangeSpec::between(None, None).expect("all"), RangeSpec::All);
    }

    #[test]
    fn bad_ranges_are_refused_with_the_flag() {
        for bad in ["", "d", "0d", "3x", "-3d"] {
            assert!(RangeSpec::last(bad).is_err(), "{bad}");
        }
        let e = RangeSpec::between(Some("2026-13"), None)
            .expect_err("month 13")
            .to_string();
        assert!(e.contains("--from 2026-13"), "{e}");
        assert!(RangeSpec::between(Some("2026-Q5"), None).is_err());
        assert!(RangeSpec::between(Some("26-01-01"), None).is_err());
        let e = RangeSpec::between(Some("2026-06-01"), Some("2026-05-31"))
            .expect_err("reversed")
            .to_string();
        assert!(e.contains("after"), "{e}");
    }

    #[test]
    fn predicates_use_local_day_boundaries() {
        let r = DayRange {
            from: Some(d("2026-05-01")),
            to: d("2026-05-31"),
        };
        let p = r.predicate("t", chrono_tz::Asia::Shanghai, false);
        assert_eq!(
            p,
            "t >= arrow_cast('2026-05-01T00:00:00+08:00', 'Timestamp(µs, \"Asia/Shanghai\")') \
             AND t < arrow_cast('2026-06-01T00:00:00+08:00', 'Timestamp(µs, \"Asia/Shanghai\")')"
        );
        assert_eq!(
            r.predicate("d", chrono_tz::Asia::Shanghai, true),
            "d >= DATE '2026-05-01' AND d <= DATE '2026-05-31'"
        );
        assert_eq!(r.label(), "2026-05-01 … 2026-05-31");
    }
}
