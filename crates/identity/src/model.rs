//! The Fellegi–Sunter model: m and u probabilities, weights and posteriors.
//!
//! For each field level, `m` is the probability of that level when the two
//! records are the same person and `u` when they are not; the evidence of the
//! level is `log2(m / u)` bits. A pair's posterior combines the prior odds that
//! two records match with the sum of its field weights.
//!
//! * `u` comes from the data without any labels: exact-agreement rates from
//!   value frequencies, the fuzzy name and phone levels from a fixed,
//!   deterministic sample of random pairs (almost all random pairs are
//!   non-matches). For phones and e-mails, whose sharing is mostly by the same
//!   person, the exact `u` is instead the rate at which *non-matching* pairs
//!   share one, as estimated by EM in the exact-phone and exact-e-mail sessions.
//! * Exact agreement is weighed by how common the agreed value is (term
//!   frequency): sharing the name 王伟 says far less than sharing a rare name
//!   ([`crate::frequency`]), and a phone shared by four records says less than
//!   one shared by two.
//! * `m` comes from EM ([`crate::em`]). Every parameter is shrunk towards a
//!   sensible prior, so that tiny inputs (a unit test, a new workspace) still
//!   behave: a pair agreeing on phone and name matches, a household phone does not.
//! * Weights are clamped, fuzzy levels never outweigh exact agreement, and an
//!   e-mail local part spelt from the name (`zhang.wei@…`) adds nothing to a
//!   name that already agrees: the two are not independent evidence.

use crate::compare::{
    EMAIL_LOCAL_ONLY, EXACT, FIELDS, Field, JUNK_LEVEL, MISSING_LEVEL, NAME_HOMOPHONE, NUM_FIELDS, Pattern,
    compare_name, compare_phone,
};
use crate::frequency::{frequency, pair_name_frequency};
use crate::hashing::SplitMix64;
use crate::names::local_part_from_name;
use crate::prepare::{MIN_BIRTH_YEAR, Prepared};

/// Weights are clamped to this range (bits), so that no single field can be infinitely sure.
const MIN_WEIGHT: f64 = -20.0;
const MAX_WEIGHT: f64 = 30.0;
/// Pseudo-pairs of prior knowledge mixed into every `u`.
const U_PRIOR_PAIRS: f64 = 1000.0;
/// Random pairs sampled to estimate `u` of the non-exact levels.
const U_SAMPLE_PAIRS: usize = 200_000;
const U_SAMPLE_SEED: u64 = 0x6964_656e_7469_7479; // "identity"

/// Prior m probabilities, per field, per informative level (same order as `Field::levels`).
pub(crate) fn prior_m(f: Field) -> &'static [f64] {
    match f {
        Field::Name => &[0.90, 0.06, 0.01, 0.03],
        Field::Phone => &[0.85, 0.03, 0.12],
        Field::Email => &[0.80, 0.03, 0.02, 0.15],
        Field::BirthYear => &[0.88, 0.08, 0.04],
        Field::City => &[0.88, 0.12],
        Field::Gender => &[0.97, 0.03],
    }
}

/// Prior u probabilities: how often two different people agree, level by level.
pub(crate) fn prior_u(f: Field) -> &'static [f64] {
    match f {
        Field::Name => &[1e-4, 3e-5, 5e-3, 0.99487],
        Field::Phone => &[1e-6, 1e-6, 0.999998],
        Field::Email => &[1e-6, 1e-6, 1e-5, 0.999988],
        Field::BirthYear => &[0.03, 0.06, 0.91],
        Field::City => &[0.05, 0.95],
        Field::Gender => &[0.5, 0.5],
    }
}

/// Parameters of one field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldModel {
    pub m: Vec<f64>,
    pub u: Vec<f64>,
    pub w: Vec<f64>,
}

impl FieldModel {
    /// Weights are monotone: no fuzzy level counts more than exact agreement.
    pub(crate) fn new(m: Vec<f64>, u: Vec<f64>) -> Self {
        let mut w: Vec<f64> = m.iter().zip(&u).map(|(m, u)| log2_ratio(*m, *u)).collect();
        let exact = w.first().copied().unwrap_or(0.0);
        w.iter_mut().skip(1).for_each(|x| *x = x.min(exact));
        Self { m, u, w }
    }
}

