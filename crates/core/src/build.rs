//! The context every derived stage of one `huaxiang build` shares.
//!
//! A build reads nothing after the end of its as-of day (a calendar day in the
//! workspace time zone) and stamps what it snapshots with its build id, so two
//! builds can be compared row by row and a training set can be reproduced.

use chrono::NaiveDate;
use chrono_tz::Tz;

use crate::time::{day_end_micros, day_start_micros};

/// One build's identity and point in time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    /// Increasing number of this build (1, 2, …); snapshots carry it.
    pub build_id: i64,
    /// The last local day whose data is read.
    pub as_of: NaiveDate,
    /// The workspace time zone.
    pub time_zone: Tz,
    /// Whether the as-of day was given by the user rather than derived from the data.
    pub as_of_explicit: bool,
}

impl BuildContext {
    pub fn new(build_id: i64, as_of: NaiveDate, time_zone: Tz, as_of_explicit: bool) -> BuildContext {
        BuildContext {
            build_id,
            as_of,
            time_zone,
            as_of_explicit,
        }
    }

    /// UTC microseconds of the instant the as-of day ends (exclusive cutoff).
    pub fn cutoff_micros(&self) -> i64 {
        day_end_micros(self.as_of, self.time_zone)
    }

    /// UTC microseconds of the start of the local day `days - 1` days before the
    /// as-of day, i.e. the first instant of a window of `days` local days ending
    /// with the as-of day.
    pub fn window_start_micros(&self, days: i64) -> i64 {
        let first = self.as_of - chrono::Duration::days(days - 1);
        day_start_micros(first, self.time_zone)
    }

    /// The cutoff as an SQL instant, for DataFusion plans (see [`micros_sql`]).
    pub fn cutoff_sql(&self) -> String {
        micros_sql(self.cutoff_micros())
    }
}

/// An SQL expression for the instant `micros` (UTC microseconds), typed as a
/// UTC timestamp so DataFusion compares it with zoned timestamps as instants.
///
/// A plain literal such as `TIMESTAMP '…Z'` would not do: compared with a
/// column zoned in the workspace time zone, DataFusion reads it as wall-clock
/// time in that zone, which shifts every boundary by the zone's offset.
pub fn micros_sql(micros: i64) -> String {
    format!("arrow_cast({micros}, 'Timestamp(µs, \"UTC\")')")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoff_is_the_end_of_the_local_day() {
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        let c = BuildContext::new(1, d, chrono_tz::Asia::Shanghai, false);
        // 2026-06-30T16:00:00Z and 2026-05-31T16:00:00Z.
        assert_eq!(c.cutoff_micros(), 1_782_835_200_000_000);
        assert_eq!(c.window_start_micros(30), 1_780_243_200_000_000);
        assert_eq!(c.cutoff_sql(), "arrow_cast(1782835200000000, 'Timestamp(µs, \"UTC\")')");
    }
}
