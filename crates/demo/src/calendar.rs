//! The time model: 730 days of history in China local time, ending at the cutoff.
//!
//! Internally every instant is a count of seconds since the history start
//! `2024-07-01T00:00:00+08:00`, on the local wall clock (China has no daylight saving time,
//! so the wall clock and the absolute time never disagree). Everything written to disk is
//! `YYYY-MM-DDTHH:MM:SS+08:00`.

use crate::random::Rng;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;
/// Length of the simulated history in days.
pub(crate) const HISTORY_DAYS: i64 = 730;
/// The cutoff in seconds since the history start. Every data row is strictly earlier.
pub(crate) const CUTOFF_S: i64 = HISTORY_DAYS * DAY;
/// The cutoff as written in the files: the end of the cutoff date 2026-06-30.
pub const CUTOFF: &str = "2026-07-01T00:00:00+08:00";
/// The history start as written in the files.
pub const HISTORY_START: &str = "2024-07-01T00:00:00+08:00";

/// Days from 1970-01-01 to the history start.
const ORIGIN_DAYS: i64 = days_from_civil(2024, 7, 1);

/// Relative weight of each local hour for daytime activity (00:00 … 23:00).
const HOUR_WEIGHTS: [f64; 24] = [
    0.5, 0.3, 0.2, 0.1, 0.1, 0.2, 0.8, 2.0, 3.0, 4.0, 4.5, 5.0, 6.0, 5.0, 4.5, 4.5, 4.5, 5.0, 6.0, 7.0, 7.5, 7.0, 3.0,
    1.5,
];
/// The night window used for "night-time" behaviour: 22:00 to 01:59.
pub(crate) const NIGHT_HOURS: [i64; 4] = [22, 23, 0, 1];

const HOUR_CUMULATIVE: [f64; 24] = cumulate(HOUR_WEIGHTS);

const fn cumulate(w: [f64; 24]) -> [f64; 24] {
    let mut total = 0.0;
    let mut i = 0;
    while i < 24 {
        total += w[i];
        i += 1;
    }
    let mut out = [0.0; 24];
    let mut acc = 0.0;
    let mut i = 0;
    while i < 24 {
        acc += w[i] / total;
        out[i] = acc;
        i += 1;
    }
    out
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
const fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// Local calendar year and month of an instant, e.g. (2025, 3).
pub(crate) fn year_month(secs: i64) -> (i64, i64) {
    let (y, m, _) = civil_from_days(ORIGIN_DAYS + secs.div_euclid(DAY));
    (y, m)
}

/// Local hour (0–23) of an instant.
#[cfg(test)]
pub(crate) fn hour(secs: i64) -> i64 {
    secs.rem_euclid(DAY) / 3600
}

/// Appends `YYYY-MM-DDTHH:MM:SS+08:00` for an instant.
pub(crate) fn push_timestamp(buf: &mut Vec<u8>, secs: i64) {
    let (y, mo, d) = civil_from_days(ORIGIN_DAYS + secs.div_euclid(DAY));
    let s = secs.rem_euclid(DAY);
    push_digits(buf, y, 4);
    buf.push(b'-');
    push_digits(buf, mo, 2);
    buf.push(b'-');
    push_digits(buf, d, 2);
    buf.push(b'T');
    push_digits(buf, s / 3600, 2);
    buf.push(b':');
    push_digits(buf, s / 60 % 60, 2);
    buf.push(b':');
    push_digits(buf, s % 60, 2);
    buf.extend_from_slice(b"+08:00");
}

/// Appends a non-negative number with exactly `width` digits (the value must fit).
fn push_digits(buf: &mut Vec<u8>, mut v: i64, width: usize) {
    let start = buf.len();
    buf.resize(start + width, b'0');
    for slot in buf[start..].iter_mut().rev() {
        *slot = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// A random second of the day: with probability `night_share` in the night window
/// (22:00–01:59), otherwise from the daytime activity profile.
pub(crate) fn time_of_day(rng: &mut Rng, night_share: f64) -> i64 {
    let hour = if rng.chance(night_share) {
        NIGHT_HOURS[rng.below(4)]
    } else {
        let u = rng.unit();
        HOUR_CUMULATIVE.partition_point(|&c| c <= u).min(23) as i64
    };
    hour * 3600 + rng.below(3600) as i64
}

/// The instant at second `tod` of the (fractional) day `day` since the history start.
pub(crate) fn at(day: f64, tod: i64) -> i64 {
    day.floor() as i64 * DAY + tod
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate};

    fn ts(secs: i64) -> String {
        let mut b = Vec::new();
        push_timestamp(&mut b, secs);
        String::from_utf8_lossy(&b).into_owned()
    }

    #[test]
    fn formats_match_chrono_over_the_whole_history() {
        let origin = NaiveDate::from_ymd_opt(2024, 7, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .expect("valid date");
        let mut s = 0;
        while s <= CUTOFF_S {
            let want = (origin + Duration::seconds(s))
                .format("%Y-%m-%dT%H:%M:%S+08:00")
                .to_string();
            assert_eq!(ts(s), want);
            s += 7_919; // a prime step visits every hour and minute pattern
        }
        assert_eq!(ts(0), HISTORY_START);
        assert_eq!(ts(CUTOFF_S), CUTOFF);
        assert_eq!(year_month(CUTOFF_S - 1), (2026, 6));
        assert_eq!(hour(CUTOFF_S - 1), 23);
    }

    #[test]
    fn night_share_controls_the_night_window() {
        let mut r = Rng::from_seed(3);
        let n = 50_000;
        let night = (0..n)
            .filter(|_| NIGHT_HOURS.contains(&(time_of_day(&mut r, 0.7) / 3600)))
            .count();
        let share = night as f64 / n as f64;
        assert!(share > 0.7 && share < 0.76, "{share}");
    }
}
