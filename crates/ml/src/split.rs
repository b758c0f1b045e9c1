//! Seeded, stratified splits: k-fold for cross-validation and one train/test split.
//!
//! Stratified because churn-like labels are often a minority: an unlucky fold without
//! positives has no AUC. Seeded (ChaCha8 from the seed) so that the same seed gives the same
//! folds on every machine and every run; a report that says "5-fold, seed 42" can be redone.
//!
//! Rule for k-fold: the row indices of each class are shuffled separately; then the positives
//! and after them the negatives are dealt to folds 0, 1, …, k−1, 0, 1, … continuing the
//! rotation across the two classes. Every fold gets ⌊n_c/k⌋ or ⌈n_c/k⌉ rows of each class c,
//! and fold sizes differ by at most one.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::error::MlError;

/// One fold: the rows to train on and the rows to evaluate on (both ascending).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fold {
    pub train: Vec<usize>,
    pub test: Vec<usize>,
}

fn class_indices(labels: &[bool], rng: &mut ChaCha8Rng) -> [Vec<usize>; 2] {
    let mut pos: Vec<usize> = (0..labels.len()).filter(|&i| labels[i]).collect();
    let mut neg: Vec<usize> = (0..labels.len()).filter(|&i| !labels[i]).collect();
    pos.shuffle(rng);
    neg.shuffle(rng);
    [pos, neg]
}

/// `k` stratified folds of the rows. Fails when `k < 2` or a class has fewer than `k` rows
/// (a fold would miss it).
pub fn stratified_kfold(labels: &[bool], k: usize, seed: u64) -> Result<Vec<Fold>, MlError> {
    if k < 2 {
        return Err(MlError::param("k", k, "k-fold needs at least 2 folds"));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let classes = class_indices(labels, &mut rng);
    for (c, name) in classes.iter().zip(["positive", "negative"]) {
        if c.len() < k {
            return Err(MlError::Split(format!("{} {name} rows cannot fill {k} folds", c.len())));
        }
    }
    let mut fold_of = vec![0usize; labels.len()];
    let mut next = 0usize;
    for class in &classes {
        for &i in class {
            fold_of[i] = next % k;
            next += 1;
        }
    }
    Ok((0..k)
        .map(|f| {
            let (test, train): (Vec<usize>, Vec<usize>) = (0..labels.len()).partition(|&i| fold_of[i] == f);
            Fold { train, test }
        })
        .collect())
}

/// One stratified train/test split with `round(test_fraction × n_c)` test rows from each class c.
pub fn stratified_split(labels: &[bool], test_fraction: f64, seed: u64) -> Result<Fold, MlError> {
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(MlError::param(
            "test_fraction",
            test_fraction,
            "must be strictly between 0 and 1",
        ));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let classes = class_indices(labels, &mut rng);
    let mut in_test = vec![false; labels.len()];
    for class in &classes {
        let n_test = (class.len() as f64 * test_fraction).round() as usize;
        for &i in &class[..n_test] {
            in_test[i] = true;
        }
    }
    let (test, train): (Vec<usize>, Vec<usize>) = (0..labels.len()).partition(|&i| in_test[i]);
    if test.is_empty() || train.is_empty() {
        return Err(MlError::Split(format!(
            "{} rows with test fraction {test_fraction} leave an empty side",
            labels.len()
        )));
    }
    Ok(Fold { train, test })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn labels(n: usize, pos_every: usize) -> Vec<bool> {
        (0..n).map(|i| i % pos_every == 0).collect()
    }

    #[test]
    fn folds_keep_class_ratios_and_cover_every_row_once() {
        let y = labels(1003, 4); // 251 positives, 752 negatives
        let folds = stratified_kfold(&y, 5, 7).unwrap();
        let mut seen = vec![0; y.len()];
        for f in &folds {
            let pos = f.test.iter().filter(|&&i| y[i]).count();
            assert!((50..=51).contains(&pos), "{pos}");
            assert!((200..=201).contains(&f.test.len()), "{}", f.test.len());
            assert_eq!(f.train.len() + f.test.len(), y.len());
            for &i in &f.test {
                seen[i] += 1;
            }
            assert!(f.test.windows(2).all(|w| w[0] < w[1]));
        }
        assert!(seen.iter().all(|&c| c == 1));
    }

    #[test]
    fn same_seed_same_folds_other_seed_other_folds() {
        let y = labels(500, 3);
        assert_eq!(
            stratified_kfold(&y, 5, 42).unwrap(),
            stratified_kfold(&y, 5, 42).unwrap()
        );
        assert_ne!(
            stratified_kfold(&y, 5, 42).unwrap(),
            stratified_kfold(&y, 5, 43).unwrap()
        );
        assert_eq!(
            stratified_split(&y, 0.2, 1).unwrap(),
            stratified_split(&y, 0.2, 1).unwrap()
        );
    }

    #[test]
    fn split_is_stratified() {
        let y = labels(1000, 5); // 200 positives
        let s = stratified_split(&y, 0.2, 3).unwrap();
        assert_eq!(s.test.len(), 200);
        assert_eq!(s.test.iter().filter(|&&i| y[i]).count(), 40);
    }

    #[test]
    fn impossible_splits_are_errors() {
        assert!(stratified_kfold(&labels(10, 5), 5, 0).is_err()); // 2 positives, 5 folds
        assert!(stratified_kfold(&labels(100, 5), 1, 0).is_err());
        assert!(stratified_split(&labels(100, 5), 1.0, 0).is_err());
    }
}
