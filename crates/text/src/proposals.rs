//! New topics proposed from texts the taxonomy did not match: TF-IDF word vectors grouped by
//! spherical k-means (cosine similarity), each group named by its top keywords and shown
//! with the texts closest to its centre.
//!
//! The output is for a person to read and, if it makes sense, to turn into a `[[topic]]`
//! of the taxonomy; it is never used to label texts by itself. Hence the choices: a fixed
//! `k` and a minimum group size rather than a model-selection criterion (an analyst would
//! rather skim eight candidate groups than trust a silhouette score), words from jieba
//! rather than characters (a topic name must be words), and a seed so that the same texts
//! give the same proposals.
//!
//! Words group texts that share words. Paraphrases that share none ("my parcel never came",
//! "still waiting for the delivery") fall apart; with the `embeddings` feature,
//! `propose_topics_by_meaning` (`embed.rs`) groups English texts by sentence embeddings
//! instead and names the groups with the same TF-IDF words ([`tfidf_vectors`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::rng::SplitMix64;
use crate::tfidf::TfIdf;
use crate::tokenizer::Tokenizer;

/// Settings of [`propose_topics`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposalParams {
    /// Number of groups sought (≥ 1; fewer when there are fewer distinct texts).
    pub k: usize,
    /// Groups with fewer texts are dropped (≥ 1).
    pub min_size: usize,
    /// A word is a feature when at least this many texts contain it (≥ 1).
    pub min_df: usize,
    /// Keywords kept per group; the first three make the name.
    pub n_keywords: usize,
    /// Example texts kept per group.
    pub n_examples: usize,
    /// Maximum k-means iterations (≥ 1).
    pub max_iter: usize,
    /// Seed of the k-means++ initialisation.
    pub seed: u64,
}

impl Default for ProposalParams {
    fn default() -> Self {
        ProposalParams {
            k: 8,
            min_size: 3,
            min_df: 2,
            n_keywords: 5,
            n_examples: 3,
            max_iter: 50,
            seed: 42,
        }
    }
}

impl ProposalParams {
    /// Checks every field's range.
    pub fn validate(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::param("k", self.k, "at least 1"));
        }
        if self.min_size == 0 {
            return Err(Error::param("min_size", self.min_size, "at least 1"));
        }
        if self.min_df == 0 {
            return Err(Error::param("min_df", self.min_df, "at least 1"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", self.max_iter, "at least 1"));
        }
        Ok(())
    }
}

/// One proposed topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedTopic {
    /// A name made of the top keywords, joined by "/".
    pub name: String,
    /// The group's characteristic words (largest weight in its centre), best first.
    pub keywords: Vec<String>,
    /// Number of texts in the group.
    pub size: usize,
    /// Mean cosine similarity of the group's texts to its centre (0–1; higher = tighter).
    pub cohesion: f64,
    /// Indices (into the input) of the texts in the group, closest to the centre first.
    pub members: Vec<usize>,
    /// The texts closest to the centre.
    pub examples: Vec<String>,
}

pub(crate) type Vector = Vec<(usize, f64)>;

/// The words of `texts` (jieba or the English splitter, stopwords removed, one-character
/// Chinese words dropped), the vocabulary of words in at least `min_df` texts (sorted), and
/// the L2-normalised TF-IDF vector over that vocabulary of every text that keeps a word, as
/// `(text index, sparse vector sorted by word index)`. Shared with the embedding grouping,
/// which names its groups with the same words.
pub(crate) fn tfidf_vectors<S: AsRef<str>>(
    texts: &[S],
    tokenizer: &Tokenizer,
    min_df: usize,
) -> (Vec<String>, Vec<(usize, Vector)>) {
    let docs: Vec<Vec<String>> = texts
        .iter()
        .map(|t| {
            tokenizer
                .tokenize(t.as_ref())
                .into_iter()
                .filter(|w| w.chars().count() >= 2 || w.chars().all(|c| c.is_ascii_alphanumeric()))
                .collect()
        })
        .collect();
    let tfidf = TfIdf::fit(&docs);
    let mut vocab: Vec<String> = docs
        .iter()
        .flatten()
        .filter(|w| tfidf.document_frequency(w) >= min_df)
        .cloned()
        .collect();
    vocab.sort_unstable();
    vocab.dedup();
    let index: std::collections::HashMap<&str, usize> =
        vocab.iter().enumerate().map(|(i, w)| (w.as_str(), i)).collect();
    let mut rows: Vec<(usize, Vector)> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        let mut v: Vector = tfidf
            .weights(doc)
            .into_iter()
            .filter_map(|kw| index.get(kw.term.as_str()).map(|&i| (i, kw.score)))
            .collect();
        let norm = v.iter().map(|&(_, x)| x * x).sum::<f64>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|(_, x)| *x /= norm);
            v.sort_unstable_by_key(|&(i, _)| i);
            rows.push((d, v));
        }
    }
    (vocab, rows)
}

fn cosine(v: &Vector, centre: &[f64]) -> f64 {
    v.iter().map(|&(i, x)| x * centre[i]).sum()
}

