//! Who is behind each customer account: duplicates and shared household phones.
//!
//! Most accounts belong to a distinct person. About 1% are a second account of a person who
//! already has one (the name sometimes carries a homophone typo, the phone and email may be
//! new, the city may differ), and about 0.5% carry another person's phone, as happens when a
//! family shares one number. Naive phone matching merges those households; that is the trap.

use crate::people::{Person, PersonFactory};
use crate::population::Customer;
use crate::random::Rng;

/// Share of accounts that duplicate another account's person.
const DUPLICATE_SHARE: f64 = 0.01;
/// Share of accounts that carry another person's (household) phone.
const SHARED_PHONE_SHARE: f64 = 0.005;
/// People who exist only in the CRM, relative to the number of accounts.
const CRM_ONLY_SHARE: f64 = 0.15;

/// One customer account as the shop recorded it.
#[derive(Clone, Debug)]
pub(crate) struct Account {
    /// Index of the true person (`H` + index + 1 in the truth file).
    pub person: u32,
    /// The contact data entered for this account (before formatting dirt).
    pub contact: Person,
}

/// All people and the accounts that point at them.
pub(crate) struct Identity {
    /// People behind accounts (index = account index for non-duplicates), then CRM-only people.
    pub people: Vec<Person>,
    /// Index of the first CRM-only person.
    pub crm_only_start: usize,
    pub accounts: Vec<Account>,
}

/// Creates the people and the accounts' contact data.
pub(crate) fn build(customers: &[Customer], factory: &mut PersonFactory, rng: &mut Rng) -> Identity {
    let n = customers.len();
    let mut people: Vec<Person> = customers
        .iter()
        .map(|c| {
            let p = c.segment.params();
            factory.person(rng, p.female_share, p.birth_year_mean)
        })
        .collect();
    let crm_only = (n as f64 * CRM_ONLY_SHARE).round() as usize;
    people.extend((0..crm_only).map(|_| factory.person(rng, 0.5, 1989.0)));

    // Planted duplicates: these accounts point at another (non-duplicate) account's person.
    let mut order: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut order);
    let n_dup = ((n as f64 * DUPLICATE_SHARE).round() as usize).min(n / 2);
    let mut is_dup = vec![false; n];
    for &d in &order[..n_dup] {
        is_dup[d] = true;
    }
    let originals: Vec<usize> = (0..n).filter(|&i| !is_dup[i]).collect();

    let mut accounts = Vec::with_capacity(n);
    for (i, &dup) in is_dup.iter().enumerate() {
        if !dup {
            accounts.push(Account {
                person: i as u32,
                contact: people[i].clone(),
            });
            continue;
        }
        let person = originals[rng.below(originals.len())];
        let mut contact = people[person].clone();
        if rng.chance(0.2) {
            contact.name = contact.name.homophone_typo(rng);
        }
        if !rng.chance(0.5) {
            contact.phone = factory.phone(rng);
        }
        if !rng.chance(0.4) {
            contact.email = factory.email(rng, &contact.name);
        }
        if !rng.chance(0.8) {
            contact.city = factory.city(rng);
        }
        accounts.push(Account {
            person: person as u32,
            contact,
        });
    }

    // Household phones: a few accounts carry another person's number.
    let n_shared = (n as f64 * SHARED_PHONE_SHARE).round() as usize;
    rng.shuffle(&mut order);
    for &i in order.iter().take(n_shared) {
        for _ in 0..10 {
            let j = rng.below(n);
            if accounts[j].person != accounts[i].person {
                accounts[i].contact.phone = accounts[j].contact.phone;
                break;
            }
        }
    }
    Identity {
        people,
        crm_only_start: n,
        accounts,
    }
}