/// The fitted model.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Model {
    pub fields: Vec<FieldModel>,
    /// log2 of the prior odds that two random records are the same person.
    pub prior_log2_odds: f64,
    /// For phone and e-mail: u of exact agreement among *non-matching* pairs,
    /// scaled per value by the number of other records sharing it.
    pub identifier_u: [Option<f64>; NUM_FIELDS],
}

pub(crate) fn log2_ratio(m: f64, u: f64) -> f64 {
    (m.max(1e-300) / u.max(1e-300)).log2().clamp(MIN_WEIGHT, MAX_WEIGHT)
}

/// Posterior probability from log2 odds.
pub(crate) fn probability(log2_odds: f64) -> f64 {
    1.0 / (1.0 + (-log2_odds).exp2())
}

impl Model {
    pub(crate) fn new(
        m: Vec<Vec<f64>>,
        u: &[Vec<f64>],
        prior_probability: f64,
        identifier_u: [Option<f64>; NUM_FIELDS],
    ) -> Self {
        let fields = m
            .into_iter()
            .zip(u)
            .map(|(m, u)| FieldModel::new(m, u.clone()))
            .collect();
        let lambda = prior_probability.clamp(1e-15, 0.5);
        Self {
            fields,
            prior_log2_odds: (lambda / (1.0 - lambda)).log2(),
            identifier_u,
        }
    }

    /// Weight (bits) of the level of one field for the pair (`a`, `b`),
    /// adjusted for the frequency of the agreed value.
    pub(crate) fn field_weight(&self, p: &Prepared, f: Field, level: u8, a: usize, b: usize) -> f64 {
        if level == MISSING_LEVEL || level == JUNK_LEVEL {
            return 0.0;
        }
        let fm = &self.fields[f as usize];
        let idx = usize::from(level - EXACT);
        let m = fm.m[idx];
        if level == EXACT {
            if let Some(u_nm) = self.identifier_u[f as usize] {
                let shared = match f {
                    Field::Phone => p.phones.counts.get(p.phone[a] as usize),
                    _ => p.emails.counts.get(p.email[a] as usize),
                };
                let others = shared.map_or(1, |&c| c.saturating_sub(1).max(1));
                return log2_ratio(m, u_nm * f64::from(others));
            }
            if let Some(u) = exact_u_for_value(p, f, a) {
                return log2_ratio(m, u);
            }
        } else if f == Field::Email && level == EMAIL_LOCAL_ONLY && local_part_from_names(p, a, b) {
            return fm.w[idx].min(0.0);
        } else if f == Field::Name && level == NAME_HOMOPHONE {
            let u = homophone_u_for_value(p, a).max(homophone_u_for_value(p, b));
            return log2_ratio(m, u.max(fm.u[idx] * 0.1));
        }
        fm.w[idx]
    }

    /// Field weights of a pair and their sum (bits, before the prior).
    pub(crate) fn weights(&self, p: &Prepared, a: usize, b: usize, pat: &Pattern) -> ([f64; NUM_FIELDS], f64) {
        let mut w = [0.0; NUM_FIELDS];
        for f in FIELDS {
            w[f as usize] = self.field_weight(p, f, pat[f as usize], a, b);
        }
        (w, w.iter().sum())
    }

    /// Log2 posterior odds of a pair.
    pub(crate) fn log2_odds(&self, p: &Prepared, a: usize, b: usize, pat: &Pattern) -> f64 {
        self.prior_log2_odds + self.weights(p, a, b, pat).1
    }
}

/// The shared e-mail local part of `a` and `b` is spelt from either one's name.
fn local_part_from_names(p: &Prepared, a: usize, b: usize) -> bool {
    let Some(&local) = p.email_local.get(p.email[a] as usize) else {
        return false;
    };
    let local = p.locals.get(local);
    [a, b].iter().any(|&r| {
        p.name_info
            .get(p.name[r] as usize)
            .is_some_and(|info| local_part_from_name(local, info))
    })
}

