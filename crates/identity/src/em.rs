//! Unsupervised estimation of the m probabilities by expectation–maximisation.
//!
//! There are no labels in production, so the m probabilities (how often the
//! same person agrees, field by field) are learnt from the candidate pairs
//! themselves. Candidate pairs are not a random sample: pairs found by a shared
//! phone all agree on the phone, whether they match or not. Following the
//! usual practice, EM is therefore run in *sessions*, each on the pairs that
//! agree exactly on one blocking rule, and a session only estimates the fields
//! that are not part of its rule; u stays fixed at its random-pair estimate.
//! The sessions' estimates are averaged, weighted by their expected matches.
//!
//! The same sessions give the prior: the expected number of matches that agree
//! on the phone, divided by the share of matches that agree on the phone
//! (measured in the e-mail session), estimates the total number of matches.
//!
//! EM runs on counts of distinct comparison patterns, not on pairs, so each
//! iteration costs a few hundred operations whatever the data size.

use crate::compare::{EXACT, FIELDS, Field, NUM_FIELDS, Pattern, pack, unpack};
use crate::hashing::FxMap;
use crate::model::prior_m;

/// Pseudo-matches of prior knowledge mixed into every m estimate.
const M_PRIOR_MATCHES: f64 = 10.0;
const MAX_ITERATIONS: usize = 200;
const TOLERANCE: f64 = 1e-7;

/// A set of pairs for one session: distinct patterns and how many pairs have each.
pub(crate) struct Session {
    /// Fields fixed by the session's rule (not estimated).
    pub fixed: Vec<Field>,
    pub patterns: Vec<(Pattern, f64)>,
}

/// What one session learnt.
#[derive(Debug, Clone)]
pub(crate) struct SessionFit {
    /// Per field: expected match count at each informative level, or `None` if fixed.
    pub level_matches: Vec<Option<Vec<f64>>>,
    /// Expected matches among the session's pairs.
    pub matches: f64,
    pub iterations: usize,
}

/// Runs EM on one session with fixed `u`, starting from `m`.
pub(crate) fn fit_session(s: &Session, m_start: &[Vec<f64>], u: &[Vec<f64>]) -> SessionFit {
    let free: Vec<bool> = FIELDS.iter().map(|f| !s.fixed.contains(f)).collect();
    let mut m: Vec<Vec<f64>> = m_start.to_vec();
    let total: f64 = s.patterns.iter().map(|(_, c)| c).sum();
    let mut lambda = 0.5;
    let mut level_matches: Vec<Vec<f64>> = FIELDS.iter().map(|f| vec![0.0; f.informative()]).collect();
    let mut matches = 0.0;
    let mut iterations = 0;
    if total <= 0.0 {
        return SessionFit {
            level_matches: vec![None; NUM_FIELDS],
            matches: 0.0,
            iterations,
        };
    }
    for it in 0..MAX_ITERATIONS {
        iterations = it + 1;
        level_matches
            .iter_mut()
            .for_each(|v| v.iter_mut().for_each(|x| *x = 0.0));
        matches = 0.0;
        for (pat, count) in &s.patterns {
            let mut ratio = 1.0;
            for f in FIELDS {
                let l = pat[f as usize];
                if free[f as usize] && l >= EXACT {
                    let i = usize::from(l - EXACT);
                    ratio *= m[f as usize][i] / u[f as usize][i];
                }
            }
            let ratio = ratio.clamp(1e-300, 1e300);
            let post = lambda * ratio / (lambda * ratio + (1.0 - lambda));
            let w = post * count;
            matches += w;
            for f in FIELDS {
                let l = pat[f as usize];
                if l >= EXACT {
                    level_matches[f as usize][usize::from(l - EXACT)] += w;
                }
            }
        }
        let mut change: f64 = 0.0;
        for f in FIELDS {
            if !free[f as usize] {
                continue;
            }
            let new = shrink(&level_matches[f as usize], prior_m(f));
            for (old, new) in m[f as usize].iter_mut().zip(new) {
                change = change.max((*old - new).abs());
                *old = new;
            }
        }
        let new_lambda = (matches / total).clamp(1e-9, 1.0 - 1e-9);
        change = change.max((new_lambda - lambda).abs());
        lambda = new_lambda;
        if change < TOLERANCE {
            break;
        }
    }
    let level_matches = FIELDS
        .iter()
        .map(|f| {
            if free[*f as usize] {
                Some(level_matches[*f as usize].clone())
            } else {
                None
            }
        })
        .collect();
    SessionFit {
        level_matches,
        matches,
        iterations,
    }
}

/// Expected level counts shrunk towards the prior distribution.
fn shrink(counts: &[f64], prior: &[f64]) -> Vec<f64> {
    let total: f64 = counts.iter().sum();
    counts
        .iter()
        .zip(prior)
        .map(|(c, p)| (c + M_PRIOR_MATCHES * p) / (total + M_PRIOR_MATCHES))
        .collect()
}

