//! TF-IDF over word tokens: document frequencies counted once over a corpus, then any
//! document weighted against them.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::keyword::{Keyword, top};

/// Corpus statistics for TF-IDF: the number of documents and each term's document
/// frequency.
///
/// `idf(t) = ln((1 + n) / (1 + df(t))) + 1`, scikit-learn's smoothed definition: a term in
/// every document still weighs 1 (not 0, so short texts made only of common words keep
/// keywords), and an unseen term gets the largest weight, as if it occurred in no document.
/// A document's weight of `t` is `tf(t) · idf(t)` with `tf` the share of its tokens that are
/// `t`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TfIdf {
    n_docs: usize,
    df: HashMap<String, usize>,
}

impl TfIdf {
    /// Counts document frequencies over `docs` (each a list of tokens).
    pub fn fit<S: AsRef<str>>(docs: &[Vec<S>]) -> Self {
        let mut df: HashMap<String, usize> = HashMap::new();
        for doc in docs {
            let mut seen: Vec<&str> = doc.iter().map(AsRef::as_ref).collect();
            seen.sort_unstable();
            seen.dedup();
            for t in seen {
                *df.entry(t.to_owned()).or_default() += 1;
            }
        }
        TfIdf { n_docs: docs.len(), df }
    }

    /// Number of documents the statistics were counted over.
    pub fn n_docs(&self) -> usize {
        self.n_docs
    }

    /// Number of documents containing `term` (0 when unseen).
    pub fn document_frequency(&self, term: &str) -> usize {
        self.df.get(term).copied().unwrap_or(0)
    }

    /// Number of distinct terms seen.
    pub fn vocabulary_len(&self) -> usize {
        self.df.len()
    }

    /// The smoothed inverse document frequency of `term`.
    pub fn idf(&self, term: &str) -> f64 {
        let n = self.n_docs as f64;
        ((1.0 + n) / (1.0 + self.document_frequency(term) as f64)).ln() + 1.0
    }

    /// Every distinct term of `tokens` with its TF-IDF weight, best first.
    pub fn weights<S: AsRef<str>>(&self, tokens: &[S]) -> Vec<Keyword> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for t in tokens {
            *counts.entry(t.as_ref()).or_default() += 1;
        }
        let len = tokens.len().max(1) as f64;
        let scored = counts
            .into_iter()
            .map(|(t, c)| Keyword {
                term: t.to_owned(),
                score: c as f64 / len * self.idf(t),
            })
            .collect::<Vec<_>>();
        let n = scored.len();
        top(scored, n)
    }

    /// The `k` terms of `tokens` with the largest TF-IDF weight.
    pub fn top_k<S: AsRef<str>>(&self, tokens: &[S], k: usize) -> Vec<Keyword> {
        let mut w = self.weights(tokens);
        w.truncate(k);
        w
    }
}

/// Per-document top-`k` keywords, with IDF counted over the same documents.
pub fn tfidf_keywords<S: AsRef<str>>(docs: &[Vec<S>], k: usize) -> Vec<Vec<Keyword>> {
    let model = TfIdf::fit(docs);
    docs.iter().map(|d| model.top_k(d, k)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs() -> Vec<Vec<&'static str>> {
        vec![vec!["快递", "慢", "快递"], vec!["快递", "退款"], vec!["质量", "好"]]
    }

    #[test]
    fn idf_matches_sklearn_smoothing() {
        let m = TfIdf::fit(&docs());
        assert_eq!(m.n_docs(), 3);
        assert_eq!(m.document_frequency("快递"), 2);
        assert!((m.idf("快递") - ((4.0f64 / 3.0).ln() + 1.0)).abs() < 1e-12);
        assert!((m.idf("未见") - (4.0f64.ln() + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn rare_terms_outrank_common_ones() {
        let kw = tfidf_keywords(&docs(), 1);
        assert_eq!(kw[1][0].term, "退款");
        // 快递 is common but twice as frequent in document 0: 2/3·1.29 > 1/3·1.69.
        assert_eq!(kw[0][0].term, "快递");
        let w = TfIdf::fit(&docs()).weights(&["快递", "慢", "快递"]);
        assert!((w[0].score - 2.0 / 3.0 * ((4.0f64 / 3.0).ln() + 1.0)).abs() < 1e-12);
    }

    #[test]
    fn empty_inputs() {
        let none: Vec<Vec<String>> = Vec::new();
        assert!(tfidf_keywords(&none, 3).is_empty());
        let m = TfIdf::fit(&docs());
        assert!(m.top_k::<&str>(&[], 3).is_empty());
    }
}
