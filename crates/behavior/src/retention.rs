//! Cohort retention: of the actors whose first activity fell in a calendar
//! week (or month), how many were active again 1, 2, … periods later.
//!
//! # Definition
//!
//! Inputs: each actor's **first time** (the cohort event: first paid order,
//! sign-up…; actors without one are left out) and each actor's **activity
//! times** (orders, visits…), plus a period ([`Period::Week`] or
//! [`Period::Month`]), the number of periods `N` and a time zone (default
//! `Asia/Shanghai`).
//!
//! 1. Times become calendar dates in the zone. A week is an ISO week
//!    (Monday to Sunday, labelled `2024-W27` by ISO week-numbering year); a
//!    month is a calendar month (`2024-07`).
//! 2. An actor's **cohort** is the period of its first time. The cohort
//!    **size** is its number of actors.
//! 3. An activity is in **period offset** `k = period(activity) −
//!    period(first)` (whole calendar periods: an order on Sunday and one on
//!    the next Monday are one week apart). Activity before the first time
//!    (`k < 0`) is ignored.
//! 4. `active[cohort][k]` counts the actors with at least one activity at
//!    offset `k`, for `k = 1..=N`; `k = 0` is the cohort size by definition
//!    (rate 100 %), whether or not the first time is itself an activity.
//!    `rate = active / size`.
//! 5. The **data end** is `data_end_ms` when given (then first times and
//!    activity after it are ignored) or else the latest time in the inputs.
//!    A cell whose period starts after the data end is `null` (not 0: it
//!    could not be observed yet); the cell whose period contains the data
//!    end is flagged `partial`.
//! 6. The `average` row weights each cohort by its size over the cohorts
//!    whose cell is not null: `Σ active / Σ size`.
//!
//! ```sql
//! WITH f AS (SELECT actor, date_trunc('month', first_time AT TIME ZONE 'Asia/Shanghai') AS cohort FROM firsts),
//!      a AS (SELECT DISTINCT actor, date_trunc('month', t AT TIME ZONE 'Asia/Shanghai') AS p FROM activity)
//! SELECT cohort, (EXTRACT(YEAR FROM age(p, cohort)) * 12 + EXTRACT(MONTH FROM age(p, cohort))) AS k,
//!        COUNT(DISTINCT actor)
//! FROM f JOIN a USING (actor) WHERE p > cohort GROUP BY 1, 2;
//! ```

use chrono::{Datelike, FixedOffset, NaiveDate, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{BehaviorError, Result};
use crate::times::ActorTimes;

/// Most periods a matrix may have.
pub const MAX_RETENTION_PERIODS: u32 = 1000;

/// Cohort and offset granularity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Period {
    /// ISO week, Monday first.
    #[default]
    Week,
    /// Calendar month.
    Month,
}

/// The time zone calendar dates are taken in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset from UTC.
    Fixed(FixedOffset),
    /// An IANA zone (with its daylight-saving rules).
    Named(Tz),
}

impl Default for Zone {
    /// `Asia/Shanghai` (UTC+8, no daylight saving since 1991).
    fn default() -> Self {
        Zone::Named(chrono_tz::Asia::Shanghai)
    }
}

impl Zone {
    /// An IANA zone by name (`Asia/Shanghai`, `Europe/Berlin`…).
    pub fn named(name: &str) -> Result<Self> {
        name.parse::<Tz>()
            .map(Zone::Named)
            .map_err(|_| BehaviorError::UnknownTimeZone(name.to_owned()))
    }

    /// A fixed offset of `seconds` east of UTC (`8 * 3600` for UTC+8).
    pub fn fixed(seconds: i32) -> Result<Self> {
        FixedOffset::east_opt(seconds)
            .map(Zone::Fixed)
            .ok_or_else(|| BehaviorError::InvalidParameter {
                name: "zone",
                reason: format!("offset {seconds} s is not within ±24 h"),
            })
    }

    /// The zone's name or offset (`Asia/Shanghai`, `+08:00`).
    pub fn name(&self) -> String {
        match self {
            Zone::Fixed(o) => o.to_string(),
            Zone::Named(tz) => tz.name().to_owned(),
        }
    }

