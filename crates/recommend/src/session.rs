//! Within-session next-item prediction and its evaluation.
//!
//! A [`Session`] is one visit: clicks `(unix seconds, item key)` in time
//! order. [`NextItemModel`] learns item→item rules from training sessions and
//! scores the next click from the current prefix; [`evaluate_next_item`]
//! follows the session-rec protocol (see the function docs).

use std::sync::Arc;

use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::error::{RecommendError, Result, invalid};
use crate::interactions::Vocabulary;
use crate::matrix::{Csr, par_chunks};
use crate::metrics::rank_of;
use crate::recommender::{Scores, top_n};

/// One session: a key and its clicks `(unix seconds, item key)` sorted by time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Session identifier.
    pub key: String,
    /// Clicks in time order.
    pub clicks: Vec<(f64, String)>,
}

impl Session {
    /// Empty session.
    pub fn new(key: impl Into<String>) -> Self {
        Self {
            key: key.into(),
            clicks: Vec::new(),
        }
    }

    /// Time of the earliest click (`None` for an empty session).
    pub fn start(&self) -> Option<f64> {
        self.clicks.iter().map(|c| c.0).min_by(f64::total_cmp)
    }

    /// Sort clicks by time (stable: equal times keep their order).
    pub fn sort(&mut self) {
        self.clicks.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
}

/// How [`NextItemModel`] scores candidates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NextItemMethod {
    /// Training-click popularity, same list whatever the prefix (baseline).
    Popularity,
    /// Association rules: every ordered pair of positions in a training
    /// session counts once in both directions ("items seen with it").
    Cooccurrence,
    /// Sequential rules: `a` followed by `b` within `steps` clicks adds
    /// 1/distance to `a → b` (Kamehkhosh et al. 2017; session-rec `sr`).
    SequentialRules,
}

/// Hyper-parameters of [`NextItemModel`].
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct NextItemParams {
    /// Rule family.
    pub method: NextItemMethod,
    /// Window of [`NextItemMethod::SequentialRules`] (≥ 1).
    pub steps: usize,
    /// Rules kept per antecedent item, strongest first; 0 keeps all.
    pub pruning: usize,
    /// How many of the last prefix items vote; the item `d` clicks before
    /// the end votes with weight 1/d (1 = last item only).
    pub prefix_items: usize,
    /// Scale every antecedent's rules so its strongest rule is 1, so that
    /// frequent and rare prefix items vote on the same scale.
    pub normalize: bool,
    /// Share `ρ` of the prediction given to re-clicks. The final score is
    /// the mixture `(1 − ρ)·rules/Σrules + ρ·recency/Σrecency`, where the
    /// recency of a prefix item is Σ 1/d over its positions (d = 1 for the
    /// last click). `None` learns ρ from the training sessions: the share
    /// of next clicks that revisit an item already in the session (36 % on
    /// YooChoose, 2.6 % on the generated M events). `Some(0.0)` disables.
    pub repeat_weight: Option<f32>,
    /// Fill short lists with popular items (score 0).
    pub fill_with_popular: bool,
}

impl Default for NextItemParams {
    fn default() -> Self {
        Self {
            method: NextItemMethod::SequentialRules,
            steps: 10,
            pruning: 0,
            prefix_items: 3,
            normalize: true,
            repeat_weight: None,
            fill_with_popular: true,
        }
    }
}

impl NextItemParams {
    /// The popularity baseline.
    pub fn popularity() -> Self {
        Self {
            method: NextItemMethod::Popularity,
            ..Self::default()
        }
    }

    /// Plain "last item → items seen with it in sessions" co-occurrence.
    pub fn cooccurrence() -> Self {
        Self {
            method: NextItemMethod::Cooccurrence,
            pruning: 0,
            prefix_items: 1,
            normalize: false,
            repeat_weight: Some(0.0),
            ..Self::default()
        }
    }

    /// Check ranges.
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 {
            return Err(invalid("steps", "must be at least 1"));
        }
        if self.prefix_items == 0 {
            return Err(invalid("prefix_items", "must be at least 1"));
        }
        if let Some(w) = self.repeat_weight
            && !(0.0..=1.0).contains(&w)
        {
            return Err(invalid("repeat_weight", format!("must be in [0, 1], got {w}")));
        }
        Ok(())
    }
}

