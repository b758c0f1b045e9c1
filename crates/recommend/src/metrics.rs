//! Ranking metrics on one ranked list (pure functions, hand-checkable).
//!
//! All take the ranked list best-first and look at its first `k` entries.
//! - precision@k = hits / k (a list shorter than `k` still divides by `k`);
//! - recall@k = hits / |relevant| (the standard definition, *not*
//!   hits / min(k, |relevant|), so a user with 30 test items cannot reach
//!   recall 1 at k = 10);
//! - NDCG@k = DCG / IDCG with binary gains, DCG = Σ_{hit at rank r} 1/log2(r+1)
//!   and IDCG the DCG of a perfect list, Σ_{r=1}^{min(k,|relevant|)} 1/log2(r+1);
//! - hit@k = 1 if the single target is in the first `k`, and the reciprocal
//!   rank is 1/r for a target at rank r ≤ k, else 0 (MRR@k averages it).

/// Number of the first `k` ranked items that are relevant.
pub fn hits_at_k<T: PartialEq>(ranked: &[T], relevant: &[T], k: usize) -> usize {
    ranked.iter().take(k).filter(|r| relevant.contains(r)).count()
}

/// hits / k; 0 when `k` is 0.
pub fn precision_at_k<T: PartialEq>(ranked: &[T], relevant: &[T], k: usize) -> f64 {
    if k == 0 {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / k as f64
}

/// hits / |relevant|; 0 when nothing is relevant.
pub fn recall_at_k<T: PartialEq>(ranked: &[T], relevant: &[T], k: usize) -> f64 {
    if relevant.is_empty() {
        return 0.0;
    }
    hits_at_k(ranked, relevant, k) as f64 / relevant.len() as f64
}

/// Binary-gain NDCG@k; 0 when nothing is relevant.
pub fn ndcg_at_k<T: PartialEq>(ranked: &[T], relevant: &[T], k: usize) -> f64 {
    let discount = |rank: usize| 1.0 / ((rank + 1) as f64).log2();
    let dcg: f64 = ranked
        .iter()
        .take(k)
        .enumerate()
        .filter(|(_, r)| relevant.contains(r))
        .map(|(i, _)| discount(i + 1))
        .sum();
    let ideal: f64 = (1..=k.min(relevant.len())).map(discount).sum();
    if ideal == 0.0 { 0.0 } else { dcg / ideal }
}

/// 1-based rank of `target` within the first `k`, if present.
pub fn rank_of<T: PartialEq>(ranked: &[T], target: &T, k: usize) -> Option<usize> {
    ranked.iter().take(k).position(|r| r == target).map(|p| p + 1)
}

/// 1/rank of `target` within the first `k`, else 0.
pub fn reciprocal_rank<T: PartialEq>(ranked: &[T], target: &T, k: usize) -> f64 {
    rank_of(ranked, target, k).map_or(0.0, |r| 1.0 / r as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ranks() {
        // relevant items at ranks 1 and 3 of a 5-list, 4 relevant in total
        let ranked = [10, 20, 30, 40, 50];
        let relevant = [10, 30, 99, 98];
        assert_eq!(hits_at_k(&ranked, &relevant, 5), 2);
        assert!((precision_at_k(&ranked, &relevant, 5) - 0.4).abs() < 1e-12);
        assert!((recall_at_k(&ranked, &relevant, 5) - 0.5).abs() < 1e-12);
        let dcg = 1.0 + 1.0 / 4f64.log2();
        let idcg = 1.0 + 1.0 / 3f64.log2() + 1.0 / 4f64.log2() + 1.0 / 5f64.log2();
        assert!((ndcg_at_k(&ranked, &relevant, 5) - dcg / idcg).abs() < 1e-12);
        // cut-off at 2: only the first hit counts
        assert!((recall_at_k(&ranked, &relevant, 2) - 0.25).abs() < 1e-12);
        let idcg2 = 1.0 + 1.0 / 3f64.log2();
        assert!((ndcg_at_k(&ranked, &relevant, 2) - 1.0 / idcg2).abs() < 1e-12);
    }

    #[test]
    fn perfect_and_empty_lists() {
        assert!((ndcg_at_k(&[1, 2], &[2, 1], 10) - 1.0).abs() < 1e-12);
        assert_eq!(ndcg_at_k::<u32>(&[], &[1], 10), 0.0);
        assert_eq!(recall_at_k::<u32>(&[1], &[], 10), 0.0);
        assert_eq!(precision_at_k(&[1], &[1], 0), 0.0);
        // short list still divides by k
        assert!((precision_at_k(&[1], &[1], 10) - 0.1).abs() < 1e-12);
    }

    #[test]
    fn reciprocal_rank_and_hits() {
        let ranked = ["a", "b", "c"];
        assert_eq!(rank_of(&ranked, &"c", 20), Some(3));
        assert!((reciprocal_rank(&ranked, &"b", 20) - 0.5).abs() < 1e-12);
        assert_eq!(reciprocal_rank(&ranked, &"c", 2), 0.0);
        assert_eq!(reciprocal_rank(&ranked, &"z", 20), 0.0);
    }
}