/// The combined estimate of all sessions.
#[derive(Debug, Clone)]
pub(crate) struct Fit {
    pub m: Vec<Vec<f64>>,
    /// Expected number of matching pairs among all pairs, if the sessions could tell.
    pub total_matches: Option<f64>,
    /// Per session: number of pairs and expected matches among them.
    pub session_pairs: Vec<f64>,
    pub session_matches: Vec<f64>,
    pub iterations: usize,
}

/// Fits every session and combines them. `phone_session` and `email_session`
/// index the sessions whose rule is exact phone / exact e-mail agreement.
pub(crate) fn fit(sessions: &[Session], u: &[Vec<f64>], phone_session: usize, email_session: usize) -> Fit {
    let start: Vec<Vec<f64>> = FIELDS.iter().map(|&f| prior_m(f).to_vec()).collect();
    let fits: Vec<SessionFit> = sessions.iter().map(|s| fit_session(s, &start, u)).collect();
    let iterations = fits.iter().map(|f| f.iterations).sum();
    // m: pool the expected level counts of every session that estimated the field.
    let m = FIELDS
        .iter()
        .map(|&f| {
            let mut pooled = vec![0.0; f.informative()];
            for fit in &fits {
                if let Some(levels) = &fit.level_matches[f as usize] {
                    pooled.iter_mut().zip(levels).for_each(|(p, l)| *p += l);
                }
            }
            shrink(&pooled, prior_m(f))
        })
        .collect();
    // Total matches: matches agreeing on the phone / share of matches that agree on the phone.
    let share = |fit: &SessionFit, f: Field| -> Option<f64> {
        let levels = fit.level_matches[f as usize].as_ref()?;
        let agree = levels.first().copied().unwrap_or(0.0);
        (fit.matches > 20.0 && agree > 5.0).then(|| agree / fit.matches)
    };
    let mut estimates = Vec::new();
    if let (Some(p), Some(e)) = (fits.get(phone_session), fits.get(email_session)) {
        if let Some(q) = share(e, Field::Phone)
            && p.matches > 5.0
        {
            estimates.push(p.matches / q);
        }
        if let Some(q) = share(p, Field::Email)
            && e.matches > 5.0
        {
            estimates.push(e.matches / q);
        }
    }
    let total_matches = (!estimates.is_empty()).then(|| estimates.iter().sum::<f64>() / estimates.len() as f64);
    let session_pairs = sessions
        .iter()
        .map(|s| s.patterns.iter().map(|(_, c)| c).sum())
        .collect();
    let session_matches = fits.iter().map(|f| f.matches).collect();
    Fit {
        m,
        total_matches,
        session_pairs,
        session_matches,
        iterations,
    }
}

/// The EM sessions: pairs agreeing exactly on phone (session 0), on e-mail
/// (session 1), on name and birth year (session 2).
pub(crate) fn sessions(patterns: &[Pattern]) -> Vec<Session> {
    type SessionRule = (Vec<Field>, fn(&Pattern) -> bool);
    let rules: [SessionRule; 3] = [
        (vec![Field::Phone], |p| p[Field::Phone as usize] == EXACT),
        (vec![Field::Email], |p| p[Field::Email as usize] == EXACT),
        (vec![Field::Name, Field::BirthYear], |p| {
            p[Field::Name as usize] == EXACT && p[Field::BirthYear as usize] == EXACT
        }),
    ];
    rules
        .into_iter()
        .map(|(fixed, keep)| {
            let mut counts: FxMap<u32, f64> = FxMap::default();
            for pat in patterns.iter().filter(|p| keep(p)) {
                *counts.entry(pack(pat)).or_insert(0.0) += 1.0;
            }
            let mut list: Vec<(u32, f64)> = counts.into_iter().collect();
            list.sort_unstable_by_key(|(code, _)| *code);
            Session {
                fixed,
                patterns: list.into_iter().map(|(code, c)| (unpack(code), c)).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::{MISSING_LEVEL, NAME_DISAGREE, PLAIN_DISAGREE, YEAR_DISAGREE};
    use crate::model::prior_u;

    #[test]
    fn em_separates_matches_from_household_pairs() {
        // A phone session: 900 pairs agreeing on everything, 100 disagreeing on everything else.
        let agree: Pattern = [EXACT, EXACT, MISSING_LEVEL, EXACT, EXACT, EXACT];
        let household: Pattern = [
            NAME_DISAGREE,
            EXACT,
            MISSING_LEVEL,
            YEAR_DISAGREE,
            PLAIN_DISAGREE,
            PLAIN_DISAGREE,
        ];
        let s = Session {
            fixed: vec![Field::Phone],
            patterns: vec![(agree, 900.0), (household, 100.0)],
        };
        let u: Vec<Vec<f64>> = FIELDS.iter().map(|&f| prior_u(f).to_vec()).collect();
        let start: Vec<Vec<f64>> = FIELDS.iter().map(|&f| prior_m(f).to_vec()).collect();
        let fit = fit_session(&s, &start, &u);
        assert!((fit.matches - 900.0).abs() < 5.0, "{}", fit.matches);
        let name = fit.level_matches[Field::Name as usize].clone().unwrap_or_default();
        assert!(name[0] > 890.0);
        assert!(fit.level_matches[Field::Phone as usize].is_none());
    }
}