/// A fitted next-item model.
#[derive(Clone, Debug)]
pub struct NextItemModel {
    params: NextItemParams,
    items: Arc<Vocabulary>,
    rules: Csr,
    popular: Vec<(u32, f32)>,
    repeat_share: f32,
}

impl NextItemModel {
    /// Learn rules from `sessions` (each assumed sorted by time).
    pub fn fit(sessions: &[Session], params: &NextItemParams) -> Result<Self> {
        params.validate()?;
        let mut items = Vocabulary::new();
        let mut encoded: Vec<Vec<u32>> = Vec::with_capacity(sessions.len());
        for s in sessions {
            let ids = s
                .clicks
                .iter()
                .map(|(_, key)| items.intern(key, "item"))
                .collect::<Result<Vec<u32>>>()?;
            encoded.push(ids);
        }
        if items.is_empty() {
            return Err(RecommendError::EmptyTrainingData(
                "no clicks in the training sessions".into(),
            ));
        }
        Ok(Self::fit_encoded(Arc::new(items), &encoded, params))
    }

    fn fit_encoded(items: Arc<Vocabulary>, sessions: &[Vec<u32>], params: &NextItemParams) -> Self {
        let n_items = items.len();
        let mut clicks = vec![0f32; n_items];
        for s in sessions {
            for &i in s {
                clicks[i as usize] += 1.0;
            }
        }
        let mut popular: Vec<(u32, f32)> = clicks
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0.0)
            .filter_map(|(i, &c)| Some((u32::try_from(i).ok()?, c)))
            .collect();
        popular.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));

        let repeat_share = params.repeat_weight.unwrap_or_else(|| revisit_share(sessions, n_items));
        let mut pairs: Vec<(u32, u32, f32)> = Vec::new();
        match params.method {
            NextItemMethod::Popularity => {}
            NextItemMethod::Cooccurrence => {
                for s in sessions {
                    for (q, &b) in s.iter().enumerate() {
                        for &a in &s[..q] {
                            pairs.push((a, b, 1.0));
                            pairs.push((b, a, 1.0));
                        }
                    }
                }
            }
            NextItemMethod::SequentialRules => {
                for s in sessions {
                    for (q, &b) in s.iter().enumerate() {
                        for d in 1..=params.steps.min(q) {
                            pairs.push((s[q - d], b, 1.0 / d as f32));
                        }
                    }
                }
            }
        }
        let mut rules = rules_csr(pairs, n_items, params.pruning);
        if params.normalize {
            for r in 0..rules.n_rows() {
                let (a, b) = (rules.ptr[r], rules.ptr[r + 1]);
                // rows are sorted best first
                if let Some(&top) = rules.vals.get(a)
                    && top > 0.0
                {
                    rules.vals[a..b].iter_mut().for_each(|v| *v /= top);
                }
            }
        }
        Self {
            params: *params,
            items,
            rules,
            popular,
            repeat_share,
        }
    }

    /// The re-click share ρ in use (fixed or learned, see
    /// [`NextItemParams::repeat_weight`]).
    pub fn repeat_share(&self) -> f32 {
        self.repeat_share
    }

    /// The item vocabulary (items seen in training).
    pub fn items(&self) -> &Vocabulary {
        &self.items
    }

    /// The parameters the model was fitted with.
    pub fn params(&self) -> &NextItemParams {
        &self.params
    }

    /// Top `n` next items for a live session prefix (oldest click first);
    /// items unknown to the model are ignored.
    pub fn predict<S: AsRef<str>>(&self, prefix: &[S], n: usize) -> Vec<(&str, f32)> {
        let ids: Vec<u32> = prefix.iter().filter_map(|k| self.items.id(k.as_ref())).collect();
        self.predict_ids(&ids, n)
            .into_iter()
            .filter_map(|(i, s)| self.items.key(i).map(|k| (k, s)))
            .collect()
    }

    /// [`NextItemModel::predict`] on item ids.
    pub fn predict_ids(&self, prefix: &[u32], n: usize) -> Vec<(u32, f32)> {
        if self.params.method == NextItemMethod::Popularity {
            return self.popular.iter().take(n).copied().collect();
        }
        let mut scores = Scores::new(self.items.len());
        for (d, &item) in prefix.iter().rev().take(self.params.prefix_items).enumerate() {
            let weight = 1.0 / (d + 1) as f32;
            let (cols, vals) = self.rules.row(item as usize);
            for (&j, &v) in cols.iter().zip(vals) {
                scores.add(j, weight * v);
            }
        }
        let rho = self.repeat_share;
        if rho > 0.0 && !prefix.is_empty() {
            let total = scores.total();
            if total > 0.0 {
                scores.scale((1.0 - rho) / total);
            }
            let recency: f32 = (1..=prefix.len()).map(|d| 1.0 / d as f32).sum();
            for (d, &item) in prefix.iter().rev().enumerate() {
                scores.add(item, rho / ((d + 1) as f32 * recency));
            }
        }
        let fill: Vec<u32> = if self.params.fill_with_popular {
            self.popular.iter().take(n).map(|p| p.0).collect()
        } else {
            Vec::new()
        };
        scores.take_top(n, &fill)
    }
}

