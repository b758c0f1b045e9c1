//! Item-item nearest-neighbour recommender on implicit feedback.
//!
//! Fit: aggregate the log into a sparse user×item weight matrix `W`
//! (`w(u,i) = Σ weight(kind)`), then for every item `i` compute
//!
//! ```text
//! sim(i, j) = Σ_u w(u,i)·w(u,j) / (‖W·i‖ · ‖W·j‖ + shrinkage)
//! ```
//!
//! (cosine with a shrinkage term that damps similarities supported by few
//! users) and keep the `neighbours` most similar items per item.
//!
//! Predict: `score(u, j) = Σ_{i ∈ history(u)} p(u,i) · sim(i, j)` over the
//! pruned neighbour lists, where the profile weight `p(u,i)` is `w(u,i)`,
//! optionally decayed by age. Every score decomposes into per-item
//! contributions, which is what [`ItemKnnModel::because`] reports.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{RecommendError, Result, invalid};
use crate::interactions::{Interactions, KindWeights, Vocabulary};
use crate::matrix::{Csr, Decay, UserItems, par_chunks};
use crate::popularity::bestsellers;
use crate::recommender::{Fit, Recommender, Scores, top_n};

/// Hyper-parameters of [`ItemKnn`] (unchecked; see [`ItemKnnParams::check`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ItemKnnParams {
    /// Neighbours kept per item (≥ 1).
    pub neighbours: usize,
    /// Shrinkage added to the cosine denominator (≥ 0).
    pub shrinkage: f32,
    /// Asymmetric-cosine exponent in `[0, 1]`: the denominator is
    /// `‖i‖^(2α) · ‖j‖^(2(1−α))` for source `i` and candidate `j`. 0.5 is
    /// the (symmetric) cosine; larger values favour popular candidates
    /// (α = 1 is the conditional co-occurrence `dot / ‖i‖²`).
    pub alpha: f32,
    /// Weight of each interaction kind.
    pub weights: KindWeights,
    /// Half-life of the user-profile decay in days; `None` = no decay.
    /// Similarities are always computed from undecayed weights.
    pub half_life_days: Option<f64>,
    /// Weight of the user's own (not purchased) history items in their
    /// score: items viewed or carted but not bought are strong candidates.
    pub history_weight: f32,
    /// Fill lists shorter than `n` with bestsellers (score 0).
    pub fill_with_popular: bool,
}

impl Default for ItemKnnParams {
    fn default() -> Self {
        Self {
            neighbours: 200,
            shrinkage: 10.0,
            alpha: 0.65,
            weights: KindWeights::default(),
            half_life_days: None,
            history_weight: 0.0,
            fill_with_popular: true,
        }
    }
}

impl ItemKnnParams {
    /// Validate into fit-ready [`ItemKnn`].
    pub fn check(self) -> Result<ItemKnn> {
        if self.neighbours == 0 {
            return Err(invalid("neighbours", "must be at least 1"));
        }
        if !self.shrinkage.is_finite() || self.shrinkage < 0.0 {
            return Err(invalid(
                "shrinkage",
                format!("must be finite and >= 0, got {}", self.shrinkage),
            ));
        }
        if !(0.0..=1.0).contains(&self.alpha) {
            return Err(invalid("alpha", format!("must be in [0, 1], got {}", self.alpha)));
        }
        if let Some(h) = self.half_life_days
            && (!h.is_finite() || h <= 0.0)
        {
            return Err(invalid("half_life_days", format!("must be finite and > 0, got {h}")));
        }
        if !self.history_weight.is_finite() || self.history_weight < 0.0 {
            return Err(invalid(
                "history_weight",
                format!("must be finite and >= 0, got {}", self.history_weight),
            ));
        }
        self.weights.validate()?;
        Ok(ItemKnn { params: self })
    }
}

/// Checked item-kNN hyper-parameters; [`Fit`] produces an [`ItemKnnModel`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ItemKnn {
    params: ItemKnnParams,
}

impl ItemKnn {
    /// Check `params`.
    pub fn new(params: ItemKnnParams) -> Result<Self> {
        params.check()
    }