/// Term-frequency u of the value record `a` holds in field `f` (when both agree exactly):
/// the chance that a random other record holds the same value.
fn exact_u_for_value(p: &Prepared, f: Field, a: usize) -> Option<f64> {
    let (count, present) = match f {
        Field::Name => {
            let id = p.name[a] as usize;
            let (count, model) = (p.names.counts.get(id)?, p.name_model.get(id)?);
            return Some(pair_name_frequency(*count, p.present[Field::Name as usize], *model));
        }
        Field::Phone => (
            p.phones.counts.get(p.phone[a] as usize)?,
            p.present[Field::Phone as usize],
        ),
        Field::Email => (
            p.emails.counts.get(p.email[a] as usize)?,
            p.present[Field::Email as usize],
        ),
        Field::City => (
            p.cities.counts.get(p.city[a] as usize)?,
            p.present[Field::City as usize],
        ),
        Field::BirthYear => {
            let i = (p.birth_year[a] as i64 - i64::from(MIN_BIRTH_YEAR)) as usize;
            (p.year_counts.get(i)?, p.present[Field::BirthYear as usize])
        }
        Field::Gender => return None,
    };
    let u0 = prior_u(f)[0];
    Some((f64::from(count.saturating_sub(1)) + U_PRIOR_PAIRS * u0) / ((present as f64 - 1.0).max(0.0) + U_PRIOR_PAIRS))
}

/// Chance that a random other record has a different name with the same
/// pinyin as record `a`'s name, leaving the pair itself out.
fn homophone_u_for_value(p: &Prepared, a: usize) -> f64 {
    let id = p.name[a] as usize;
    let (Some(&py), Some(&own)) = (p.name_pinyin.get(id), p.names.counts.get(id)) else {
        return prior_u(Field::Name)[1];
    };
    let same_sound = p.pinyin.counts.get(py as usize).copied().unwrap_or(0);
    // Records with the same sound but another spelling, minus the other record of the pair.
    let others = f64::from(same_sound.saturating_sub(own).saturating_sub(1));
    let model = p.pinyin_model.get(py as usize).copied().unwrap_or(1.0);
    frequency(others, p.present[Field::Name as usize], model)
}

/// Estimates u for every field and level, shrunk to the priors. Exact levels,
/// birth year off by one and the e-mail levels come from value frequencies;
/// the fuzzy name and phone levels from a deterministic sample of random pairs.
pub(crate) fn estimate_u(p: &Prepared) -> Vec<Vec<f64>> {
    let n = p.len();
    // Fuzzy name and phone levels among sampled pairs where both values are usable.
    let mut name_counts = vec![0.0; Field::Name.informative()];
    let mut phone_counts = vec![0.0; Field::Phone.informative()];
    let mut tally = |a: usize, b: usize| {
        let l = compare_name(p, p.name[a], p.name[b]);
        if l >= EXACT {
            name_counts[usize::from(l - EXACT)] += 1.0;
        }
        let l = compare_phone(p, p.phone[a], p.phone[b]);
        if l >= EXACT {
            phone_counts[usize::from(l - EXACT)] += 1.0;
        }
    };
    let all_pairs = n.saturating_mul(n.saturating_sub(1)) / 2;
    if all_pairs <= U_SAMPLE_PAIRS {
        for a in 0..n {
            for b in a + 1..n {
                tally(a, b);
            }
        }
    } else {
        let mut rng = SplitMix64::new(U_SAMPLE_SEED);
        for _ in 0..U_SAMPLE_PAIRS {
            let a = rng.below(n);
            let mut b = rng.below(n - 1);
            if b >= a {
                b += 1;
            }
            tally(a, b);
        }
    }
    let sampled = |f: Field, counts: &[f64]| -> Vec<f64> {
        let total: f64 = counts.iter().sum();
        let shrink = 100.0;
        counts
            .iter()
            .zip(prior_u(f))
            .map(|(c, u0)| (c + shrink * u0) / (total + shrink))
            .collect()
    };
    FIELDS
        .iter()
        .map(|&f| {
            let mut u = match f {
                Field::Name => sampled(f, &name_counts),
                Field::Phone => sampled(f, &phone_counts),
                _ => prior_u(f).to_vec(),
            };
            u[0] = exact_u_average(p, f);
            match f {
                Field::Email => {
                    // Same local part, different address.
                    let same_local = same_local_u(p);
                    u[1] = same_local;
                    u[2] = same_local;
                }
                Field::BirthYear => u[1] = off_by_one_u(p),
                _ => {}
            }
            // The disagree level takes what the others leave.
            let last = u.len() - 1;
            let rest: f64 = u[..last].iter().sum();
            u[last] = (1.0 - rest).max(1e-6);
            u
        })
        .collect()
}

