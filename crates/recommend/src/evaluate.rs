//! Top-N evaluation with a global time split.
//!
//! Protocol ([`TimeSplit`]): everything strictly before `split_time` trains;
//! a user's *test set* is the distinct items they purchased at or after
//! `split_time` that they had not purchased before it (new purchases only:
//! re-buying is not discovery, and the models exclude owned items anyway).
//! Evaluated users have at least one test item and at least one training
//! interaction of any kind (pure cold-start users measure the fallback, not
//! the model). Each model recommends `k` items with owned items excluded;
//! precision@k, recall@k and NDCG@k (see [`crate::metrics`]) are averaged
//! over users.

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use crate::error::{RecommendError, Result};
use crate::interactions::{InteractionKind, Interactions};
use crate::itemknn::ItemKnn;
use crate::matrix::par_chunks;
use crate::metrics::{ndcg_at_k, precision_at_k, recall_at_k};
use crate::popularity::Popularity;
use crate::recommender::{Fit, Recommender};

/// A train/test split of an interaction log at one instant.
#[derive(Clone, Debug)]
pub struct TimeSplit {
    /// First instant of the test period (unix seconds).
    pub split_time: i64,
    /// Rows before `split_time` (vocabularies shared with the full log).
    pub train: Interactions,
    /// (user id, sorted distinct new-purchase item ids), by user id.
    pub test: Vec<(u32, Vec<u32>)>,
}

impl TimeSplit {
    /// Split `data` at `split_time` (see the module docs for the rules).
    pub fn new(data: &Interactions, split_time: i64) -> Result<Self> {
        let train = data.before(split_time);
        let n_users = data.n_users();
        let mut has_train = vec![false; n_users];
        let mut owned: Vec<Vec<u32>> = vec![Vec::new(); n_users];
        for r in train.rows() {
            has_train[r.user as usize] = true;
            if r.kind == InteractionKind::Purchase {
                owned[r.user as usize].push(r.item);
            }
        }
        let mut later: Vec<Vec<u32>> = vec![Vec::new(); n_users];
        for r in data.rows() {
            if r.time >= split_time && r.kind == InteractionKind::Purchase && has_train[r.user as usize] {
                later[r.user as usize].push(r.item);
            }
        }
        let mut test = Vec::new();
        for (u, mut items) in later.into_iter().enumerate() {
            if items.is_empty() {
                continue;
            }
            let before = &mut owned[u];
            before.sort_unstable();
            items.sort_unstable();
            items.dedup();
            items.retain(|i| before.binary_search(i).is_err());
            if !items.is_empty() {
                let u = u32::try_from(u).map_err(|_| RecommendError::TooManyKeys("user"))?;
                test.push((u, items));
            }
        }
        if train.is_empty() {
            return Err(RecommendError::NothingToEvaluate(format!(
                "no interaction before split time {split_time}"
            )));
        }
        if test.is_empty() {
            return Err(RecommendError::NothingToEvaluate(format!(
                "no user with a training interaction and a new purchase at or after {split_time}"
            )));
        }
        Ok(Self {
            split_time,
            train,
            test,
        })
    }
}

/// Averaged top-N metrics of one model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct TopNMetrics {
    /// Mean precision@k.
    pub precision: f64,
    /// Mean recall@k (hits / |test items|).
    pub recall: f64,
    /// Mean NDCG@k.
    pub ndcg: f64,
    /// Users averaged over.
    pub users: usize,
}

/// Model vs popularity on one time split.
///
/// Serializes with the cut-off in the key names, e.g. for k = 10:
/// `{"precision_at_10", "recall_at_10", "ndcg_at_10", "users",
/// "popularity": {"precision_at_10", "recall_at_10", "ndcg_at_10"}}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TopNReport {
    /// Cut-off.
    pub k: usize,
    /// The evaluated model.
    pub model: TopNMetrics,
    /// The popularity baseline on the same users.
    pub popularity: TopNMetrics,
}

struct ThreeMetrics<'a>(&'a TopNMetrics, usize);

impl Serialize for ThreeMetrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let k = self.1;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry(&format!("precision_at_{k}"), &self.0.precision)?;
        map.serialize_entry(&format!("recall_at_{k}"), &self.0.recall)?;
        map.serialize_entry(&format!("ndcg_at_{k}"), &self.0.ndcg)?;
        map.end()
    }
}

impl Serialize for TopNReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let k = self.k;
        let mut map = s.serialize_map(Some(5))?;
        map.serialize_entry(&format!("precision_at_{k}"), &self.model.precision)?;
        map.serialize_entry(&format!("recall_at_{k}"), &self.model.recall)?;
        map.serialize_entry(&format!("ndcg_at_{k}"), &self.model.ndcg)?;
        map.serialize_entry("users", &self.model.users)?;
        map.serialize_entry("popularity", &ThreeMetrics(&self.popularity, k))?;
        map.end()
    }
}

