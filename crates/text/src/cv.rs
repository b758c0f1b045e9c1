//! Stratified k-fold cross-validation of the sentiment classifier, trained from scratch on
//! each fold's training part, with the fold scores averaged as scikit-learn's
//! `cross_validate` reports them.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::folds::stratified_folds;
use crate::metrics::{accuracy, f1_score, macro_f1, roc_auc, roc_auc_ovr};
use crate::params::SentimentParams;
use crate::sentiment::train;

/// Scores of one fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldScore {
    /// Texts in the fold's test part.
    pub n_test: usize,
    /// Accuracy on the test part.
    pub accuracy: f64,
    /// F1 of the positive class (binary) or macro F1 (multi-class).
    pub f1: f64,
    /// ROC-AUC (binary) or macro one-vs-rest ROC-AUC (multi-class).
    pub roc_auc: f64,
}

/// Cross-validation result: means over folds, and each fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// The classes, sorted.
    pub classes: Vec<String>,
    /// For two classes, the class whose F1 and AUC are reported: the one that sorts last
    /// ("1" over "0", "positive" over "negative"). `None` for multi-class (macro averages).
    pub positive_class: Option<String>,
    /// Mean accuracy over folds.
    pub accuracy: f64,
    /// Mean F1 over folds.
    pub f1: f64,
    /// Mean ROC-AUC over folds.
    pub roc_auc: f64,
    /// Every fold's scores, in fold order.
    pub folds: Vec<FoldScore>,
}

/// Stratified `folds`-fold cross-validation with shuffling by `seed`: for each fold, a model
/// is trained with `params` on the other folds and scored on this one.
///
/// Folds run in parallel on the available cores (at most `folds` threads); the result does
/// not depend on how many.
pub fn cross_validate<S, L>(
    texts: &[S],
    labels: &[L],
    folds: usize,
    seed: u64,
    params: &SentimentParams,
) -> Result<CvReport>
where
    S: AsRef<str> + Sync,
    L: AsRef<str> + Sync,
{
    params.validate()?;
    let classes = crate::sentiment::distinct_classes(texts.len(), labels, "cross-validation")?;
    let keys: Vec<&str> = labels.iter().map(AsRef::as_ref).collect();
    let test_sets = stratified_folds(&keys, folds, seed)?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, folds);
    let mut results: Vec<Option<Result<FoldScore>>> = (0..folds).map(|_| None).collect();
    for chunk_start in (0..folds).step_by(threads) {
        let chunk_end = (chunk_start + threads).min(folds);
        std::thread::scope(|scope| {
            let handles: Vec<_> = (chunk_start..chunk_end)
                .map(|f| {
                    let test = &test_sets[f];
                    let classes = &classes;
                    scope.spawn(move || score_fold(texts, labels, test, classes, params))
                })
                .collect();
            for (f, h) in (chunk_start..chunk_end).zip(handles) {
                results[f] = Some(
                    h.join()
                        .unwrap_or_else(|_| Err(Error::Data("a fold's thread panicked".into()))),
                );
            }
        });
    }
    let fold_scores = results
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(Error::Data("a fold was not run".into()))))
        .collect::<Result<Vec<_>>>()?;
    let mean = |f: fn(&FoldScore) -> f64| fold_scores.iter().map(f).sum::<f64>() / fold_scores.len() as f64;
    Ok(CvReport {
        positive_class: (classes.len() == 2).then(|| classes[1].clone()),
        accuracy: mean(|s| s.accuracy),
        f1: mean(|s| s.f1),
        roc_auc: mean(|s| s.roc_auc),
        classes,
        folds: fold_scores,
    })
}

