//! Association rules `A → C` from frequent itemsets, scored exactly as mlxtend 0.25's
//! `association_rules(frequent_itemsets, num_itemsets=n)` scores them.
//!
//! With `s(X)` the support of itemset `X` (share of baskets containing it) and `n` the
//! number of baskets, in this order of floating-point operations:
//!
//! | metric | formula |
//! | --- | --- |
//! | support | `s(A∪C)` |
//! | confidence | `(s(A∪C)·n) / (s(A)·n)` |
//! | lift | `confidence / s(C)` |
//! | leverage | `s(A∪C) − s(A)·s(C)` |
//! | conviction | `(1 − s(C)) / (1 − confidence)` if `confidence < 1`, else `+∞` |
//!
//! Confidence is written the way mlxtend computes it (it multiplies both supports back by
//! `num_itemsets` before dividing), not as the mathematically equal `s(A∪C)/s(A)`, so that
//! a rule on the border of `min_confidence` is kept or dropped by both alike.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::Serialize;

use crate::fptree::{Itemset, frequent_itemsets};
use crate::{BasketError, Baskets};

/// Parameters of [`rules`]. Build with [`RuleParams::new`] and the `with_*` methods, or
/// fill the fields directly; either way [`rules`] calls [`RuleParams::validate`] first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleParams {
    /// Minimum support of the whole rule `A ∪ C`, in (0, 1].
    pub min_support: f64,
    /// Minimum confidence, in [0, 1].
    pub min_confidence: f64,
    /// Largest itemset mined (antecedent plus consequent), at least 2; `None`: no limit.
    pub max_len: Option<usize>,
    /// Largest consequent, at least 1. Default 1: single-item consequents.
    pub max_consequent: usize,
    /// Minimum lift, when set (e.g. 1.0 keeps positively associated rules only).
    pub min_lift: Option<f64>,
}

impl RuleParams {
    /// Rules with at least `min_support` and `min_confidence`, single-item consequents, no
    /// size limit and no lift threshold.
    pub fn new(min_support: f64, min_confidence: f64) -> Self {
        Self {
            min_support,
            min_confidence,
            max_len: None,
            max_consequent: 1,
            min_lift: None,
        }
    }

    /// Limits itemsets (antecedent plus consequent) to `max_len` items.
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = Some(max_len);
        self
    }

    /// Allows consequents of up to `max_consequent` items.
    pub fn with_max_consequent(mut self, max_consequent: usize) -> Self {
        self.max_consequent = max_consequent;
        self
    }

    /// Keeps only rules with lift ≥ `min_lift`.
    pub fn with_min_lift(mut self, min_lift: f64) -> Self {
        self.min_lift = Some(min_lift);
        self
    }

    /// Checks every parameter; the error names the first bad one and its value.
    pub fn validate(&self) -> Result<(), BasketError> {
        if !(self.min_support > 0.0 && self.min_support <= 1.0) {
            return Err(BasketError::MinSupport(self.min_support));
        }
        if !(0.0..=1.0).contains(&self.min_confidence) {
            return Err(BasketError::MinConfidence(self.min_confidence));
        }
        if let Some(m) = self.max_len
            && m < 2
        {
            return Err(BasketError::MaxLen { value: m, min: 2 });
        }
        if self.max_consequent < 1 {
            return Err(BasketError::MaxConsequent(self.max_consequent));
        }
        if let Some(l) = self.min_lift
            && !(l.is_finite() && l >= 0.0)
        {
            return Err(BasketError::MinLift(l));
        }
        Ok(())
    }
}

/// An association rule `antecedent → consequent`.
///
/// `conviction` is `+∞` when confidence is 1 (serde_json writes a non-finite float as
/// `null`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
    /// Item names of the "if" side, sorted.
    pub antecedent: Vec<String>,
    /// Item names of the "then" side, sorted.
    pub consequent: Vec<String>,
    /// Support of antecedent ∪ consequent.
    pub support: f64,
    /// Share of baskets with the antecedent that also hold the consequent.
    pub confidence: f64,
    /// Confidence over the consequent's support: how many times likelier the consequent is
    /// given the antecedent.
    pub lift: f64,
    /// Support minus the support expected under independence.
    pub leverage: f64,
    /// How much more often the rule would be wrong if A and C were independent.
    pub conviction: f64,
    /// Support of the antecedent.
    pub antecedent_support: f64,
    /// Support of the consequent.
    pub consequent_support: f64,
    /// Number of baskets holding antecedent ∪ consequent.
    pub count: u64,
}