/// Groups `texts` into candidate topics, largest group first. Texts with no word kept
/// (empty, or only rare words) are in no group.
pub fn propose_topics<S: AsRef<str>>(
    texts: &[S],
    tokenizer: &Tokenizer,
    params: &ProposalParams,
) -> Result<Vec<ProposedTopic>> {
    params.validate()?;
    let (vocab, rows) = tfidf_vectors(texts, tokenizer, params.min_df);
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let k = params.k.min(rows.len());
    let dim = vocab.len();
    let centres = kmeans_pp(&rows, k, dim, params.seed);
    let (centres, assign) = lloyd(&rows, centres, dim, params.max_iter);
    let mut out = Vec::new();
    for (c, centre) in centres.iter().enumerate() {
        let mut members: Vec<(usize, f64)> = rows
            .iter()
            .zip(&assign)
            .filter(|&(_, &a)| a == c)
            .map(|((d, v), _)| (*d, cosine(v, centre)))
            .collect();
        if members.len() < params.min_size {
            continue;
        }
        members.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut top: Vec<(usize, f64)> = centre.iter().copied().enumerate().filter(|&(_, x)| x > 0.0).collect();
        top.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let keywords: Vec<String> = top
            .iter()
            .take(params.n_keywords)
            .map(|&(i, _)| vocab[i].clone())
            .collect();
        let name = keywords.iter().take(3).cloned().collect::<Vec<_>>().join("/");
        let cohesion = members.iter().map(|m| m.1).sum::<f64>() / members.len() as f64;
        let examples = members
            .iter()
            .take(params.n_examples)
            .map(|&(d, _)| texts[d].as_ref().to_owned())
            .collect();
        out.push(ProposedTopic {
            name,
            keywords,
            size: members.len(),
            cohesion,
            members: members.into_iter().map(|m| m.0).collect(),
            examples,
        });
    }
    out.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.name.cmp(&b.name)));
    Ok(out)
}

fn dense(v: &Vector, dim: usize) -> Vec<f64> {
    let mut c = vec![0.0; dim];
    for &(i, x) in v {
        c[i] = x;
    }
    c
}

/// k-means++ seeding with the cosine distance `1 − cos`.
fn kmeans_pp(rows: &[(usize, Vector)], k: usize, dim: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = SplitMix64::new(seed);
    let mut centres = vec![dense(&rows[rng.below(rows.len())].1, dim)];
    let mut dist: Vec<f64> = rows
        .iter()
        .map(|(_, v)| (1.0 - cosine(v, &centres[0])).max(0.0))
        .collect();
    while centres.len() < k {
        let total: f64 = dist.iter().sum();
        let pick = if total <= 0.0 {
            rng.below(rows.len())
        } else {
            let mut r = rng.next_f64() * total;
            let mut pick = rows.len() - 1;
            for (i, &d) in dist.iter().enumerate() {
                if r < d {
                    pick = i;
                    break;
                }
                r -= d;
            }
            pick
        };
        let c = dense(&rows[pick].1, dim);
        for (d, (_, v)) in dist.iter_mut().zip(rows) {
            *d = d.min((1.0 - cosine(v, &c)).max(0.0));
        }
        centres.push(c);
    }
    centres
}

/// Lloyd iterations of spherical k-means: assign by largest cosine, centre = normalised
/// mean. An emptied centre keeps its previous position.
fn lloyd(
    rows: &[(usize, Vector)],
    mut centres: Vec<Vec<f64>>,
    dim: usize,
    max_iter: usize,
) -> (Vec<Vec<f64>>, Vec<usize>) {
    let mut assign = vec![usize::MAX; rows.len()];
    for _ in 0..max_iter {
        let mut changed = false;
        for (a, (_, v)) in assign.iter_mut().zip(rows) {
            let best = centres
                .iter()
                .enumerate()
                .fold((0, f64::NEG_INFINITY), |b, (c, centre)| {
                    let s = cosine(v, centre);
                    if s > b.1 { (c, s) } else { b }
                })
                .0;
            if *a != best {
                *a = best;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        let mut sums = vec![vec![0.0; dim]; centres.len()];
        for (&a, (_, v)) in assign.iter().zip(rows) {
            for &(i, x) in v {
                sums[a][i] += x;
            }
        }
        for (centre, sum) in centres.iter_mut().zip(sums) {
            let norm = sum.iter().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                *centre = sum.into_iter().map(|x| x / norm).collect();
            }
        }
    }
    (centres, assign)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_two_obvious_themes() {
        let mut texts = Vec::new();
        for i in 0..6 {
            texts.push(format!("小程序闪退，打不开页面{i}"));
            texts.push(format!("直播间主播讲解很好，直播推荐{i}"));
        }
        let t = Tokenizer::new();
        let p = ProposalParams {
            k: 2,
            min_size: 2,
            ..Default::default()
        };
        let topics = propose_topics(&texts, &t, &p).expect("valid");
        assert_eq!(topics.len(), 2, "{topics:?}");
        for topic in &topics {
            assert_eq!(topic.size, 6);
            let parity = topic.members[0] % 2;
            assert!(topic.members.iter().all(|m| m % 2 == parity), "{topic:?}");
            assert_eq!(topic.examples.len(), 3);
            assert!(topic.cohesion > 0.5);
        }
        let names: Vec<&str> = topics.iter().map(|t| t.name.as_str()).collect();
        assert!(names.iter().any(|n| n.contains("直播")), "{names:?}");
        assert!(
            names.iter().any(|n| n.contains("闪退") || n.contains("小程序")),
            "{names:?}"
        );
        assert_eq!(topics, propose_topics(&texts, &t, &p).expect("valid"), "deterministic");
    }

    #[test]
    fn empty_and_invalid() {
        let t = Tokenizer::new();
        let none: Vec<String> = Vec::new();
        assert!(
            propose_topics(&none, &t, &ProposalParams::default())
                .expect("ok")
                .is_empty()
        );
        assert!(
            propose_topics(
                &["a"],
                &t,
                &ProposalParams {
                    k: 0,
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}
