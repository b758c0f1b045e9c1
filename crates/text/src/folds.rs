//! Stratified k-fold splits with shuffling: every fold keeps the class proportions of the
//! whole data set (to within one text per class), so a rare class is never missing from a
//! training set and fold scores are comparable.

use std::collections::BTreeMap;

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// The test indices of each of `k` folds (each sorted). Indices of each class are shuffled
/// with `seed`, then dealt to the folds in turn, one class after another, continuing the
/// turn across classes so fold sizes also differ by at most one.
///
/// Fails when `k < 2` or a class has fewer than `k` members (one fold would have none).
pub fn stratified_folds<L: Ord>(labels: &[L], k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if k < 2 {
        return Err(Error::param("folds", k, "at least 2"));
    }
    let mut by_class: BTreeMap<&L, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_class.entry(l).or_default().push(i);
    }
    if let Some(smallest) = by_class.values().map(Vec::len).min()
        && smallest < k
    {
        return Err(Error::Data(format!(
            "a class has only {smallest} texts, fewer than the {k} folds asked for"
        )));
    }
    let mut rng = SplitMix64::new(seed);
    let mut folds = vec![Vec::new(); k];
    let mut turn = 0;
    for members in by_class.values_mut() {
        rng.shuffle(members);
        for &i in members.iter() {
            folds[turn % k].push(i);
            turn += 1;
        }
    }
    for f in &mut folds {
        f.sort_unstable();
    }
    Ok(folds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_partition_and_stratify() {
        let labels: Vec<&str> = (0..103)
            .map(|i| {
                if i % 5 == 0 {
                    "neg"
                } else if i % 5 == 1 {
                    "mid"
                } else {
                    "pos"
                }
            })
            .collect();
        let folds = stratified_folds(&labels, 5, 42).expect("enough per class");
        let mut all: Vec<usize> = folds.concat();
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        for class in ["neg", "mid", "pos"] {
            let counts: Vec<usize> = folds
                .iter()
                .map(|f| f.iter().filter(|&&i| labels[i] == class).count())
                .collect();
            let (lo, hi) = (counts.iter().min(), counts.iter().max());
            assert!(hi.zip(lo).is_some_and(|(h, l)| h - l <= 1), "{class}: {counts:?}");
        }
        let sizes: Vec<usize> = folds.iter().map(Vec::len).collect();
        assert!(
            sizes
                .iter()
                .max()
                .zip(sizes.iter().min())
                .is_some_and(|(h, l)| h - l <= 1)
        );
        // Shuffled (not the first indices in the first fold), and reproducible.
        assert_ne!(folds[0][..5], [0, 1, 2, 3, 4]);
        assert_eq!(folds, stratified_folds(&labels, 5, 42).expect("same"));
        assert_ne!(folds, stratified_folds(&labels, 5, 43).expect("other seed"));
    }

    #[test]
    fn rejects_too_few() {
        assert!(stratified_folds(&["a", "a", "b"], 2, 0).is_err());
        assert!(stratified_folds(&["a", "a"], 1, 0).is_err());
    }
}