    /// The checked parameters.
    pub fn params(&self) -> &ItemKnnParams {
        &self.params
    }
}

impl TryFrom<ItemKnnParams> for ItemKnn {
    type Error = RecommendError;
    fn try_from(params: ItemKnnParams) -> Result<Self> {
        params.check()
    }
}

impl Fit for ItemKnn {
    type Model = ItemKnnModel;

    fn fit(&self, data: &Interactions) -> Result<ItemKnnModel> {
        let p = &self.params;
        let matrix = UserItems::build(data, &p.weights, None);
        if matrix.csr.vals.iter().all(|&w| w <= 0.0) {
            return Err(RecommendError::EmptyTrainingData(
                "no interaction with a positive weight".into(),
            ));
        }
        let n_items = data.n_items();
        let by_item = matrix.csr.transpose(n_items);
        let neighbours = item_neighbours(&matrix.csr, &by_item, p.neighbours, p.shrinkage, p.alpha);
        let profile = match (p.half_life_days, data.time_range()) {
            (Some(days), Some((_, max))) => UserItems::build(
                data,
                &p.weights,
                Some(Decay {
                    half_life_secs: days * 86_400.0,
                    reference: max,
                }),
            ),
            _ => matrix,
        };
        Ok(ItemKnnModel {
            users: data.users_arc(),
            items: data.items_arc(),
            popular: bestsellers(data, 1000),
            profile,
            neighbours,
            history_weight: p.history_weight,
            fill_with_popular: p.fill_with_popular,
        })
    }
}

/// Top-`k` neighbour lists (sorted best first) for every item.
fn item_neighbours(by_user: &Csr, by_item: &Csr, k: usize, shrinkage: f32, alpha: f32) -> Csr {
    let n_items = by_item.n_rows();
    let squared: Vec<f32> = (0..n_items)
        .map(|i| by_item.row(i).1.iter().map(|w| w * w).sum::<f32>())
        .collect();
    let source: Vec<f32> = squared.iter().map(|s| s.powf(alpha)).collect();
    let target: Vec<f32> = squared.iter().map(|s| s.powf(1.0 - alpha)).collect();
    let rows: Vec<Vec<(u32, f32)>> = par_chunks(n_items, 16, |range| {
        let mut acc = vec![0f32; n_items];
        let mut touched: Vec<u32> = Vec::new();
        range
            .map(|i| {
                let (users, wu) = by_item.row(i);
                for (&u, &wi) in users.iter().zip(wu) {
                    let (items, wj) = by_user.row(u as usize);
                    for (&j, &w) in items.iter().zip(wj) {
                        let slot = &mut acc[j as usize];
                        if *slot == 0.0 {
                            touched.push(j);
                        }
                        *slot += wi * w;
                    }
                }
                let mut cands = Vec::with_capacity(touched.len());
                for &j in &touched {
                    let dot = std::mem::take(&mut acc[j as usize]);
                    if j as usize != i && dot > 0.0 {
                        let s = dot / (source[i] * target[j as usize] + shrinkage);
                        cands.push((j, s));
                    }
                }
                touched.clear();
                top_n(cands, k)
            })
            .collect()
    });
    let mut csr = Csr {
        ptr: Vec::with_capacity(n_items + 1),
        ..Csr::default()
    };
    csr.ptr.push(0);
    for row in rows {
        for (j, s) in row {
            csr.cols.push(j);
            csr.vals.push(s);
        }
        csr.ptr.push(csr.cols.len());
    }
    csr
}

/// A fitted item-kNN model.
#[derive(Clone, Debug)]
pub struct ItemKnnModel {
    users: Arc<Vocabulary>,
    items: Arc<Vocabulary>,
    profile: UserItems,
    neighbours: Csr,
    popular: Vec<u32>,
    history_weight: f32,
    fill_with_popular: bool,
}

impl ItemKnnModel {
    /// Stored similarity of two item keys (`None` if `b` is not among `a`'s
    /// kept neighbours).
    pub fn similarity(&self, a: &str, b: &str) -> Option<f32> {
        let a = self.items.id(a)?;
        let b = self.items.id(b)?;
        let (cols, vals) = self.neighbours.row(a as usize);
        cols.iter().position(|&c| c == b).map(|k| vals[k])
    }

