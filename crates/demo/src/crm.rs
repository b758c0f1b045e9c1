//! The second source system: a CRM with its own copies of (some of) the same people.
//!
//! It covers about 60% of the people behind the shop accounts, plus people who appear only
//! here, plus about 2% duplicate records. Every record is a noisy copy: homophone typos, a
//! replaced or mistyped phone, a replaced email or a `.con` domain, a changed city, a birth
//! year off by one, one missing field in 30% of records, and its own phone formats.

use std::path::Path;

use crate::accounts::Identity;
use crate::calendar::{self, HISTORY_DAYS};
use crate::error::DemoError;
use crate::people::{self, CITIES, PersonFactory, PhoneStyle};
use crate::random::Rng;
use crate::writer::CsvWriter;

/// One CRM record, ready to write (`None` = missing).
pub(crate) struct CrmRecord {
    /// Index of the true person.
    pub person: u32,
    name: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    city: Option<u8>,
    birth_year: Option<i64>,
    female: bool,
    created_at: i64,
}

const PHONE_STYLES: [PhoneStyle; 4] = [
    PhoneStyle::IntlDashed,
    PhoneStyle::CountryCode,
    PhoneStyle::Spaced,
    PhoneStyle::Plain,
];

/// Draws the CRM records in their final (shuffled) order.
pub(crate) fn generate(identity: &Identity, factory: &mut PersonFactory, rng: &mut Rng) -> Vec<CrmRecord> {
    let mut account_people: Vec<u32> = identity.accounts.iter().map(|a| a.person).collect();
    account_people.sort_unstable();
    account_people.dedup();
    let mut persons: Vec<u32> = account_people.into_iter().filter(|_| rng.chance(0.6)).collect();
    persons.extend((identity.crm_only_start..identity.people.len()).map(|p| p as u32));
    let n_dup = (persons.len() as f64 * 0.02).round() as usize;
    let mut pool = persons.clone();
    rng.shuffle(&mut pool);
    persons.extend_from_slice(&pool[..n_dup.min(pool.len())]);
    rng.shuffle(&mut persons);

    persons
        .into_iter()
        .map(|person| {
            let p = &identity.people[person as usize];
            let name = if rng.chance(0.12) {
                p.name.homophone_typo(rng)
            } else {
                p.name
            };
            let u = rng.unit();
            let phone = if u < 0.10 {
                factory.phone(rng)
            } else if u < 0.15 {
                typo_digit(p.phone, rng)
            } else {
                p.phone
            };
            let u = rng.unit();
            let mut email = if u < 0.15 {
                factory.email(rng, &name)
            } else if u < 0.18 {
                p.email.replace(".com", ".con")
            } else {
                p.email.clone()
            };
            if rng.chance(0.1) {
                email = email.to_uppercase();
            }
            let city = if rng.chance(0.08) { factory.city(rng) } else { p.city };
            let u = rng.unit();
            let birth_year = p.birth_year
                + if u < 0.05 {
                    1
                } else if u < 0.10 {
                    -1
                } else {
                    0
                };
            let style = PHONE_STYLES[rng.below(PHONE_STYLES.len())];
            let missing = if rng.chance(0.3) { rng.below(5) } else { 5 };
            let day = rng.uniform(0.0, HISTORY_DAYS as f64 - 1.0);
            let created_at = calendar::at(day, calendar::time_of_day(rng, 0.05));
            CrmRecord {
                person,
                phone: (missing != 0).then(|| people::format_phone(phone, style)),
                email: (missing != 1).then_some(email),
                name: (missing != 2).then(|| name.render()),
                city: (missing != 3).then_some(city),
                birth_year: (missing != 4).then_some(birth_year),
                female: p.female,
                created_at,
            }
        })
        .collect()
}

/// Changes one digit after the prefix.
fn typo_digit(phone: u64, rng: &mut Rng) -> u64 {
    let pos = 3 + rng.below(8) as u32; // digit position from the left, 3..=10
    let place = 10u64.pow(10 - pos);
    let digit = phone / place % 10;
    let new = (digit + 1 + rng.below(9) as u64) % 10;
    phone - digit * place + new * place
}

/// Writes `crm_contacts.csv`.
pub(crate) fn write(dir: &Path, records: &[CrmRecord]) -> Result<u64, DemoError> {
    let mut w = CsvWriter::create(
        dir,
        "crm_contacts.csv",
        &[
            "crm_id",
            "name",
            "phone",
            "email",
            "city",
            "birth_year",
            "gender",
            "created_at",
        ],
    )?;
    for (k, r) in records.iter().enumerate() {
        w.id(b'K', k as u64 + 1, 8);
        w.opt_str(r.name.as_deref());
        w.opt_str(r.phone.as_deref());
        w.opt_str(r.email.as_deref());
        w.opt_str(r.city.map(|c| CITIES[usize::from(c)].0));
        w.opt_int(r.birth_year);
        w.str(if r.female { "F" } else { "M" });
        w.timestamp(r.created_at);
        w.end_row()?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digit_typo_changes_exactly_one_digit_after_the_prefix() {
        let mut rng = Rng::from_seed(2);
        for _ in 0..1000 {
            let p = 13_812_345_678;
            let t = typo_digit(p, &mut rng);
            let (a, b) = (format!("{p}"), format!("{t}"));
            assert_eq!(b.len(), 11);
            assert_eq!(&b[..3], "138");
            assert_eq!(a.chars().zip(b.chars()).filter(|(x, y)| x != y).count(), 1);
        }
    }
}
