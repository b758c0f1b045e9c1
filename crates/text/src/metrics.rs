//! Classification metrics, defined as scikit-learn's: accuracy, F1 (one class or macro) and
//! ROC-AUC (binary, or macro one-vs-rest).

/// Share of predictions equal to the truth (0 for empty input).
pub fn accuracy<T: PartialEq>(truth: &[T], predicted: &[T]) -> f64 {
    if truth.is_empty() {
        return 0.0;
    }
    truth.iter().zip(predicted).filter(|(a, b)| a == b).count() as f64 / truth.len() as f64
}

/// F1 of class `positive`: `2·TP / (2·TP + FP + FN)`, 0 when the class is neither present
/// nor predicted (scikit-learn's `zero_division=0`).
pub fn f1_score<T: PartialEq>(truth: &[T], predicted: &[T], positive: &T) -> f64 {
    let (mut tp, mut fp, mut fneg) = (0usize, 0usize, 0usize);
    for (t, p) in truth.iter().zip(predicted) {
        match (t == positive, p == positive) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            (false, false) => {}
        }
    }
    let denom = 2 * tp + fp + fneg;
    if denom == 0 {
        0.0
    } else {
        2.0 * tp as f64 / denom as f64
    }
}

/// Unweighted mean of the F1 of every class in `classes`.
pub fn macro_f1<T: PartialEq>(truth: &[T], predicted: &[T], classes: &[T]) -> f64 {
    if classes.is_empty() {
        return 0.0;
    }
    classes.iter().map(|c| f1_score(truth, predicted, c)).sum::<f64>() / classes.len() as f64
}

/// Area under the ROC curve of `scores` for the positives marked in `truth`: the
/// probability that a random positive scores above a random negative, ties counting half
/// (Mann–Whitney U with mid-ranks). `None` when either class is absent.
pub fn roc_auc(truth: &[bool], scores: &[f64]) -> Option<f64> {
    let n = truth.len().min(scores.len());
    let n_pos = truth[..n].iter().filter(|&&t| t).count();
    let n_neg = n - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += mid_rank * order[i..=j].iter().filter(|&&k| truth[k]).count() as f64;
        i = j + 1;
    }
    let u = rank_sum_pos - (n_pos * (n_pos + 1)) as f64 / 2.0;
    Some(u / (n_pos as f64 * n_neg as f64))
}

/// Macro one-vs-rest ROC-AUC: for every class `k` present and absent in `truth`, the AUC of
/// `proba[i][k]` for "is class k", averaged. `truth` holds class indices into each row of
/// `proba`. `None` when no class can be scored.
pub fn roc_auc_ovr(truth: &[usize], proba: &[Vec<f64>], n_classes: usize) -> Option<f64> {
    let aucs: Vec<f64> = (0..n_classes)
        .filter_map(|k| {
            let is_k: Vec<bool> = truth.iter().map(|&t| t == k).collect();
            let s: Vec<f64> = proba.iter().map(|p| p.get(k).copied().unwrap_or(0.0)).collect();
            roc_auc(&is_k, &s)
        })
        .collect();
    if aucs.is_empty() {
        None
    } else {
        Some(aucs.iter().sum::<f64>() / aucs.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_matches_sklearn() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        let auc = roc_auc(&[false, false, true, true], &[0.1, 0.4, 0.35, 0.8]);
        assert_eq!(auc, Some(0.75));
        // Ties count half: roc_auc_score([0, 1], [0.5, 0.5]) == 0.5
        assert_eq!(roc_auc(&[false, true], &[0.5, 0.5]), Some(0.5));
        assert_eq!(roc_auc(&[true, true], &[0.5, 0.2]), None);
        // Perfect and reversed.
        assert_eq!(roc_auc(&[false, true, true], &[0.0, 1.0, 2.0]), Some(1.0));
        assert_eq!(roc_auc(&[true, false], &[0.0, 1.0]), Some(0.0));
    }

    #[test]
    fn f1_and_accuracy() {
        let t = [1, 1, 0, 0, 1];
        let p = [1, 0, 0, 1, 1];
        assert_eq!(accuracy(&t, &p), 0.6);
        // TP 2, FP 1, FN 1 → 4/6.
        assert!((f1_score(&t, &p, &1) - 4.0 / 6.0).abs() < 1e-12);
        // class 0: TP 1, FP 1, FN 1 → 0.5; macro = (0.5 + 2/3) / 2
        assert!((macro_f1(&t, &p, &[0, 1]) - (0.5 + 4.0 / 6.0) / 2.0).abs() < 1e-12);
        assert_eq!(f1_score(&[0, 0], &[0, 0], &1), 0.0);
    }

    #[test]
    fn ovr_auc_averages_classes() {
        let truth = [0, 1, 2, 2];
        let proba = vec![
            vec![0.8, 0.1, 0.1],
            vec![0.2, 0.7, 0.1],
            vec![0.1, 0.2, 0.7],
            vec![0.3, 0.3, 0.4],
        ];
        assert_eq!(roc_auc_ovr(&truth, &proba, 3), Some(1.0));
    }
}