/// Average precision/recall/NDCG@k of `model` over `test` (on all cores).
pub fn evaluate_recommender<R: Recommender + Sync>(model: &R, test: &[(u32, Vec<u32>)], k: usize) -> TopNMetrics {
    let per_user: Vec<(f64, f64, f64)> = par_chunks(test.len(), 512, |range| {
        range
            .map(|t| {
                let (user, relevant) = &test[t];
                let ranked: Vec<u32> = model
                    .recommend_ids(Some(*user), k, true)
                    .into_iter()
                    .map(|r| r.0)
                    .collect();
                (
                    precision_at_k(&ranked, relevant, k),
                    recall_at_k(&ranked, relevant, k),
                    ndcg_at_k(&ranked, relevant, k),
                )
            })
            .collect()
    });
    let users = per_user.len();
    let mean = |f: fn(&(f64, f64, f64)) -> f64| {
        if users == 0 {
            0.0
        } else {
            per_user.iter().map(f).sum::<f64>() / users as f64
        }
    };
    TopNMetrics {
        precision: mean(|m| m.0),
        recall: mean(|m| m.1),
        ndcg: mean(|m| m.2),
        users,
    }
}

/// Default [`ItemKnn`] vs default [`Popularity`] on a split at `split_time`.
pub fn evaluate_time_split(data: &Interactions, split_time: i64, k: usize) -> Result<TopNReport> {
    evaluate_time_split_with(data, split_time, k, &ItemKnn::default(), &Popularity::default())
}

/// Any model vs any baseline on a split at `split_time`.
pub fn evaluate_time_split_with<M, B>(
    data: &Interactions,
    split_time: i64,
    k: usize,
    model: &M,
    baseline: &B,
) -> Result<TopNReport>
where
    M: Fit,
    M::Model: Sync,
    B: Fit,
    B::Model: Sync,
{
    let split = TimeSplit::new(data, split_time)?;
    let fitted = model.fit(&split.train)?;
    let base = baseline.fit(&split.train)?;
    Ok(TopNReport {
        k,
        model: evaluate_recommender(&fitted, &split.test, k),
        popularity: evaluate_recommender(&base, &split.test, k),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionKind::{Purchase, View};

    fn log() -> Interactions {
        let mut log = Interactions::new();
        for (u, i, k, t) in [
            ("u1", "a", Purchase, 10),
            ("u1", "b", Purchase, 99),
            ("u1", "a", Purchase, 100), // re-purchase: not a test item
            ("u1", "c", Purchase, 100), // split boundary belongs to test
            ("u1", "c", View, 150),
            ("u2", "a", View, 50),
            ("u2", "b", Purchase, 200),
            ("u3", "c", Purchase, 120), // no training row: not evaluated
            ("u4", "a", Purchase, 20),  // no test purchase: not evaluated
            ("u4", "b", View, 120),
        ] {
            log.push(u, i, k, t).expect("push");
        }
        log
    }

    #[test]
    fn split_boundaries_and_new_purchases_only() {
        let data = log();
        let split = TimeSplit::new(&data, 100).expect("split");
        assert_eq!(split.train.len(), 4);
        assert!(split.train.rows().iter().all(|r| r.time < 100));
        let id = |k: &str| data.items().id(k).expect("item");
        let user = |k: &str| data.users().id(k).expect("user");
        assert_eq!(
            split.test,
            vec![(user("u1"), vec![id("c")]), (user("u2"), vec![id("b")])]
        );
        assert!(matches!(
            TimeSplit::new(&data, 1000),
            Err(RecommendError::NothingToEvaluate(_))
        ));
        assert!(matches!(
            TimeSplit::new(&data, 0),
            Err(RecommendError::NothingToEvaluate(_))
        ));
    }

    #[test]
    fn report_serializes_with_cutoff_names() {
        let report = TopNReport {
            k: 10,
            model: TopNMetrics {
                precision: 0.1,
                recall: 0.2,
                ndcg: 0.3,
                users: 7,
            },
            popularity: TopNMetrics {
                precision: 0.01,
                recall: 0.02,
                ndcg: 0.03,
                users: 7,
            },
        };
        let json = serde_json::to_value(report).expect("json");
        assert_eq!(
            json,
            serde_json::json!({
                "precision_at_10": 0.1, "recall_at_10": 0.2, "ndcg_at_10": 0.3, "users": 7,
                "popularity": {"precision_at_10": 0.01, "recall_at_10": 0.02, "ndcg_at_10": 0.03}
            })
        );
    }

    #[test]
    fn end_to_end_on_a_tiny_log() {
        let report = evaluate_time_split(&log(), 100, 2).expect("evaluate");
        assert_eq!(report.model.users, 2);
        assert_eq!(report.popularity.users, 2);
        // u2 viewed a, which co-occurs with b (u1): b is found. u1 owns a and
        // b, and c was never seen in training, so u1 gets nothing.
        assert!((report.model.recall - 0.5).abs() < 1e-12, "{report:?}");
        assert!((report.model.precision - 0.25).abs() < 1e-12, "{report:?}");
        assert!((report.popularity.recall - 0.5).abs() < 1e-12, "{report:?}");
    }
}