fn score_fold<S: AsRef<str>, L: AsRef<str>>(
    texts: &[S],
    labels: &[L],
    test: &[usize],
    classes: &[String],
    params: &SentimentParams,
) -> Result<FoldScore> {
    let mut is_test = vec![false; texts.len()];
    for &i in test {
        is_test[i] = true;
    }
    let train_idx: Vec<usize> = (0..texts.len()).filter(|&i| !is_test[i]).collect();
    let tr_texts: Vec<&str> = train_idx.iter().map(|&i| texts[i].as_ref()).collect();
    let tr_labels: Vec<&str> = train_idx.iter().map(|&i| labels[i].as_ref()).collect();
    let model = train(&tr_texts, &tr_labels, params)?;
    // Every class is in every training part (stratification), so the model's classes are
    // the global ones; map by name anyway.
    let class_of = |name: &str| classes.iter().position(|c| c == name).unwrap_or(0);
    let model_to_global: Vec<usize> = model.classes().iter().map(|c| class_of(c)).collect();
    let mut truth = Vec::with_capacity(test.len());
    let mut pred = Vec::with_capacity(test.len());
    let mut proba = Vec::with_capacity(test.len());
    for &i in test {
        let p_model = model.predict_proba(texts[i].as_ref());
        let mut p = vec![0.0; classes.len()];
        for (k, &g) in model_to_global.iter().enumerate() {
            p[g] = p_model[k];
        }
        let best = p
            .iter()
            .enumerate()
            .fold((0, f64::NEG_INFINITY), |b, (k, &v)| if v > b.1 { (k, v) } else { b })
            .0;
        truth.push(class_of(labels[i].as_ref()));
        pred.push(best);
        proba.push(p);
    }
    let acc = accuracy(&truth, &pred);
    let (f1, auc) = if classes.len() == 2 {
        let pos: Vec<bool> = truth.iter().map(|&t| t == 1).collect();
        let scores: Vec<f64> = proba.iter().map(|p| p[1]).collect();
        (f1_score(&truth, &pred, &1), roc_auc(&pos, &scores).unwrap_or(f64::NAN))
    } else {
        let all: Vec<usize> = (0..classes.len()).collect();
        (
            macro_f1(&truth, &pred, &all),
            roc_auc_ovr(&truth, &proba, classes.len()).unwrap_or(f64::NAN),
        )
    };
    Ok(FoldScore {
        n_test: test.len(),
        accuracy: acc,
        f1,
        roc_auc: auc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learnable_toy_data_scores_high() {
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        let goods = ["好吃", "满意", "很快", "推荐"];
        let bads = ["难吃", "失望", "太慢", "差评"];
        for i in 0..40 {
            texts.push(format!("{}{}", goods[i % 4], goods[(i / 4) % 4]));
            labels.push("pos");
            texts.push(format!("{}{}", bads[i % 4], bads[(i / 4) % 4]));
            labels.push("neg");
        }
        let r = cross_validate(&texts, &labels, 4, 1, &SentimentParams::default()).expect("runs");
        assert_eq!(r.positive_class.as_deref(), Some("pos"));
        assert_eq!(r.folds.len(), 4);
        assert_eq!(r.folds.iter().map(|f| f.n_test).sum::<usize>(), 80);
        assert!(r.accuracy > 0.95 && r.f1 > 0.95 && r.roc_auc > 0.99, "{r:?}");
        let again = cross_validate(&texts, &labels, 4, 1, &SentimentParams::default()).expect("runs");
        assert_eq!(r, again);
    }

    #[test]
    fn multiclass_uses_macro_scores() {
        let words = [("好评", "positive"), ("差评", "negative"), ("咨询", "neutral")];
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        for i in 0..30 {
            let (w, l) = words[i % 3];
            texts.push(format!("{w}{}", i % 5));
            labels.push(l);
        }
        let r = cross_validate(
            &texts,
            &labels,
            3,
            7,
            &SentimentParams {
                min_df: 1,
                ..Default::default()
            },
        )
        .expect("runs");
        assert_eq!(r.positive_class, None);
        assert!(r.accuracy > 0.9 && r.f1 > 0.9 && r.roc_auc > 0.9, "{r:?}");
    }
}
