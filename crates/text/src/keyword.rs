//! A keyword and its score: the common output of TF-IDF and TextRank.

use serde::{Deserialize, Serialize};

/// One extracted keyword. Scores are comparable within one call, not across methods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Keyword {
    /// The word (lower case, as tokenised).
    pub term: String,
    /// Its weight: TF-IDF, or TextRank normalised so the best word has 1.
    pub score: f64,
}

/// Sorts by score descending then term ascending (so ties are deterministic) and keeps `k`.
pub(crate) fn top(mut scored: Vec<Keyword>, k: usize) -> Vec<Keyword> {
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.term.cmp(&b.term)));
    scored.truncate(k);
    scored
}
