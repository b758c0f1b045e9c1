//! Character n-gram TF-IDF features, defined as scikit-learn's
//! `TfidfVectorizer(analyzer="char", ngram_range, min_df, sublinear_tf=True)`.
//!
//! Characters rather than words: Chinese reviews are short, informal and full of words no
//! dictionary has (网络用语, dish names, typos), and segmentation errors would become feature
//! errors. Overlapping 1–2 (or 1–3) character grams see 不好 and 好吃 without deciding where a
//! word ends, and a vocabulary with `min_df` keeps only grams seen in at least that many
//! training texts, so the model stays small and rare noise does not become a weight.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::sparse::SparseRow;

/// A fitted character n-gram vocabulary with its IDF weights.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(from = "VectorizerData", into = "VectorizerData")]
pub(crate) struct CharNgramVectorizer {
    data: VectorizerData,
    index: HashMap<String, u32>,
}

/// What is serialized: the terms in column order and their IDF.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct VectorizerData {
    ngram_min: usize,
    ngram_max: usize,
    sublinear_tf: bool,
    terms: Vec<String>,
    idf: Vec<f64>,
}

impl From<VectorizerData> for CharNgramVectorizer {
    fn from(data: VectorizerData) -> Self {
        let index = data
            .terms
            .iter()
            .enumerate()
            .map(|(i, t)| (t.clone(), i as u32))
            .collect();
        CharNgramVectorizer { data, index }
    }
}

impl From<CharNgramVectorizer> for VectorizerData {
    fn from(v: CharNgramVectorizer) -> Self {
        v.data
    }
}

/// Lower case, every run of whitespace collapsed to one space (scikit-learn's char
/// analyzer), as characters.
fn normalize(text: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(text.len());
    let mut in_space = false;
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_whitespace() {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
    out
}

/// Calls `f` with every n-gram of `text`, n from `lo` to `hi`, in order.
fn for_each_gram(text: &str, lo: usize, hi: usize, mut f: impl FnMut(&str)) {
    let chars = normalize(text);
    let mut buf = String::new();
    for n in lo..=hi {
        if n > chars.len() {
            break;
        }
        for w in chars.windows(n) {
            buf.clear();
            buf.extend(w);
            f(&buf);
        }
    }
}

impl CharNgramVectorizer {
    /// Counts document frequencies over `texts` and keeps grams in at least `min_df` texts.
    pub(crate) fn fit<S: AsRef<str>>(
        texts: &[S],
        ngram_min: usize,
        ngram_max: usize,
        min_df: usize,
        sublinear_tf: bool,
    ) -> Self {
        let mut df: HashMap<String, usize> = HashMap::new();
        let mut seen: Vec<String> = Vec::new();
        for t in texts {
            seen.clear();
            for_each_gram(t.as_ref(), ngram_min, ngram_max, |g| seen.push(g.to_owned()));
            seen.sort_unstable();
            seen.dedup();
            for g in seen.drain(..) {
                *df.entry(g).or_default() += 1;
            }
        }
        let mut kept: Vec<(String, usize)> = df.into_iter().filter(|&(_, d)| d >= min_df).collect();
        kept.sort_unstable();
        let n = texts.len() as f64;
        let idf = kept
            .iter()
            .map(|&(_, d)| ((1.0 + n) / (1.0 + d as f64)).ln() + 1.0)
            .collect();
        let terms = kept.into_iter().map(|(t, _)| t).collect();
        VectorizerData {
            ngram_min,
            ngram_max,
            sublinear_tf,
            terms,
            idf,
        }
        .into()
    }

    /// Number of features (columns).
    pub(crate) fn n_features(&self) -> usize {
        self.data.terms.len()
    }

    /// The TF-IDF row of `text`, L2-normalised (all zeros when no gram is known).
    pub(crate) fn transform(&self, text: &str) -> SparseRow {
        let mut counts: HashMap<u32, f64> = HashMap::new();
        for_each_gram(text, self.data.ngram_min, self.data.ngram_max, |g| {
            if let Some(&i) = self.index.get(g) {
                *counts.entry(i).or_default() += 1.0;
            }
        });
        let mut row: SparseRow = counts
            .into_iter()
            .map(|(i, tf)| {
                let tf = if self.data.sublinear_tf { 1.0 + tf.ln() } else { tf };
                (i, tf * self.data.idf[i as usize])
            })
            .collect();
        row.sort_unstable_by_key(|&(i, _)| i);
        let norm = row.iter().map(|&(_, v)| v * v).sum::<f64>().sqrt();
        if norm > 0.0 {
            for (_, v) in &mut row {
                *v /= norm;
            }
        }
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grams_min_df_and_idf_like_sklearn() {
        // sklearn: TfidfVectorizer(analyzer="char", ngram_range=(1, 2), min_df=2,
        // sublinear_tf=True).fit(["好吃好吃", "不好吃", "Bad  food"])
        let v = CharNgramVectorizer::fit(&["好吃好吃", "不好吃", "Bad  food"], 1, 2, 2, true);
        assert_eq!(v.data.terms, ["吃", "好", "好吃"]);
        let idf = (4.0f64 / 3.0).ln() + 1.0;
        assert!(v.data.idf.iter().all(|&x| (x - idf).abs() < 1e-12));
        let row = v.transform("好吃好吃");
        // tf: 吃 2, 好 2, 好吃 2 → equal weights 1/√3 after normalisation.
        assert_eq!(row.len(), 3);
        assert!(row.iter().all(|&(_, x)| (x - 1.0 / 3f64.sqrt()).abs() < 1e-12));
        assert!(v.transform("xyz").is_empty());
    }

    #[test]
    fn whitespace_and_case() {
        assert_eq!(normalize("A \t b"), ['a', ' ', 'b']);
        let mut grams = Vec::new();
        for_each_gram("ab", 1, 3, |g| grams.push(g.to_owned()));
        assert_eq!(grams, ["a", "b", "ab"]);
    }

    #[test]
    fn serde_rebuilds_index() {
        let v = CharNgramVectorizer::fit(&["好吃", "好吃"], 1, 2, 1, true);
        let json = serde_json::to_string(&v).expect("serialize");
        let back: CharNgramVectorizer = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back.transform("好吃"), v.transform("好吃"));
    }
}
