//! TextRank keywords (Mihalcea & Tarau, 2004): words are nodes, co-occurrence within a
//! sliding window makes weighted edges, and PageRank over that graph ranks the words.
//!
//! TF-IDF needs a corpus to say what is rare; TextRank needs only the document itself, so
//! it suits a single long text (a complaint thread, a survey answer) where no comparable
//! documents are at hand.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::keyword::{Keyword, top};

/// TextRank settings. The defaults are jieba's (window 5, damping 0.85).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TextRankParams {
    /// Words at most `window - 1` positions apart are linked (≥ 2).
    pub window: usize,
    /// PageRank damping factor, in (0, 1).
    pub damping: f64,
    /// Maximum number of PageRank iterations (≥ 1).
    pub max_iter: usize,
    /// Stop when no score changes by more than this (> 0).
    pub tol: f64,
    /// Words shorter than this many characters are not candidates (single Chinese
    /// characters are rarely keywords). They are removed before windowing.
    pub min_chars: usize,
}

impl Default for TextRankParams {
    fn default() -> Self {
        TextRankParams {
            window: 5,
            damping: 0.85,
            max_iter: 100,
            tol: 1e-6,
            min_chars: 2,
        }
    }
}

impl TextRankParams {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        if self.window < 2 {
            return Err(Error::param(
                "window",
                self.window,
                "at least 2 (a word and its neighbour)",
            ));
        }
        if !(self.damping > 0.0 && self.damping < 1.0) {
            return Err(Error::param(
                "damping",
                self.damping,
                "a number in (0, 1), usually 0.85",
            ));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", self.max_iter, "at least 1"));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::param("tol", self.tol, "a positive number, e.g. 1e-6"));
        }
        Ok(())
    }
}

/// The `k` best TextRank keywords of one tokenised document, scores scaled so the best
/// is 1. Words without any neighbour keep the baseline score `1 - damping`.
pub fn textrank<S: AsRef<str>>(tokens: &[S], k: usize, params: &TextRankParams) -> Result<Vec<Keyword>> {
    params.validate()?;
    let words: Vec<&str> = tokens
        .iter()
        .map(AsRef::as_ref)
        .filter(|w| w.chars().count() >= params.min_chars)
        .collect();
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut names: Vec<&str> = Vec::new();
    let ids: Vec<usize> = words
        .iter()
        .map(|w| {
            *index.entry(w).or_insert_with(|| {
                names.push(w);
                names.len() - 1
            })
        })
        .collect();
    let n = names.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let mut edges: HashMap<(usize, usize), f64> = HashMap::new();
    for i in 0..ids.len() {
        for j in (i + 1)..ids.len().min(i + params.window) {
            let (a, b) = (ids[i], ids[j]);
            if a != b {
                *edges.entry((a.min(b), a.max(b))).or_default() += 1.0;
            }
        }
    }
    let mut adj: Vec<Vec<(usize, f64)>> = vec![Vec::new(); n];
    let mut edge_list: Vec<_> = edges.into_iter().collect();
    edge_list.sort_by_key(|&(e, _)| e);
    for ((a, b), w) in edge_list {
        adj[a].push((b, w));
        adj[b].push((a, w));
    }
    let out: Vec<f64> = adj.iter().map(|l| l.iter().map(|&(_, w)| w).sum()).collect();
    let d = params.damping;
    let mut score = vec![1.0; n];
    for _ in 0..params.max_iter {
        let mut next = vec![1.0 - d; n];
        for (v, nv) in next.iter_mut().enumerate() {
            let s: f64 = adj[v].iter().map(|&(u, w)| w / out[u] * score[u]).sum();
            *nv += d * s;
        }
        let delta = next.iter().zip(&score).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        score = next;
        if delta < params.tol {
            break;
        }
    }
    let max = score.iter().copied().fold(f64::MIN, f64::max);
    let scored = names
        .iter()
        .zip(&score)
        .map(|(t, s)| Keyword {
            term: (*t).to_owned(),
            score: s / max,
        })
        .collect();
    Ok(top(scored, k))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_word_ranks_first() {
        // 快递 co-occurs with everything; the leaves only with it.
        let tokens = ["快递", "太慢", "快递", "丢失", "快递", "压坏", "快递", "客服"];
        let p = TextRankParams {
            window: 2,
            ..TextRankParams::default()
        };
        let kw = textrank(&tokens, 3, &p).expect("valid params");
        assert_eq!(kw[0].term, "快递");
        assert!((kw[0].score - 1.0).abs() < 1e-12);
        assert!(kw[1].score < 1.0);
    }

    #[test]
    fn matches_closed_form_on_a_path() {
        // Path a - b - c with window 2: PageRank fixed point is b = (1-d) + d(a + c),
        // a = c = (1-d) + d·b/2.
        let p = TextRankParams {
            window: 2,
            min_chars: 1,
            tol: 1e-12,
            max_iter: 1000,
            ..Default::default()
        };
        let kw = textrank(&["a", "b", "c"], 3, &p).expect("valid params");
        let d: f64 = 0.85;
        let b = (1.0 - d) * (1.0 + 2.0 * d) / (1.0 - d * d);
        let a = (1.0 - d) + d * b / 2.0;
        assert_eq!(kw[0].term, "b");
        assert!((kw[1].score - a / b).abs() < 1e-9, "{kw:?}");
    }

    #[test]
    fn short_words_and_bad_params() {
        let kw = textrank(&["好", "的"], 5, &TextRankParams::default()).expect("valid");
        assert!(kw.is_empty());
        assert!(
            textrank(
                &["ab"],
                1,
                &TextRankParams {
                    window: 1,
                    ..Default::default()
                }
            )
            .is_err()
        );
        assert!(
            textrank(
                &["ab"],
                1,
                &TextRankParams {
                    damping: 1.0,
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}