/// Share of pairs of records with birth years one year apart.
fn off_by_one_u(p: &Prepared) -> f64 {
    let c = &p.year_counts;
    let near: f64 = c.windows(2).map(|w| 2.0 * f64::from(w[0]) * f64::from(w[1])).sum();
    let present = p.present[Field::BirthYear as usize] as f64;
    (near + U_PRIOR_PAIRS * prior_u(Field::BirthYear)[1]) / (present * (present - 1.0).max(0.0) + U_PRIOR_PAIRS)
}

/// u of exact agreement among non-matching pairs, from the expected number of
/// non-matching pairs that agree, over all pairs of records with a value.
pub(crate) fn non_match_u(non_matches: f64, present: usize, prior: f64) -> f64 {
    let pairs = present as f64 * (present as f64 - 1.0).max(0.0) / 2.0;
    (non_matches.max(0.0) + U_PRIOR_PAIRS * prior) / (pairs + U_PRIOR_PAIRS)
}

/// Share of pairs of e-mails with the same local part but a different address.
fn same_local_u(p: &Prepared) -> f64 {
    let pairs_of = |counts: &[u32]| {
        counts
            .iter()
            .map(|&c| f64::from(c) * f64::from(c.saturating_sub(1)))
            .sum::<f64>()
    };
    let same = (pairs_of(&p.locals.counts) - pairs_of(&p.emails.counts)).max(0.0);
    let present = p.present[Field::Email as usize] as f64;
    (same + U_PRIOR_PAIRS * prior_u(Field::Email)[2]) / (present * (present - 1.0).max(0.0) + U_PRIOR_PAIRS)
}

/// Average exact-agreement u of a field from its value frequencies: the share
/// of (ordered) pairs of records with usable values that hold the same value.
fn exact_u_average(p: &Prepared, f: Field) -> f64 {
    let (counts, present): (&[u32], usize) = match f {
        Field::Name => (&p.names.counts, p.present[Field::Name as usize]),
        Field::Phone => (&p.phones.counts, p.present[Field::Phone as usize]),
        Field::Email => (&p.emails.counts, p.present[Field::Email as usize]),
        Field::City => (&p.cities.counts, p.present[Field::City as usize]),
        Field::BirthYear => (&p.year_counts, p.present[Field::BirthYear as usize]),
        Field::Gender => (&p.gender_counts, p.present[Field::Gender as usize]),
    };
    let same: f64 = counts
        .iter()
        .map(|&c| f64::from(c) * f64::from(c.saturating_sub(1)))
        .sum();
    let pairs = present as f64 * (present as f64 - 1.0).max(0.0);
    let u0 = prior_u(f)[0];
    (same + U_PRIOR_PAIRS * u0) / (pairs + U_PRIOR_PAIRS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{NAME_DISAGREE, PHONE_DISAGREE};

    #[test]
    fn priors_are_distributions() {
        for f in FIELDS {
            assert_eq!(prior_m(f).len(), f.informative());
            assert_eq!(prior_u(f).len(), f.informative());
            assert!((prior_m(f).iter().sum::<f64>() - 1.0).abs() < 1e-9, "{f:?} m");
            assert!((prior_u(f).iter().sum::<f64>() - 1.0).abs() < 1e-9, "{f:?} u");
        }
    }

    #[test]
    fn weights_have_the_right_sign() {
        let m: Vec<Vec<f64>> = FIELDS.iter().map(|&f| prior_m(f).to_vec()).collect();
        let u: Vec<Vec<f64>> = FIELDS.iter().map(|&f| prior_u(f).to_vec()).collect();
        let model = Model::new(m, &u, 1e-4, [None; NUM_FIELDS]);
        assert!(model.fields[Field::Name as usize].w[0] > 5.0);
        assert!(model.fields[Field::Name as usize].w[usize::from(NAME_DISAGREE - EXACT)] < -4.0);
        assert!(model.fields[Field::Phone as usize].w[usize::from(PHONE_DISAGREE - EXACT)] < 0.0);
        assert!((probability(0.0) - 0.5).abs() < 1e-12);
        assert!(probability(20.0) > 0.999);
    }
}