    /// The local calendar date of Unix milliseconds `ms`.
    pub fn date(&self, ms: i64) -> Option<NaiveDate> {
        match self {
            Zone::Fixed(o) => o.timestamp_millis_opt(ms).single().map(|d| d.date_naive()),
            Zone::Named(tz) => tz.timestamp_millis_opt(ms).single().map(|d| d.date_naive()),
        }
    }
}

/// Retention parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetentionConfig {
    /// Week or month.
    pub period: Period,
    /// Highest offset reported (columns `0..=periods`), 1 to 1000.
    pub periods: u32,
    /// Calendar time zone.
    pub zone: Zone,
    /// Data end (Unix ms); defaults to the latest input time.
    pub data_end_ms: Option<i64>,
}

impl Default for RetentionConfig {
    /// Weekly, 8 periods, Asia/Shanghai, data end from the data.
    fn default() -> Self {
        Self {
            period: Period::Week,
            periods: 8,
            zone: Zone::default(),
            data_end_ms: None,
        }
    }
}

/// One observed cell of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RetentionCell {
    /// Actors of the cohort active at this offset.
    pub active: u64,
    /// `active / cohort size`.
    pub rate: f64,
    /// The period contains the data end (not fully observed).
    pub partial: bool,
}

/// One cohort row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortRow {
    /// `2024-W27` or `2024-07`.
    pub cohort: String,
    /// First day of the period (`YYYY-MM-DD`).
    pub start: String,
    /// Actors in the cohort.
    pub size: u64,
    /// Offsets `0..=periods`; `null` for periods after the data end.
    pub cells: Vec<Option<RetentionCell>>,
}

/// The result of [`retention`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetentionReport {
    /// Period.
    pub period: Period,
    /// Highest offset.
    pub periods: u32,
    /// Time zone name.
    pub zone: String,
    /// Data end used (Unix ms), `None` without data.
    pub data_end_ms: Option<i64>,
    /// Cohorts in time order (only non-empty ones).
    pub cohorts: Vec<CohortRow>,
    /// Size-weighted rate per offset over cohorts where it is observed.
    pub average: Vec<Option<f64>>,
}

/// Index of the period of `date`: weeks counted from the Monday of 0001-01-01,
/// months as `year * 12 + month0`.
fn period_index(period: Period, date: NaiveDate) -> i64 {
    match period {
        Period::Week => i64::from(date.num_days_from_ce() - 1).div_euclid(7),
        Period::Month => i64::from(date.year()) * 12 + i64::from(date.month0()),
    }
}

fn period_start(period: Period, index: i64) -> Option<NaiveDate> {
    match period {
        Period::Week => NaiveDate::from_num_days_from_ce_opt(i32::try_from(index * 7 + 1).ok()?),
        Period::Month => NaiveDate::from_ymd_opt(
            i32::try_from(index.div_euclid(12)).ok()?,
            (index.rem_euclid(12) + 1) as u32,
            1,
        ),
    }
}

fn period_label(period: Period, start: NaiveDate) -> String {
    match period {
        Period::Week => {
            let w = start.iso_week();
            format!("{}-W{:02}", w.year(), w.week())
        }
        Period::Month => format!("{}-{:02}", start.year(), start.month()),
    }
}

