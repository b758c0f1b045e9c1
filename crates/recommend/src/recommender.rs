//! The `Fit` / `Recommender` traits shared by every top-N model.
//!
//! In the spirit of linfa: a *checked* hyper-parameter value implements
//! [`Fit`], fitting returns a model, and the model implements
//! [`Recommender`]. Models answer at two levels: dense ids (`*_ids`, used by
//! the evaluation, no string work) and string keys (the default methods).

use crate::error::Result;
use crate::interactions::{Interactions, Vocabulary};

/// Checked hyper-parameters that can be fitted on an interaction log.
pub trait Fit {
    /// The fitted model.
    type Model: Recommender;

    /// Fit on `data`. Ids of the fitted model are `data`'s vocabulary ids.
    fn fit(&self, data: &Interactions) -> Result<Self::Model>;
}

/// A fitted top-N recommender.
pub trait Recommender {
    /// User vocabulary the model was fitted with.
    fn users(&self) -> &Vocabulary;

    /// Item vocabulary the model was fitted with.
    fn items(&self) -> &Vocabulary;

    /// Top `n` items for a user id, best first. `None` is a cold-start user
    /// (no history): the model answers with its popular items.
    /// `exclude_owned` drops items the user purchased in the training data.
    fn recommend_ids(&self, user: Option<u32>, n: usize, exclude_owned: bool) -> Vec<(u32, f32)>;

    /// Up to `n` items most similar to `item`, best first (never `item` itself).
    fn similar_item_ids(&self, item: u32, n: usize) -> Vec<(u32, f32)>;

    /// Top `n` items for a user key; unknown users get the cold-start answer.
    fn recommend(&self, user: &str, n: usize, exclude_owned: bool) -> Vec<(&str, f32)> {
        let ids = self.recommend_ids(self.users().id(user), n, exclude_owned);
        self.keyed(ids)
    }

    /// Up to `n` items similar to an item key; empty for an unknown item.
    fn similar_items(&self, item: &str, n: usize) -> Vec<(&str, f32)> {
        match self.items().id(item) {
            Some(id) => self.keyed(self.similar_item_ids(id, n)),
            None => Vec::new(),
        }
    }

    /// Top `n` (owned items excluded) for every user of the vocabulary, in
    /// user-id order, computed on all cores.
    fn recommend_all(&self, n: usize) -> Vec<(&str, Vec<(&str, f32)>)>
    where
        Self: Sync,
    {
        let n_users = self.users().len();
        crate::matrix::par_chunks(n_users, 1024, |range| {
            range
                .filter_map(|u| {
                    let id = u32::try_from(u).ok()?;
                    let key = self.users().key(id)?;
                    Some((key, self.keyed(self.recommend_ids(Some(id), n, true))))
                })
                .collect()
        })
    }

    /// Map item ids to keys (ids outside the vocabulary are dropped).
    fn keyed(&self, ids: Vec<(u32, f32)>) -> Vec<(&str, f32)> {
        ids.into_iter()
            .filter_map(|(id, s)| self.items().key(id).map(|k| (k, s)))
            .collect()
    }
}

/// Keep the `n` best candidates, sorted by score descending then id ascending.
pub(crate) fn top_n(mut candidates: Vec<(u32, f32)>, n: usize) -> Vec<(u32, f32)> {
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if n == 0 {
        return Vec::new();
    }
    if candidates.len() > n {
        candidates.select_nth_unstable_by(n - 1, order);
        candidates.truncate(n);
    }
    candidates.sort_unstable_by(order);
    candidates
}

/// Dense score accumulator reused across calls: O(touched) reset.
pub(crate) struct Scores {
    score: Vec<f32>,
    touched: Vec<u32>,
    state: Vec<u8>, // 0 = untouched, 1 = touched, 2 = excluded
}

impl Scores {
    pub fn new(n_items: usize) -> Self {
        Self {
            score: vec![0.0; n_items],
            touched: Vec::new(),
            state: vec![0; n_items],
        }
    }

    pub fn add(&mut self, item: u32, value: f32) {
        let i = item as usize;
        match self.state.get(i) {
            Some(0) => {
                self.state[i] = 1;
                self.score[i] = value;
                self.touched.push(item);
            }
            Some(1) => self.score[i] += value,
            _ => {}
        }
    }

    pub fn exclude(&mut self, item: u32) {
        let i = item as usize;
        if let Some(s) = self.state.get_mut(i) {
            if *s == 0 {
                self.touched.push(item);
            }
            *s = 2;
        }
    }

    /// Sum of the accumulated scores.
    pub fn total(&self) -> f32 {
        self.touched
            .iter()
            .filter(|&&i| self.state[i as usize] == 1)
            .map(|&i| self.score[i as usize])
            .sum()
    }

    /// Multiply every accumulated score by `factor`.
    pub fn scale(&mut self, factor: f32) {
        for &i in &self.touched {
            if self.state[i as usize] == 1 {
                self.score[i as usize] *= factor;
            }
        }
    }

    pub fn is_free(&self, item: u32) -> bool {
        self.state.get(item as usize) == Some(&0)
    }

    /// Top `n` scored items, then `fill` (in order) for the remaining slots
    /// with score 0; resets the accumulator.
    pub fn take_top(&mut self, n: usize, fill: &[u32]) -> Vec<(u32, f32)> {
        let candidates: Vec<(u32, f32)> = self
            .touched
            .iter()
            .filter(|&&i| self.state[i as usize] == 1)
            .map(|&i| (i, self.score[i as usize]))
            .collect();
        let mut out = top_n(candidates, n);
        if out.len() < n {
            for &item in fill {
                if out.len() >= n {
                    break;
                }
                if self.is_free(item) {
                    out.push((item, 0.0));
                    self.exclude(item); // guard against duplicates in `fill`
                }
            }
        }
        for &i in &self.touched {
            self.state[i as usize] = 0;
            self.score[i as usize] = 0.0;
        }
        self.touched.clear();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_n_orders_by_score_then_id() {
        let c = vec![(5, 1.0), (1, 3.0), (2, 1.0), (9, 2.0)];
        assert_eq!(top_n(c.clone(), 3), vec![(1, 3.0), (9, 2.0), (2, 1.0)]);
        assert_eq!(top_n(c, 0), vec![]);
    }

    #[test]
    fn scores_exclude_and_fill() {
        let mut s = Scores::new(6);
        s.add(1, 0.5);
        s.add(2, 0.7);
        s.add(1, 0.5);
        s.exclude(2);
        s.add(2, 10.0);
        assert_eq!(s.total(), 1.0);
        s.scale(0.5);
        let out = s.take_top(4, &[2, 3, 1, 4, 5]);
        assert_eq!(out, vec![(1, 0.5), (3, 0.0), (4, 0.0), (5, 0.0)]);
        // accumulator is reset
        assert_eq!(s.take_top(2, &[]), vec![]);
        assert!(s.is_free(2));
    }
}
