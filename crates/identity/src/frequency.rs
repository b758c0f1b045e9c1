//! How common is a name? A smooth prior for term-frequency weights.
//!
//! Agreement on a rare name is strong evidence, on 王伟 weak. The evidence is
//! `log2(m / u)` with `u` the chance that a *different* person has the same
//! name, i.e. the name's frequency in the population. The observed count is a
//! poor estimate for rare names: a name seen on exactly the two records being
//! compared says nothing about how common it is among other people, yet the
//! naive estimate (count / records) would put it at 1 in n.
//!
//! So the frequency is estimated Bayesian-style: the count of the name on
//! *other* records (leave the pair out) is combined with a prior from a token
//! model fitted on all names: P(number of tokens) × P(first token) ×
//! Π P(other tokens), tokens being characters for Chinese names (surname, then
//! given-name characters) and words otherwise. The prior has the weight of
//! half an observation, so for popular names the data dominate and for rare
//! names the model does.

use std::borrow::Cow;

use huaxiang_core::normalize::is_cjk;

use crate::hashing::FxMap;

/// Prior strength, in observations.
const PRIOR_SHAPE: f64 = 0.5;

/// Model frequency of each distinct name, given the names and their record counts.
pub(crate) fn name_model(names: &[&str], counts: &[u32]) -> Vec<f64> {
    let tokenised: Vec<Vec<Cow<'_, str>>> = names.iter().map(|n| tokens(n)).collect();
    let mut first: FxMap<&str, f64> = FxMap::default();
    let mut rest: FxMap<&str, f64> = FxMap::default();
    let mut lengths: FxMap<usize, f64> = FxMap::default();
    let (mut n_first, mut n_rest, mut n_len) = (0.0, 0.0, 0.0);
    for (toks, &c) in tokenised.iter().zip(counts) {
        let c = f64::from(c);
        let Some((head, tail)) = toks.split_first() else {
            continue;
        };
        if c == 0.0 {
            continue;
        }
        *lengths.entry(toks.len()).or_default() += c;
        n_len += c;
        *first.entry(head.as_ref()).or_default() += c;
        n_first += c;
        for t in tail {
            *rest.entry(t.as_ref()).or_default() += c;
            n_rest += c;
        }
    }
    let p = |table: &FxMap<&str, f64>, total: f64, t: &str| {
        let v = table.len() as f64 + 1.0;
        (table.get(t).copied().unwrap_or(0.0) + 0.5) / (total + 0.5 * v)
    };
    tokenised
        .iter()
        .map(|toks| {
            let Some((head, tail)) = toks.split_first() else {
                return 1.0;
            };
            let len =
                (lengths.get(&toks.len()).copied().unwrap_or(0.0) + 0.5) / (n_len + 0.5 * (lengths.len() as f64 + 1.0));
            let mut f = len * p(&first, n_first, head);
            for t in tail {
                f *= p(&rest, n_rest, t);
            }
            f.clamp(1e-12, 1.0)
        })
        .collect()
}

/// Characters of a Chinese name, lower-cased words otherwise. Borrows from
/// the name unless a word needs lower-casing.
fn tokens(name: &str) -> Vec<Cow<'_, str>> {
    if name.chars().all(|c| is_cjk(c) || c == '·') {
        name.char_indices()
            .filter(|&(_, c)| c != '·')
            .map(|(i, c)| Cow::Borrowed(&name[i..i + c.len_utf8()]))
            .collect()
    } else {
        name.split_whitespace()
            .map(|w| {
                if w.chars().any(char::is_uppercase) {
                    Cow::Owned(w.to_lowercase())
                } else {
                    Cow::Borrowed(w)
                }
            })
            .collect()
    }
}

/// Frequency of a name among other people's records, for a pair that agrees on it.
///
/// `count` is the name's record count (the pair included), `present` the
/// number of records with a name, `model` the name's model frequency.
///
/// The estimate never goes below the plain share of other records with the
/// name, so a model that underrates a popular name cannot inflate its weight.
pub(crate) fn pair_name_frequency(count: u32, present: usize, model: f64) -> f64 {
    frequency(f64::from(count.saturating_sub(2)), present, model)
}

/// Frequency of a value seen on `others` records besides the pair, among
/// `present` records, with model frequency `model`.
pub(crate) fn frequency(others: f64, present: usize, model: f64) -> f64 {
    let exposure = (present as f64 - 2.0).max(1.0);
    let bayes = (others + PRIOR_SHAPE) / (exposure + PRIOR_SHAPE / model.max(1e-12));
    bayes.max(others / exposure)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rare_names_are_rarer_than_common_ones() {
        let names = ["王伟", "王芳", "李伟", "欧阳娜娜", "马琳英"];
        let counts = [50, 30, 20, 1, 2];
        let f = name_model(&names, &counts);
        assert!(f[0] > f[4], "{f:?}");
        assert!(f[0] > f[3]);
        assert!(f.iter().all(|&x| x > 0.0 && x <= 1.0));
    }

    #[test]
    fn data_dominate_for_popular_names() {
        // Seen 1,000 times in 100,000 records: about 1%, whatever the model says.
        let u = pair_name_frequency(1000, 100_000, 1e-6);
        assert!((u - 0.00998).abs() < 0.0001, "{u}");
        // Seen only on the pair: the model decides.
        let u = pair_name_frequency(2, 100_000, 1e-7);
        assert!(u < 1e-6, "{u}");
    }

    #[test]
    fn latin_names_use_words() {
        assert_eq!(tokens("John Smith"), vec!["john", "smith"]);
        assert_eq!(tokens("张伟").len(), 2);
    }
}