/// Mines the association rules of `baskets`: every split of every frequent itemset (of two
/// or more items) into an antecedent and a consequent of at most `params.max_consequent`
/// items, kept when its confidence (and lift, if `min_lift` is set) reaches the threshold.
///
/// Sorted by lift, then confidence (both descending), then antecedent and consequent
/// names; the order is fully deterministic.
pub fn rules(baskets: &Baskets, params: &RuleParams) -> Result<Vec<Rule>, BasketError> {
    params.validate()?;
    let itemsets = frequent_itemsets(baskets, params.min_support, params.max_len)?;
    rules_from_itemsets(baskets, &itemsets, params)
}

/// The rules of already mined itemsets: [`rules`] without its first step, for callers that
/// also want the itemsets (or time the two steps apart).
///
/// `itemsets` should be the output of
/// `frequent_itemsets(baskets, params.min_support, params.max_len)`: every subset of an
/// itemset must be present for the rule's antecedent and consequent supports, and a split
/// whose parts are missing is skipped (mlxtend raises a `KeyError` instead). Only
/// `min_confidence`, `max_consequent` and `min_lift` of `params` are applied here; all of
/// `params` is validated.
pub fn rules_from_itemsets(
    baskets: &Baskets,
    itemsets: &[Itemset],
    params: &RuleParams,
) -> Result<Vec<Rule>, BasketError> {
    params.validate()?;
    let n = baskets.len() as f64;
    let support_of: HashMap<&[u32], f64> = itemsets.iter().map(|s| (s.items.as_slice(), s.support)).collect();
    let mut out = Vec::new();
    let mut ante: Vec<u32> = Vec::new();
    let mut cons: Vec<u32> = Vec::new();
    for set in itemsets.iter().filter(|s| s.items.len() >= 2) {
        let k = set.items.len();
        let s_ac = set.support;
        for c_len in 1..=params.max_consequent.min(k - 1) {
            for_each_combination(k, c_len, |chosen| {
                cons.clear();
                ante.clear();
                let mut next = chosen.iter().peekable();
                for (pos, &item) in set.items.iter().enumerate() {
                    if next.peek() == Some(&&pos) {
                        next.next();
                        cons.push(item);
                    } else {
                        ante.push(item);
                    }
                }
                // Every subset of a frequent itemset is frequent (and mined).
                let (Some(&s_a), Some(&s_c)) = (support_of.get(ante.as_slice()), support_of.get(cons.as_slice()))
                else {
                    return;
                };
                let confidence = (s_ac * n) / (s_a * n);
                if confidence < params.min_confidence {
                    return;
                }
                let lift = confidence / s_c;
                if let Some(min_lift) = params.min_lift
                    && lift < min_lift
                {
                    return;
                }
                let conviction = if confidence < 1.0 {
                    (1.0 - s_c) / (1.0 - confidence)
                } else {
                    f64::INFINITY
                };
                out.push(Rule {
                    antecedent: baskets.names_of(&ante),
                    consequent: baskets.names_of(&cons),
                    support: s_ac,
                    confidence,
                    lift,
                    leverage: s_ac - s_a * s_c,
                    conviction,
                    antecedent_support: s_a,
                    consequent_support: s_c,
                    count: set.count,
                });
            });
        }
    }
    out.sort_by(rule_order);
    Ok(out)
}

/// Lift desc, confidence desc, then antecedent and consequent names ascending.
fn rule_order(a: &Rule, b: &Rule) -> Ordering {
    b.lift
        .total_cmp(&a.lift)
        .then_with(|| b.confidence.total_cmp(&a.confidence))
        .then_with(|| a.antecedent.cmp(&b.antecedent))
        .then_with(|| a.consequent.cmp(&b.consequent))
}