/// Share of next clicks (positions ≥ 1) whose item already occurred earlier
/// in the same session.
fn revisit_share(sessions: &[Vec<u32>], n_items: usize) -> f32 {
    let mut seen = vec![false; n_items];
    let (mut next, mut revisits) = (0usize, 0usize);
    for s in sessions {
        for (q, &i) in s.iter().enumerate() {
            if q > 0 {
                next += 1;
                revisits += usize::from(seen[i as usize]);
            }
            seen[i as usize] = true;
        }
        for &i in s {
            seen[i as usize] = false;
        }
    }
    if next == 0 { 0.0 } else { revisits as f32 / next as f32 }
}

/// Merge `(from, to, weight)` triples into rows sorted best-first, pruned.
fn rules_csr(mut pairs: Vec<(u32, u32, f32)>, n_items: usize, pruning: usize) -> Csr {
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    let mut csr = Csr {
        ptr: Vec::with_capacity(n_items + 1),
        ..Csr::default()
    };
    csr.ptr.push(0);
    let mut row: Vec<(u32, f32)> = Vec::new();
    let mut k = 0;
    for from in 0..n_items {
        row.clear();
        while k < pairs.len() && pairs[k].0 as usize == from {
            let (_, to, w) = pairs[k];
            match row.last_mut() {
                Some(last) if last.0 == to => last.1 += w,
                _ => row.push((to, w)),
            }
            k += 1;
        }
        let keep = if pruning == 0 { row.len() } else { pruning };
        for (to, w) in top_n(std::mem::take(&mut row), keep) {
            csr.cols.push(to);
            csr.vals.push(w);
        }
        csr.ptr.push(csr.cols.len());
    }
    csr
}

/// HR@k and MRR@k of one model.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct NextItemMetrics {
    /// Share of predictions whose target is in the top k.
    pub hr: f64,
    /// Mean of 1/rank (0 beyond k).
    pub mrr: f64,
}

/// Session model vs popularity on one holdout split.
///
/// Serializes with the cut-off in the key names, e.g. for k = 20:
/// `{"hr_at_20", "mrr_at_20", "predictions", "popularity": {"hr_at_20", "mrr_at_20"}}`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NextItemReport {
    /// Cut-off.
    pub k: usize,
    /// The session model.
    pub model: NextItemMetrics,
    /// The popularity baseline.
    pub popularity: NextItemMetrics,
    /// Number of next-item predictions evaluated.
    pub predictions: usize,
    /// Test sessions evaluated (after filtering).
    pub test_sessions: usize,
    /// Training sessions.
    pub train_sessions: usize,
}

struct TwoMetrics<'a>(&'a NextItemMetrics, usize);

impl Serialize for TwoMetrics<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(2))?;
        map.serialize_entry(&format!("hr_at_{}", self.1), &self.0.hr)?;
        map.serialize_entry(&format!("mrr_at_{}", self.1), &self.0.mrr)?;
        map.end()
    }
}

impl Serialize for NextItemReport {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let k = self.k;
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry(&format!("hr_at_{k}"), &self.model.hr)?;
        map.serialize_entry(&format!("mrr_at_{k}"), &self.model.mrr)?;
        map.serialize_entry("predictions", &self.predictions)?;
        map.serialize_entry("popularity", &TwoMetrics(&self.popularity, k))?;
        map.end()
    }
}

