//! `customers.csv`: the shop's account table, with the dirt of a real one.
//!
//! Planted at roughly these rates: name missing 1%, gender 3%, birth year missing 2% and
//! impossible 0.5%, city and city tier 2% each, member level 1%, phone missing 3% and written
//! in three styles, email missing 5% and with case and whitespace noise. These are what the
//! quality gate should catch and what normalisation should repair.

use std::path::Path;

use crate::accounts::Identity;
use crate::error::DemoError;
use crate::people::{self, CITIES, PhoneStyle};
use crate::population::Customer;
use crate::random::Rng;
use crate::segments::ACQUISITION_CHANNELS;
use crate::writer::CsvWriter;

/// Member levels, from the lowest.
const MEMBER_LEVELS: [&str; 4] = ["普通", "白银", "黄金", "铂金"];
/// Paid spend (cents) needed for 白银, 黄金 and 铂金.
const LEVEL_THRESHOLDS: [i64; 3] = [50_000, 300_000, 1_000_000];
/// Birth years no real customer has.
const IMPOSSIBLE_BIRTH_YEARS: [i64; 6] = [1900, 0, 2031, 2099, 1800, 9999];

/// Writes `customers.csv`. `paid_spend` is each account's paid spend in cents.
pub(crate) fn write(
    dir: &Path,
    customers: &[Customer],
    identity: &Identity,
    paid_spend: &[i64],
    rng: &mut Rng,
) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(
        dir,
        "customers.csv",
        &[
            "customer_id",
            "name",
            "gender",
            "birth_year",
            "city",
            "city_tier",
            "signup_time",
            "acquisition_channel",
            "member_level",
            "phone",
            "email",
        ],
    )?;
    for (i, (c, a)) in customers.iter().zip(&identity.accounts).enumerate() {
        let p = &a.contact;
        w.id(b'C', i as u64 + 1, 8);
        if rng.chance(0.01) {
            w.null();
        } else {
            w.str(&p.name.render());
        }
        if rng.chance(0.03) {
            w.null();
        } else {
            w.str(if p.female { "F" } else { "M" });
        }
        let u = rng.unit();
        if u < 0.005 {
            w.int(IMPOSSIBLE_BIRTH_YEARS[rng.below(IMPOSSIBLE_BIRTH_YEARS.len())]);
        } else if u < 0.025 {
            w.null();
        } else {
            w.int(p.birth_year);
        }
        let (city, tier, _) = CITIES[usize::from(p.city)];
        w.opt_str((!rng.chance(0.02)).then_some(city));
        w.opt_int((!rng.chance(0.02)).then_some(i64::from(tier)));
        w.timestamp(c.signup_ts);
        w.str(ACQUISITION_CHANNELS[usize::from(c.acquisition)]);
        let spend = paid_spend.get(i).copied().unwrap_or(0);
        let mut level = LEVEL_THRESHOLDS.iter().filter(|&&t| spend >= t).count();
        if rng.chance(0.05) {
            level = rng.below(MEMBER_LEVELS.len());
        }
        w.opt_str((!rng.chance(0.01)).then_some(MEMBER_LEVELS[level]));
        if rng.chance(0.03) {
            w.null();
        } else {
            let u = rng.unit();
            let style = if u < 0.15 {
                PhoneStyle::Dashed
            } else if u < 0.25 {
                PhoneStyle::IntlSpaced
            } else {
                PhoneStyle::Plain
            };
            w.str(&people::format_phone(p.phone, style));
        }
        if rng.chance(0.05) {
            w.null();
        } else {
            w.str(&dirty_email(&p.email, rng));
        }
        w.end_row()?;
    }
    w.finish()
}

/// Upper case (10%), capitalised local part with an upper-case domain (10%), and a leading
/// or trailing space (5% each).
fn dirty_email(email: &str, rng: &mut Rng) -> String {
    let u = rng.unit();
    let mut out = if u < 0.10 {
        email.to_uppercase()
    } else if u < 0.20 {
        match email.split_once('@') {
            Some((local, domain)) => {
                let mut chars = local.chars();
                let first: String = chars.next().map(|c| c.to_uppercase().collect()).unwrap_or_default();
                format!("{first}{}@{}", chars.as_str(), domain.to_uppercase())
            }
            None => email.to_owned(),
        }
    } else {
        email.to_owned()
    };
    let u = rng.unit();
    if u < 0.05 {
        out.insert(0, ' ');
    } else if u < 0.10 {
        out.push(' ');
    }
    out
}
