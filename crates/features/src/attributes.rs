//! `person_attributes`: who each person is, as of the build's day.
//!
//! A person's attributes are those of their account with the earliest
//! `signup_time` — even where a field of that account is empty and another
//! account has it (the metric definitions of `shared/bench/nlq/README.md`,
//! "Definitions", are normative here). Mixing fields from several accounts
//! would produce a person no account describes; taking one account keeps the
//! attributes consistent with each other and explainable by one record.
//! Ties on the signup time go to the smallest `(source, record_id)`; accounts
//! without a signup time come last. Accounts signed up after the cutoff are
//! not read (point in time); a person with no account left has no row.

use huaxiang_core::build::BuildContext;

use crate::inputs::{instant, view};

/// The table written by the features stage next to `features`.
pub const TABLE: &str = "person_attributes";

/// Output columns, in order.
pub const COLUMNS: [&str; 14] = [
    "person_id",
    "source",
    "record_id",
    "gender",
    "birth_year",
    "city",
    "city_tier",
    "member_level",
    "acquisition_channel",
    "first_signup_time",
    "age",
    "age_band",
    "record_count",
    "as_of",
];

/// A birth year outside this range is treated as unknown (no age, no band).
pub const BIRTH_YEARS: (i32, i32) = (1910, 2020);

/// The accounts of persons as of `ctx` (one row per customer record with its
/// person id and number `pix` from the numbered `links`), numbered in one global order:
/// `hx_order` ranks by signup time (empty last), then source, then record id.
/// The earliest account of a person is then its smallest `hx_order`, an
/// integer minimum per person instead of a window partitioned by person
/// (which sorts and evaluates a hundred thousand small partitions).
pub fn accounts_sql(ctx: &BuildContext, links: &str) -> String {
    format!(
        "SELECT i.pix, i.person_id, c.source, c.record_id, c.signup_time, c.gender, c.birth_year, c.city, \
                c.city_tier, c.member_level, c.acquisition_channel, \
                row_number() OVER (ORDER BY c.signup_time ASC NULLS LAST, c.source ASC, c.record_id ASC) AS hx_order \
         FROM {customers} c \
         JOIN {links} i ON i.source = c.source AND i.record_id = c.record_id \
         WHERE c.signup_time IS NULL OR c.signup_time < {cutoff}",
        customers = view("customers"),
        cutoff = instant(ctx.cutoff_micros()),
    )
}

/// The SQL of `person_attributes` (and `pix`) for build context `ctx`, over
/// the accounts of [`accounts_sql`] registered as `accounts`.
pub fn sql(ctx: &BuildContext, accounts: &str) -> String {
    use chrono::Datelike;
    let year = ctx.as_of.year();
    let (lo, hi) = BIRTH_YEARS;
    let age = format!("CASE WHEN r.birth_year BETWEEN {lo} AND {hi} THEN {year} - r.birth_year END");
    format!(
        "WITH earliest AS (\
            SELECT pix, min(hx_order) AS hx_order, count(*) AS record_count, \
                   min(signup_time) AS first_signup_time \
            FROM {accounts} GROUP BY pix), \
        aged AS (\
            SELECT r.*, e.record_count, e.first_signup_time, {age} AS age \
            FROM earliest e JOIN {accounts} r ON r.hx_order = e.hx_order) \
        SELECT person_id, source, record_id, gender, birth_year, city, city_tier, member_level, \
               acquisition_channel, first_signup_time, age, \
               CASE WHEN age IS NULL THEN NULL \
                    WHEN age < 25 THEN '<25' WHEN age < 35 THEN '25-34' WHEN age < 45 THEN '35-44' \
                    WHEN age < 55 THEN '45-54' ELSE '55+' END AS age_band, \
               record_count, CAST('{as_of}' AS DATE) AS as_of, pix \
        FROM aged",
        as_of = ctx.as_of.format("%Y-%m-%d"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn ctx() -> BuildContext {
        let d = NaiveDate::from_ymd_opt(2026, 6, 30).expect("date");
        BuildContext::new(3, d, chrono_tz::Asia::Shanghai, false)
    }

    #[test]
    fn earliest_account_and_point_in_time() {
        let a = accounts_sql(&ctx(), "idx");
        assert!(a.contains("ORDER BY c.signup_time ASC NULLS LAST, c.source ASC, c.record_id ASC"));
        assert!(
            a.contains(&format!("c.signup_time < {}", instant(1_782_835_200_000_000))),
            "{a}"
        );
        let s = sql(&ctx(), "acc");
        assert!(s.contains("BETWEEN 1910 AND 2020 THEN 2026 - r.birth_year"));
        assert!(s.contains("CAST('2026-06-30' AS DATE) AS as_of"));
    }

    #[test]
    fn output_columns_are_listed_in_order() {
        let s = sql(&ctx(), "acc");
        let select = s.rsplit_once(") SELECT").map(|(_, r)| r).unwrap_or("");
        let mut at = 0;
        for c in COLUMNS {
            let pos = select[at..].find(c).map(|p| p + at);
            assert!(pos.is_some(), "{c} missing or out of order in {select}");
            at = pos.unwrap_or(at);
        }
    }
}