/// Sessions split by start time, encoded against the training vocabulary.
#[derive(Clone, Debug)]
pub struct SessionSplit {
    /// Indices (into the input slice) of the sessions starting before the
    /// threshold, which train.
    pub train: Vec<usize>,
    /// Test sessions as training item ids: unknown items removed, sessions
    /// shorter than 2 clicks after that dropped.
    pub test: Vec<Vec<u32>>,
    items: Arc<Vocabulary>,
    train_ids: Vec<Vec<u32>>,
}

impl SessionSplit {
    /// Test = sessions whose first click is at or after
    /// `max click time − holdout_secs`; the rest train.
    pub fn new(sessions: &[Session], holdout_secs: f64) -> Result<Self> {
        if !holdout_secs.is_finite() || holdout_secs < 0.0 {
            return Err(invalid(
                "holdout_secs",
                format!("must be finite and >= 0, got {holdout_secs}"),
            ));
        }
        let mut max_t = f64::NEG_INFINITY;
        for s in sessions {
            for c in &s.clicks {
                if !c.0.is_finite() {
                    return Err(RecommendError::NonFiniteTime(s.key.clone()));
                }
                max_t = max_t.max(c.0);
            }
        }
        let threshold = max_t - holdout_secs;
        let (mut train, mut test_raw) = (Vec::new(), Vec::new());
        for (k, s) in sessions.iter().enumerate() {
            match s.start() {
                Some(t) if t >= threshold => test_raw.push(s),
                Some(_) => train.push(k),
                None => {}
            }
        }
        let mut items = Vocabulary::new();
        let mut train_ids = Vec::with_capacity(train.len());
        for s in train.iter().map(|&k| &sessions[k]) {
            train_ids.push(
                s.clicks
                    .iter()
                    .map(|(_, k)| items.intern(k, "item"))
                    .collect::<Result<Vec<u32>>>()?,
            );
        }
        if items.is_empty() {
            return Err(RecommendError::EmptyTrainingData(format!(
                "no session starts before {threshold}"
            )));
        }
        let test: Vec<Vec<u32>> = test_raw
            .iter()
            .map(|s| s.clicks.iter().filter_map(|(_, k)| items.id(k)).collect::<Vec<u32>>())
            .filter(|ids| ids.len() >= 2)
            .collect();
        if test.is_empty() {
            return Err(RecommendError::NothingToEvaluate(format!(
                "no test session with 2+ known clicks starting at or after {threshold}"
            )));
        }
        Ok(Self {
            train,
            test,
            items: Arc::new(items),
            train_ids,
        })
    }

    /// Fit `params` on the training sessions (ids match [`SessionSplit::test`]).
    pub fn fit(&self, params: &NextItemParams) -> Result<NextItemModel> {
        params.validate()?;
        Ok(NextItemModel::fit_encoded(
            Arc::clone(&self.items),
            &self.train_ids,
            params,
        ))
    }

    /// Score `model` on every next-item prediction of the test sessions:
    /// returns (metrics, number of predictions).
    pub fn score(&self, model: &NextItemModel, k: usize) -> (NextItemMetrics, usize) {
        let per_session: Vec<(f64, f64, usize)> = par_chunks(self.test.len(), 64, |range| {
            range
                .map(|t| {
                    let s = &self.test[t];
                    let (mut hits, mut rr) = (0.0, 0.0);
                    for i in 1..s.len() {
                        let ranked: Vec<u32> = model.predict_ids(&s[..i], k).into_iter().map(|p| p.0).collect();
                        if let Some(r) = rank_of(&ranked, &s[i], k) {
                            hits += 1.0;
                            rr += 1.0 / r as f64;
                        }
                    }
                    (hits, rr, s.len() - 1)
                })
                .collect()
        });
        let n: usize = per_session.iter().map(|p| p.2).sum();
        let sum_h: f64 = per_session.iter().map(|p| p.0).sum();
        let sum_r: f64 = per_session.iter().map(|p| p.1).sum();
        let d = n.max(1) as f64;
        (
            NextItemMetrics {
                hr: sum_h / d,
                mrr: sum_r / d,
            },
            n,
        )
    }
}