/// Calls `f` with every `r`-subset of `0..k` as ascending positions.
fn for_each_combination(k: usize, r: usize, mut f: impl FnMut(&[usize])) {
    if r == 0 || r > k {
        return;
    }
    let mut idx: Vec<usize> = (0..r).collect();
    loop {
        f(&idx);
        // Rightmost position that can still move right.
        let Some(i) = (0..r).rev().find(|&i| idx[i] < k - r + i) else {
            return;
        };
        idx[i] += 1;
        for j in i + 1..r {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// The five-basket example of Tan, Steinbach & Kumar, *Introduction to Data Mining*.
    fn tsk() -> Baskets {
        Baskets::from_transactions(vec![
            vec!["bread", "milk"],
            vec!["bread", "diapers", "beer", "eggs"],
            vec!["milk", "diapers", "beer", "cola"],
            vec!["bread", "milk", "diapers", "beer"],
            vec!["bread", "milk", "diapers", "cola"],
        ])
    }

    fn find<'a>(rules: &'a [Rule], a: &[&str], c: &[&str]) -> Option<&'a Rule> {
        rules.iter().find(|r| r.antecedent == a && r.consequent == c)
    }

    #[test]
    fn textbook_rule_metrics() {
        let b = tsk();
        let rs = rules(&b, &RuleParams::new(0.4, 0.0)).expect("valid params");
        // {milk, diapers} → {beer}: s = 2/5, conf = 2/3, lift = (2/3)/(3/5) = 10/9.
        let r = find(&rs, &["diapers", "milk"], &["beer"]).expect("rule present");
        assert!(close(r.support, 0.4));
        assert!(close(r.confidence, 2.0 / 3.0));
        assert!(close(r.lift, 10.0 / 9.0));
        assert!(close(r.leverage, 0.4 - 0.6 * 0.6));
        assert!(close(r.conviction, (1.0 - 0.6) / (1.0 - 2.0 / 3.0)));
        assert!(close(r.antecedent_support, 0.6));
        assert!(close(r.consequent_support, 0.6));
        assert_eq!(r.count, 2);
        // {beer} → {diapers}: confidence 1 → conviction infinite, lift 1/(4/5) = 1.25.
        let r = find(&rs, &["beer"], &["diapers"]).expect("rule present");
        assert_eq!(r.confidence, 1.0);
        assert!(r.conviction.is_infinite());
        assert!(close(r.lift, 1.25));
        // Single-item consequents only by default.
        assert!(rs.iter().all(|r| r.consequent.len() == 1));
        // Frequent itemsets at 0.4 (count >= 2): 8 pairs with 2 splits each and 4 triples
        // ({bread,milk,diapers}, {bread,diapers,beer}, {milk,diapers,beer},
        // {milk,diapers,cola}) with 3 single-item-consequent splits each; no quadruple.
        assert_eq!(rs.len(), 8 * 2 + 4 * 3);
    }

    #[test]
    fn sorted_by_lift_then_confidence_then_names() {
        let rs = rules(&tsk(), &RuleParams::new(0.4, 0.0)).expect("valid params");
        for w in rs.windows(2) {
            assert_ne!(rule_order(&w[0], &w[1]), Ordering::Greater);
        }
        // Deterministic: the same input gives the same output.
        let again = rules(&tsk(), &RuleParams::new(0.4, 0.0)).expect("valid params");
        assert_eq!(rs, again);
    }

    #[test]
    fn thresholds_on_confidence_and_lift() {
        let b = tsk();
        let rs = rules(&b, &RuleParams::new(0.4, 0.7)).expect("valid");
        assert!(rs.iter().all(|r| r.confidence >= 0.7));
        assert!(find(&rs, &["diapers", "milk"], &["beer"]).is_none());
        let rs = rules(&b, &RuleParams::new(0.4, 0.0).with_min_lift(1.0)).expect("valid");
        assert!(!rs.is_empty());
        assert!(rs.iter().all(|r| r.lift >= 1.0));
    }

    #[test]
    fn max_consequent_two() {
        let b = tsk();
        let p = RuleParams::new(0.4, 0.0).with_max_consequent(2);
        let rs = rules(&b, &p).expect("valid");
        // 28 single-item-consequent rules + 3 two-item consequents per triple.
        assert_eq!(rs.len(), 28 + 4 * 3);
        let r = find(&rs, &["beer"], &["diapers", "milk"]).expect("rule present");
        // s({beer,diapers,milk}) = 2/5, s(beer) = 3/5 → conf 2/3; s({diapers,milk}) = 3/5.
        assert!(close(r.confidence, 2.0 / 3.0));
        assert!(close(r.lift, (2.0 / 3.0) / 0.6));
        // A consequent never takes the whole itemset.
        assert!(rs.iter().all(|r| !r.antecedent.is_empty()));
        let big = rules(&b, &RuleParams::new(0.4, 0.0).with_max_consequent(10)).expect("valid");
        assert_eq!(big.len(), 40);
    }

    #[test]
    fn rules_from_mined_itemsets_equal_rules() {
        let b = tsk();
        let p = RuleParams::new(0.4, 0.5);
        let sets = frequent_itemsets(&b, p.min_support, p.max_len).expect("valid");
        let split = rules_from_itemsets(&b, &sets, &p).expect("valid");
        assert_eq!(split, rules(&b, &p).expect("valid"));
        // Missing subsets: the split is skipped, not a panic.
        let pairs_only: Vec<Itemset> = sets.into_iter().filter(|s| s.items.len() == 2).collect();
        assert!(rules_from_itemsets(&b, &pairs_only, &p).expect("valid").is_empty());
    }

    #[test]
    fn max_len_two_gives_pair_rules_only() {
        let rs = rules(&tsk(), &RuleParams::new(0.4, 0.0).with_max_len(2)).expect("valid");
        assert_eq!(rs.len(), 16);
        assert!(rs.iter().all(|r| r.antecedent.len() == 1));
    }

    #[test]
    fn empty_and_single_item_baskets_give_no_rules() {
        let none = Baskets::default();
        assert!(rules(&none, &RuleParams::new(0.1, 0.0)).expect("valid").is_empty());
        let singles = Baskets::from_transactions(vec![vec!["a"], vec!["b"], vec!["a"], vec![]]);
        assert!(rules(&singles, &RuleParams::new(0.1, 0.0)).expect("valid").is_empty());
    }

    #[test]
    fn invalid_parameters_are_named() {
        let b = tsk();
        let cases: Vec<(RuleParams, &str)> = vec![
            (RuleParams::new(0.0, 0.5), "min_support = 0"),
            (RuleParams::new(1.5, 0.5), "min_support = 1.5"),
            (RuleParams::new(f64::NAN, 0.5), "min_support = NaN"),
            (RuleParams::new(0.1, 1.2), "min_confidence = 1.2"),
            (RuleParams::new(0.1, -0.1), "min_confidence = -0.1"),
            (RuleParams::new(0.1, 0.5).with_max_len(1), "max_len = 1"),
            (RuleParams::new(0.1, 0.5).with_max_consequent(0), "max_consequent = 0"),
            (RuleParams::new(0.1, 0.5).with_min_lift(f64::NAN), "min_lift = NaN"),
            (RuleParams::new(0.1, 0.5).with_min_lift(-1.0), "min_lift = -1"),
        ];
        for (p, needle) in cases {
            let err = rules(&b, &p).expect_err("must be rejected");
            // Compared as text: NaN != NaN.
            let direct = p.validate().expect_err("validate agrees");
            assert_eq!(direct.to_string(), err.to_string());
            assert!(err.to_string().contains(needle), "{err} should mention {needle}");
        }
        assert!(RuleParams::new(1.0, 1.0).with_max_len(2).validate().is_ok());
    }

    #[test]
    fn combinations_enumerate_in_order() {
        let mut seen = Vec::new();
        for_each_combination(4, 2, |c| seen.push(c.to_vec()));
        assert_eq!(
            seen,
            vec![vec![0, 1], vec![0, 2], vec![0, 3], vec![1, 2], vec![1, 3], vec![2, 3]]
        );
        let mut count = 0;
        for_each_combination(3, 4, |_| count += 1);
        for_each_combination(3, 0, |_| count += 1);
        assert_eq!(count, 0);
    }

    #[test]
    fn serializes_to_json_fields() {
        let rs = rules(&tsk(), &RuleParams::new(0.4, 0.9)).expect("valid");
        let json = serde_json::to_string(&rs[0]).expect("serializable");
        for field in [
            "antecedent",
            "consequent",
            "support",
            "confidence",
            "lift",
            "leverage",
            "conviction",
            "antecedent_support",
            "consequent_support",
            "count",
        ] {
            assert!(json.contains(&format!("\"{field}\"")), "{json}");
        }
    }
}