/// The retention matrix (see the module docs). `first_ms[a]` is actor `a`'s
/// cohort time; `activity` must have the same number of actors.
pub fn retention(first_ms: &[Option<i64>], activity: &ActorTimes, config: &RetentionConfig) -> Result<RetentionReport> {
    if config.periods == 0 || config.periods > MAX_RETENTION_PERIODS {
        return Err(BehaviorError::InvalidParameter {
            name: "periods",
            reason: format!("must be 1 to {MAX_RETENTION_PERIODS}, got {}", config.periods),
        });
    }
    if first_ms.len() != activity.actors() {
        return Err(BehaviorError::ActorCountMismatch {
            left: "first_ms",
            left_len: first_ms.len(),
            right: "activity",
            right_len: activity.actors(),
        });
    }
    let period = config.period;
    let index_of = |name: &'static str, ms: i64| -> Result<i64> {
        config
            .zone
            .date(ms)
            .map(|d| period_index(period, d))
            .ok_or(BehaviorError::TimeOutOfRange { name, ms })
    };
    let data_end = config.data_end_ms.or_else(|| {
        let firsts = first_ms.iter().flatten().copied().max();
        firsts.max(activity.max())
    });
    let Some(data_end) = data_end else {
        return Ok(RetentionReport {
            period,
            periods: config.periods,
            zone: config.zone.name(),
            data_end_ms: None,
            cohorts: Vec::new(),
            average: vec![None; config.periods as usize + 1],
        });
    };
    let end_index = index_of("data_end_ms", data_end)?;
    let n = config.periods as usize;

    // cohort index -> (size, active per offset)
    let mut cohorts: std::collections::BTreeMap<i64, (u64, Vec<u64>)> = Default::default();
    for (actor, first) in first_ms.iter().enumerate() {
        let Some(first) = *first else { continue };
        if first > data_end {
            continue;
        }
        let c = index_of("first_ms", first)?;
        let entry = cohorts.entry(c).or_insert_with(|| (0, vec![0; n + 1]));
        entry.0 += 1;
        let mut last_k = 0i64;
        for &t in activity.get(actor) {
            if t < first || t > data_end {
                continue;
            }
            let k = index_of("activity", t)? - c;
            if k > last_k && k <= n as i64 {
                entry.1[k as usize] += 1;
                last_k = k;
            }
        }
    }

    let mut sums = vec![(0u64, 0u64); n + 1];
    let rows = cohorts
        .into_iter()
        .map(|(c, (size, active))| {
            let start = period_start(period, c).unwrap_or_default();
            let cells = (0..=n)
                .map(|k| {
                    let p = c + k as i64;
                    if p > end_index {
                        return None;
                    }
                    let active = if k == 0 { size } else { active[k] };
                    sums[k].0 += active;
                    sums[k].1 += size;
                    Some(RetentionCell {
                        active,
                        rate: active as f64 / size as f64,
                        partial: p == end_index,
                    })
                })
                .collect();
            CohortRow {
                cohort: period_label(period, start),
                start: start.format("%Y-%m-%d").to_string(),
                size,
                cells,
            }
        })
        .collect();
    Ok(RetentionReport {
        period,
        periods: config.periods,
        zone: config.zone.name(),
        data_end_ms: Some(data_end),
        cohorts: rows,
        average: sums
            .into_iter()
            .map(|(a, s)| (s > 0).then(|| a as f64 / s as f64))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;
    const H: i64 = 3_600_000;

    /// Unix ms of a Shanghai wall-clock time.
    fn sh(y: i32, m: u32, d: u32, h: u32) -> i64 {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, m, d, h, 0, 0)
            .single()
            .expect("valid Shanghai time")
            .timestamp_millis()
    }

    #[test]
    fn weekly_cohorts_follow_iso_weeks_in_the_zone() {
        // 2024-07-01 is a Monday. Actor 0 first on Sunday 2024-07-07 23:00
        // Shanghai (15:00 UTC, still Sunday in UTC), active the next Monday:
        // one week later although only 1 hour apart.
        let first = vec![Some(sh(2024, 7, 7, 23)), Some(sh(2024, 7, 1, 10))];
        let activity = ActorTimes::from_lists([
            vec![sh(2024, 7, 7, 23), sh(2024, 7, 8, 0)],
            vec![sh(2024, 7, 1, 10), sh(2024, 7, 20, 10)],
        ]);
        let cfg = RetentionConfig {
            periods: 3,
            ..RetentionConfig::default()
        };
        let r = retention(&first, &activity, &cfg).expect("valid config");
        assert_eq!(r.zone, "Asia/Shanghai");
        assert_eq!(r.cohorts.len(), 1);
        let row = &r.cohorts[0];
        assert_eq!(
            (row.cohort.as_str(), row.start.as_str(), row.size),
            ("2024-W27", "2024-07-01", 2)
        );
        let active: Vec<Option<u64>> = row.cells.iter().map(|c| c.map(|c| c.active)).collect();
        // Offsets: actor 0 at week 1; actor 1 at week 2 (2024-07-20 is in
        // the week of 07-15). The data end (07-20) is in week 2: week 3 is null.
        assert_eq!(active, [Some(2), Some(1), Some(1), None]);
        assert_eq!(row.cells[1].map(|c| c.rate), Some(0.5));
        assert_eq!(row.cells[2].map(|c| c.partial), Some(true));
        assert_eq!(row.cells[1].map(|c| c.partial), Some(false));

        // In UTC the Sunday 23:00 Shanghai event is Sunday 15:00 and the
        // Monday 00:00 one is Sunday 16:00: same week, no week-1 activity.
        let utc = RetentionConfig {
            zone: Zone::fixed(0).expect("valid offset"),
            ..cfg
        };
        let r = retention(&first, &activity, &utc).expect("valid config");
        assert_eq!(r.zone, "+00:00");
        let first_row = &r.cohorts[0];
        assert_eq!(first_row.cells[1].map(|c| c.active), Some(0));
    }

    #[test]
    fn monthly_future_periods_are_null_not_zero() {
        let first = vec![Some(sh(2024, 1, 31, 12)), Some(sh(2024, 3, 1, 0)), None];
        let activity = ActorTimes::from_lists([
            vec![sh(2024, 2, 1, 12), sh(2024, 2, 20, 0), sh(2024, 4, 2, 0)],
            vec![sh(2024, 3, 5, 0)],
            vec![sh(2024, 2, 1, 0)],
        ]);
        let cfg = RetentionConfig {
            period: Period::Month,
            periods: 4,
            ..RetentionConfig::default()
        };
        let r = retention(&first, &activity, &cfg).expect("valid config");
        let grid: Vec<(String, Vec<Option<u64>>)> = r
            .cohorts
            .iter()
            .map(|c| (c.cohort.clone(), c.cells.iter().map(|x| x.map(|x| x.active)).collect()))
            .collect();
        // Data end 2024-04-02 (April). January cohort: Feb (1 day after the
        // first order, still offset 1), none in March, April.
        assert_eq!(
            grid,
            [
                ("2024-01".to_owned(), vec![Some(1), Some(1), Some(0), Some(1), None]),
                ("2024-03".to_owned(), vec![Some(1), Some(0), None, None, None]),
            ]
        );
        // Average over observed cells only: offset 2 is the January cohort alone.
        assert_eq!(r.average, [Some(1.0), Some(0.5), Some(0.0), Some(1.0), None]);

        // An explicit data end cuts later activity and later cohorts.
        let cut = RetentionConfig {
            data_end_ms: Some(sh(2024, 2, 29, 0)),
            ..cfg
        };
        let r = retention(&first, &activity, &cut).expect("valid config");
        assert_eq!(r.cohorts.len(), 1);
        let cells: Vec<Option<u64>> = r.cohorts[0].cells.iter().map(|x| x.map(|x| x.active)).collect();
        assert_eq!(cells, [Some(1), Some(1), None, None, None]);
    }

    #[test]
    fn activity_before_first_time_is_ignored() {
        let first = vec![Some(10 * DAY)];
        let activity = ActorTimes::from_lists([vec![0, 10 * DAY + H, 40 * DAY]]);
        let cfg = RetentionConfig {
            period: Period::Month,
            periods: 1,
            zone: Zone::fixed(0).expect("valid offset"),
            data_end_ms: None,
        };
        let r = retention(&first, &activity, &cfg).expect("valid config");
        // 1970-01-11 cohort; 1970-02-10 is offset 1.
        assert_eq!(r.cohorts[0].cohort, "1970-01");
        assert_eq!(r.cohorts[0].cells[1].map(|c| c.active), Some(1));
    }

    #[test]
    fn validation() {
        let a = ActorTimes::from_lists([vec![0i64]]);
        let zero = RetentionConfig {
            periods: 0,
            ..RetentionConfig::default()
        };
        let err = retention(&[Some(0)], &a, &zero).expect_err("zero periods");
        assert!(err.to_string().contains("`periods`"), "{err}");
        assert!(matches!(
            retention(&[], &a, &RetentionConfig::default()),
            Err(BehaviorError::ActorCountMismatch { .. })
        ));
        assert!(Zone::named("Mars/Olympus").is_err());
        assert_eq!(
            Zone::named("Europe/Berlin").expect("known zone").name(),
            "Europe/Berlin"
        );
        assert!(Zone::fixed(25 * 3600).is_err());
    }
}