/// Default session model vs popularity, last `holdout_secs` held out.
pub fn evaluate_next_item(sessions: &[Session], holdout_secs: f64, k: usize) -> Result<NextItemReport> {
    evaluate_next_item_with(sessions, holdout_secs, k, &NextItemParams::default())
}

/// Next-item evaluation (session-rec protocol, Ludewig et al. 2021):
/// 1. sessions whose first click is within the last `holdout_secs` before
///    the latest click in the data are the test set, the rest train;
/// 2. test clicks on items that never occur in training are removed, and
///    test sessions left with fewer than 2 clicks are dropped;
/// 3. for every position i ≥ 1 of a test session, the model ranks items
///    given the prefix `items[..i]`; the target is `items[i]`;
/// 4. HR@k = share of predictions with the target in the top k,
///    MRR@k = mean of 1/rank (0 outside the top k), both over all predictions.
pub fn evaluate_next_item_with(
    sessions: &[Session],
    holdout_secs: f64,
    k: usize,
    params: &NextItemParams,
) -> Result<NextItemReport> {
    let split = SessionSplit::new(sessions, holdout_secs)?;
    let model = split.fit(params)?;
    let baseline = split.fit(&NextItemParams::popularity())?;
    let (m, predictions) = split.score(&model, k);
    let (p, _) = split.score(&baseline, k);
    Ok(NextItemReport {
        k,
        model: m,
        popularity: p,
        predictions,
        test_sessions: split.test.len(),
        train_sessions: split.train.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(key: &str, clicks: &[(f64, &str)]) -> Session {
        Session {
            key: key.into(),
            clicks: clicks.iter().map(|(t, i)| (*t, (*i).to_owned())).collect(),
        }
    }

    fn data() -> Vec<Session> {
        vec![
            session("s1", &[(0.0, "a"), (1.0, "b"), (2.0, "c")]),
            session("s2", &[(10.0, "a"), (11.0, "b")]),
            session("s3", &[(20.0, "b"), (21.0, "c"), (22.0, "d")]),
            // starts exactly at max − holdout (100 − 10): test
            session("t1", &[(90.0, "a"), (91.0, "z"), (92.0, "b")]),
            // starts before the threshold but ends after it: train
            session("t2", &[(89.0, "c"), (95.0, "d")]),
            // only one known item after filtering: dropped
            session("t3", &[(99.0, "y"), (100.0, "a")]),
        ]
    }

    #[test]
    fn holdout_split_boundaries_and_filtering() {
        let split = SessionSplit::new(&data(), 10.0).expect("split");
        let sessions = data();
        let keys: Vec<&str> = split.train.iter().map(|&k| sessions[k].key.as_str()).collect();
        assert_eq!(keys, vec!["s1", "s2", "s3", "t2"]);
        let a = split.items.id("a").expect("a");
        let b = split.items.id("b").expect("b");
        assert_eq!(split.test, vec![vec![a, b]], "z removed, t3 dropped");
        assert!(matches!(
            SessionSplit::new(&data(), 1000.0),
            Err(RecommendError::EmptyTrainingData(_))
        ));
        assert!(SessionSplit::new(&data(), f64::NAN).is_err());
    }

    #[test]
    fn cooccurrence_counts_both_directions() {
        let model = NextItemModel::fit(&data()[..3], &NextItemParams::cooccurrence()).expect("fit");
        // c was seen with b twice (s1, s3) and with a once (s1)
        let next = model.predict(&["c"], 3);
        assert_eq!(next.first(), Some(&("b", 2.0)));
        assert_eq!(next.get(1).map(|p| p.0), Some("a"));
        // unknown prefix items are ignored -> popularity fill (score 0)
        let cold = model.predict(&["nope"], 2);
        assert_eq!(cold, vec![("b", 0.0), ("a", 0.0)]);
    }

    #[test]
    fn sequential_rules_weight_by_distance() {
        let params = NextItemParams {
            prefix_items: 1,
            normalize: false,
            repeat_weight: Some(0.0),
            fill_with_popular: false,
            ..NextItemParams::default()
        };
        let model = NextItemModel::fit(&data()[..3], &params).expect("fit");
        // a -> b at distance 1 twice (2.0), a -> c at distance 2 once (0.5)
        assert_eq!(model.predict(&["a"], 5), vec![("b", 2.0), ("c", 0.5)]);
        // nothing follows d
        assert!(model.predict(&["d"], 5).is_empty());
        // normalised: the strongest rule of every antecedent is 1
        let norm = NextItemModel::fit(
            &data()[..3],
            &NextItemParams {
                normalize: true,
                ..params
            },
        )
        .expect("fit");
        assert_eq!(norm.predict(&["a"], 5), vec![("b", 1.0), ("c", 0.25)]);
        // prefix votes: [b, a] -> a's rules at weight 1, b's at 1/2
        let two = NextItemModel::fit(
            &data()[..3],
            &NextItemParams {
                prefix_items: 2,
                ..params
            },
        )
        .expect("fit");
        // b -> c: 1 (s1) + 1 (s3) = 2, b -> d: 1/2 (s3); halved as the older vote
        assert_eq!(two.predict(&["b", "a"], 5), vec![("b", 2.0), ("c", 1.5), ("d", 0.25)]);
    }

    #[test]
    fn repeat_mixture_ranks_prefix_items() {
        let params = NextItemParams {
            prefix_items: 1,
            normalize: false,
            repeat_weight: Some(0.5),
            fill_with_popular: false,
            ..NextItemParams::default()
        };
        let model = NextItemModel::fit(&data()[..3], &params).expect("fit");
        // rules of b: c 2.0, d 0.5 -> 0.8, 0.2 of the rule half; recency of
        // [a, b]: b 1, a 1/2 -> 2/3, 1/3 of the repeat half
        let got = model.predict(&["a", "b"], 5);
        let want = [("c", 0.4), ("b", 1.0 / 3.0), ("a", 1.0 / 6.0), ("d", 0.1)];
        assert_eq!(got.len(), want.len());
        for ((gk, gs), (wk, ws)) in got.iter().zip(want) {
            assert_eq!(*gk, wk);
            assert!((gs - ws).abs() < 1e-6, "{got:?}");
        }
    }

    #[test]
    fn revisit_share_is_learned() {
        // s1: 2 next clicks, 1 revisit; s2: 1 next click, 0 revisits
        let sessions = vec![
            session("s1", &[(0.0, "a"), (1.0, "b"), (2.0, "a")]),
            session("s2", &[(3.0, "a"), (4.0, "c")]),
        ];
        let model = NextItemModel::fit(&sessions, &NextItemParams::default()).expect("fit");
        assert!((model.repeat_share() - 1.0 / 3.0).abs() < 1e-6);
        let bad = NextItemParams {
            repeat_weight: Some(1.5),
            ..NextItemParams::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn metrics_on_known_ranks() {
        let sessions = data();
        let split = SessionSplit::new(&sessions, 10.0).expect("split");
        let params = NextItemParams {
            prefix_items: 1,
            repeat_weight: Some(0.0),
            ..NextItemParams::default()
        };
        let model = split.fit(&params).expect("fit");
        // single prediction: prefix [a], target b, ranked first
        let (m, n) = split.score(&model, 20);
        assert_eq!(n, 1);
        assert_eq!((m.hr, m.mrr), (1.0, 1.0));
        // popularity (clicks: b 3, c 3, a 2, d 2) ranks b first too
        let pop = split.fit(&NextItemParams::popularity()).expect("fit");
        let ranked = pop.predict_ids(&[], 4);
        assert_eq!(ranked.first().map(|r| r.0), split.items.id("b"));
        // default model: no revisit in training, so ρ = 0 and b is first
        let report = evaluate_next_item(&sessions, 10.0, 20).expect("evaluate");
        let json = serde_json::to_value(report).expect("json");
        assert_eq!(
            json,
            serde_json::json!({"hr_at_20": 1.0, "mrr_at_20": 1.0, "predictions": 1,
                "popularity": {"hr_at_20": 1.0, "mrr_at_20": 1.0}})
        );
    }

    #[test]
    fn params_are_validated() {
        let bad = NextItemParams {
            steps: 0,
            ..NextItemParams::default()
        };
        assert!(NextItemModel::fit(&data(), &bad).is_err());
        assert!(matches!(
            NextItemModel::fit(&[], &NextItemParams::default()),
            Err(RecommendError::EmptyTrainingData(_))
        ));
    }
}