    /// Why `item` is recommended to `user`: the user's history items that
    /// contribute to its score, with their contribution, largest first
    /// ("because you bought X").
    pub fn because(&self, user: &str, item: &str, n: usize) -> Vec<(&str, f32)> {
        let (Some(u), Some(target)) = (self.users.id(user), self.items.id(item)) else {
            return Vec::new();
        };
        let (hist, weights) = self.profile.csr.row(u as usize);
        let mut out = Vec::new();
        for (&i, &w) in hist.iter().zip(weights) {
            let (cols, vals) = self.neighbours.row(i as usize);
            if let Some(k) = cols.iter().position(|&c| c == target) {
                out.push((i, w * vals[k]));
            }
        }
        top_n(out, n)
            .into_iter()
            .filter_map(|(i, s)| self.items.key(i).map(|k| (k, s)))
            .collect()
    }

    /// Total number of stored neighbour entries.
    pub fn n_similarities(&self) -> usize {
        self.neighbours.cols.len()
    }
}

impl Recommender for ItemKnnModel {
    fn users(&self) -> &Vocabulary {
        &self.users
    }

    fn items(&self) -> &Vocabulary {
        &self.items
    }

    fn recommend_ids(&self, user: Option<u32>, n: usize, exclude_owned: bool) -> Vec<(u32, f32)> {
        let mut scores = Scores::new(self.items.len());
        if let Some(u) = user {
            let u = u as usize;
            if exclude_owned {
                for i in self.profile.purchased_items(u) {
                    scores.exclude(i);
                }
            }
            let (hist, weights) = self.profile.csr.row(u);
            for (&i, &w) in hist.iter().zip(weights) {
                if self.history_weight > 0.0 {
                    scores.add(i, self.history_weight * w);
                }
                let (cols, sims) = self.neighbours.row(i as usize);
                for (&j, &s) in cols.iter().zip(sims) {
                    scores.add(j, w * s);
                }
            }
        }
        let fill: &[u32] = if self.fill_with_popular || user.is_none() {
            &self.popular
        } else {
            &[]
        };
        scores.take_top(n, fill)
    }

