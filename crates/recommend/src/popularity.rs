//! Popularity baseline: the same list for everyone, minus what they own.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::error::{RecommendError, Result, invalid};
use crate::interactions::{InteractionKind, Interactions, KindWeights, Vocabulary};
use crate::matrix::UserItems;
use crate::recommender::{Fit, Recommender};

/// Hyper-parameters of [`Popularity`] (unchecked; see [`PopularityParams::check`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PopularityParams {
    /// Weight of each kind when counting; default purchases only ("bestsellers").
    pub weights: KindWeights,
    /// Count only the last `window_days` before the latest interaction;
    /// `None` = the whole log.
    pub window_days: Option<f64>,
}

impl Default for PopularityParams {
    fn default() -> Self {
        Self {
            weights: KindWeights::PURCHASES_ONLY,
            window_days: None,
        }
    }
}

impl PopularityParams {
    /// Validate into fit-ready [`Popularity`].
    pub fn check(self) -> Result<Popularity> {
        self.weights.validate()?;
        if let Some(d) = self.window_days
            && (!d.is_finite() || d <= 0.0)
        {
            return Err(invalid("window_days", format!("must be finite and > 0, got {d}")));
        }
        Ok(Popularity { params: self })
    }
}

/// Checked popularity parameters; [`Fit`] produces a [`PopularityModel`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Popularity {
    params: PopularityParams,
}

impl Popularity {
    /// Check `params`.
    pub fn new(params: PopularityParams) -> Result<Self> {
        params.check()
    }

    /// The checked parameters.
    pub fn params(&self) -> &PopularityParams {
        &self.params
    }
}

impl Fit for Popularity {
    type Model = PopularityModel;

    fn fit(&self, data: &Interactions) -> Result<PopularityModel> {
        let p = &self.params;
        let since = match (p.window_days, data.time_range()) {
            (Some(days), Some((_, max))) => max - (days * 86_400.0) as i64,
            _ => i64::MIN,
        };
        let mut count = vec![0f32; data.n_items()];
        for r in data.rows() {
            if r.time >= since {
                count[r.item as usize] += p.weights.weight(r.kind);
            }
        }
        let mut ranked: Vec<(u32, f32)> = count
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0.0)
            .filter_map(|(i, &c)| Some((u32::try_from(i).ok()?, c)))
            .collect();
        if ranked.is_empty() {
            return Err(RecommendError::EmptyTrainingData(
                "no interaction with a positive weight".into(),
            ));
        }
        ranked.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok(PopularityModel {
            users: data.users_arc(),
            items: data.items_arc(),
            owned: UserItems::build(data, &KindWeights::PURCHASES_ONLY, None),
            ranked,
        })
    }
}

/// A fitted popularity model.
#[derive(Clone, Debug)]
pub struct PopularityModel {
    users: Arc<Vocabulary>,
    items: Arc<Vocabulary>,
    owned: UserItems,
    ranked: Vec<(u32, f32)>,
}

impl Recommender for PopularityModel {
    fn users(&self) -> &Vocabulary {
        &self.users
    }

    fn items(&self) -> &Vocabulary {
        &self.items
    }

    fn recommend_ids(&self, user: Option<u32>, n: usize, exclude_owned: bool) -> Vec<(u32, f32)> {
        let owned: &[u32] = match user {
            Some(u) if exclude_owned => self.owned.csr.row(u as usize).0,
            _ => &[],
        };
        self.ranked
            .iter()
            .filter(|(i, _)| owned.binary_search(i).is_err())
            .take(n)
            .copied()
            .collect()
    }

    /// Popularity knows no similarity: the most popular other items.
    fn similar_item_ids(&self, item: u32, n: usize) -> Vec<(u32, f32)> {
        self.ranked
            .iter()
            .filter(|(i, _)| *i != item)
            .take(n)
            .copied()
            .collect()
    }
}

/// Up to `n` item ids by purchase count, then by interaction count, then id.
pub(crate) fn bestsellers(data: &Interactions, n: usize) -> Vec<u32> {
    let mut count = vec![(0u32, 0u32); data.n_items()];
    for r in data.rows() {
        let c = &mut count[r.item as usize];
        if r.kind == InteractionKind::Purchase {
            c.0 += 1;
        }
        c.1 += 1;
    }
    let mut ids: Vec<u32> = (0..count.len())
        .filter(|&i| count[i].1 > 0)
        .filter_map(|i| u32::try_from(i).ok())
        .collect();
    ids.sort_unstable_by(|&a, &b| count[b as usize].cmp(&count[a as usize]).then(a.cmp(&b)));
    ids.truncate(n);
    ids
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interactions::InteractionKind::{Purchase, View};

    fn toy() -> Interactions {
        let mut log = Interactions::new();
        for (u, i, k, t) in [
            ("u1", "a", Purchase, 0),
            ("u2", "a", Purchase, 0),
            ("u3", "a", Purchase, 0),
            ("u1", "b", Purchase, 100),
            ("u2", "b", Purchase, 100),
            ("u3", "c", Purchase, 100),
            ("u3", "d", View, 100),
        ] {
            log.push(u, i, k, t).expect("push");
        }
        log
    }

    #[test]
    fn ranks_by_purchases_and_excludes_owned() {
        let model = Popularity::default().fit(&toy()).expect("fit");
        fn keys(v: Vec<(&str, f32)>) -> Vec<&str> {
            v.into_iter().map(|r| r.0).collect()
        }
        assert_eq!(keys(model.recommend("stranger", 3, true)), vec!["a", "b", "c"]);
        assert_eq!(keys(model.recommend("u1", 3, true)), vec!["c"]);
        assert_eq!(keys(model.recommend("u1", 2, false)), vec!["a", "b"]);
        assert_eq!(keys(model.similar_items("a", 2)), vec!["b", "c"]);
        assert_eq!(model.recommend_all(1).len(), 3);
    }

    #[test]
    fn window_counts_recent_rows_only() {
        let params = PopularityParams {
            window_days: Some(50.0 / 86_400.0),
            ..PopularityParams::default()
        };
        let model = params.check().expect("valid").fit(&toy()).expect("fit");
        let top: Vec<&str> = model.recommend("stranger", 1, true).into_iter().map(|r| r.0).collect();
        assert_eq!(top, vec!["b"]);
    }

    #[test]
    fn bestsellers_break_ties_by_interactions() {
        let ids = bestsellers(&toy(), 10);
        // a: 3 purchases, b: 2, c: 1 purchase + 0, d: 0 purchases
        assert_eq!(ids, vec![0, 1, 2, 3]);
    }
}