    fn similar_item_ids(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        let (cols, vals) = self.neighbours.row(item as usize);
        cols.iter().copied().zip(vals.iter().copied()).take(n).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionKind::{Cart, Purchase, View};

    /// u1 bought a, b; u2 bought a, b, c; u3 bought c and viewed d.
    fn toy() -> Interactions {
        let mut log = Interactions::new();
        for (u, i, k) in [
            ("u1", "a", Purchase),
            ("u1", "b", Purchase),
            ("u2", "a", Purchase),
            ("u2", "b", Purchase),
            ("u2", "c", Purchase),
            ("u3", "c", Purchase),
            ("u3", "d", View),
            ("u4", "a", Cart),
        ] {
            log.push(u, i, k, 0).expect("push");
        }
        log
    }

    fn no_shrink() -> ItemKnn {
        ItemKnnParams {
            shrinkage: 0.0,
            alpha: 0.5,
            weights: KindWeights {
                purchase: 1.0,
                cart: 1.0,
                view: 1.0,
            },
            ..ItemKnnParams::default()
        }
        .check()
        .expect("valid params")
    }

    #[test]
    fn cosine_by_hand_and_symmetric() {
        let model = no_shrink().fit(&toy()).expect("fit");
        // a: u1, u2, u4 ; b: u1, u2 -> 2 / (sqrt 3 · sqrt 2)
        let ab = model.similarity("a", "b").expect("a~b");
        assert!((ab - 2.0 / (3f32.sqrt() * 2f32.sqrt())).abs() < 1e-6);
        for x in ["a", "b", "c", "d"] {
            for y in ["a", "b", "c", "d"] {
                assert_eq!(model.similarity(x, y), model.similarity(y, x), "{x} {y}");
            }
        }
        assert_eq!(model.similarity("a", "d"), None, "never co-occur");
        assert_eq!(model.similarity("a", "a"), None, "no self-similarity");
    }

    #[test]
    fn asymmetric_cosine_favours_popular_candidates() {
        let params = ItemKnnParams {
            alpha: 1.0,
            ..no_shrink().params().clone()
        };
        let model = params.check().expect("valid").fit(&toy()).expect("fit");
        // alpha = 1: dot / ‖source‖²; a has 3 users, b has 2, dot = 2
        let ab = model.similarity("a", "b").expect("a->b");
        let ba = model.similarity("b", "a").expect("b->a");
        assert!((ab - 2.0 / 3.0).abs() < 1e-6);
        assert!((ba - 1.0).abs() < 1e-6);
    }

    #[test]
    fn excludes_owned_items_only_when_asked() {
        let model = no_shrink().fit(&toy()).expect("fit");
        let recs = model.recommend("u1", 10, true);
        let keys: Vec<&str> = recs.iter().map(|r| r.0).collect();
        assert!(!keys.contains(&"a") && !keys.contains(&"b"), "{keys:?}");
        assert_eq!(keys.first(), Some(&"c"), "c co-occurs with a and b");
        let with_owned = model.recommend("u1", 10, false);
        assert!(with_owned.iter().any(|r| r.0 == "a"));
        // u4 only carted a: a is not owned, b and c are recommended
        let u4 = model.recommend("u4", 2, true);
        assert_eq!(u4.iter().map(|r| r.0).collect::<Vec<_>>(), vec!["b", "c"]);
    }

    #[test]
    fn because_explains_the_score() {
        let model = no_shrink().fit(&toy()).expect("fit");
        let why = model.because("u1", "c", 5);
        let keys: Vec<&str> = why.iter().map(|w| w.0).collect();
        assert_eq!(keys.len(), 2);
        assert!(keys.contains(&"a") && keys.contains(&"b"));
        let total: f32 = why.iter().map(|w| w.1).sum();
        let score = model.recommend("u1", 1, true).first().map(|r| r.1).expect("one rec");
        assert!((total - score).abs() < 1e-6);
    }

    #[test]
    fn cold_start_and_fill_use_bestsellers() {
        let model = no_shrink().fit(&toy()).expect("fit");
        let cold = model.recommend("nobody", 2, true);
        // purchases: a 2, b 2, c 2 -> ties broken by id (a, b)
        assert_eq!(cold.iter().map(|r| r.0).collect::<Vec<_>>(), vec!["a", "b"]);
        let all = model.recommend_all(3);
        assert_eq!(all.len(), 4);
        assert_eq!(all[0].0, "u1");
        assert!(all.iter().all(|(_, recs)| recs.len() <= 3));
    }

    #[test]
    fn neighbours_are_pruned_and_similar_items_sorted() {
        let params = ItemKnnParams {
            neighbours: 1,
            ..ItemKnnParams::default()
        };
        let model = params.check().expect("valid").fit(&toy()).expect("fit");
        assert_eq!(model.n_similarities(), 4);
        let model = no_shrink().fit(&toy()).expect("fit");
        let sim = model.similar_items("c", 10);
        assert!(sim.windows(2).all(|w| w[0].1 >= w[1].1));
        assert!(sim.iter().all(|s| s.0 != "c"));
    }

    #[test]
    fn params_are_validated() {
        let bad = [
            ItemKnnParams {
                neighbours: 0,
                ..ItemKnnParams::default()
            },
            ItemKnnParams {
                shrinkage: -1.0,
                ..ItemKnnParams::default()
            },
            ItemKnnParams {
                half_life_days: Some(0.0),
                ..ItemKnnParams::default()
            },
            ItemKnnParams {
                history_weight: f32::INFINITY,
                ..ItemKnnParams::default()
            },
            ItemKnnParams {
                alpha: 1.5,
                ..ItemKnnParams::default()
            },
        ];
        for p in bad {
            assert!(matches!(p.check(), Err(RecommendError::InvalidParameter { .. })));
        }
        assert!(matches!(
            ItemKnn::default().fit(&Interactions::new()),
            Err(RecommendError::EmptyTrainingData(_))
        ));
    }
}
