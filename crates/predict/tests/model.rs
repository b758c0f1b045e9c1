//! The model's life outside training: pre-training checks, serialisation, scoring by column name,
//! and reasons in both languages.
#![allow(clippy::unwrap_used)]

mod common;

use huaxiang_ml::Predict;
use huaxiang_predict::error::PredictError;
use huaxiang_predict::estimator::ModelKind;
use huaxiang_predict::model::Model;
use huaxiang_predict::train::{ModelChoice, TrainOptions, train};

fn quick(model: ModelChoice) -> TrainOptions {
    TrainOptions {
        model,
        cv_folds: 3,
        ..TrainOptions::default()
    }
}

#[test]
fn a_planted_copy_of_the_label_is_excluded_and_reported() {
    let d = common::synthetic(3000, 1);
    let y = d.labels().unwrap().to_vec();
    // Append the label itself, flipped on 0.5% of rows, as a feature named like a real one.
    let mut names = d.columns().to_vec();
    names.push("cancelled_flag".into());
    let rows: Vec<Vec<f64>> = (0..d.n_rows())
        .map(|i| {
            let mut r = d.row(i).to_vec();
            let v = if y[i] { 1.0 } else { 0.0 };
            r.push(if i % 200 == 0 { 1.0 - v } else { v });
            r
        })
        .collect();
    let leaky = huaxiang_ml::Dataset::from_rows(names, &rows)
        .unwrap()
        .with_labels(y)
        .unwrap();
    let out = train(&leaky, &quick(ModelChoice::Gbdt)).unwrap();
    let excluded: Vec<&str> = out.model.training.excluded.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(excluded, vec!["cancelled_flag"]);
    assert!(!out.model.feature_names.iter().any(|f| f == "cancelled_flag"));
    assert!(
        out.checks
            .messages()
            .iter()
            .any(|m| m.contains("cancelled_flag") && m.contains("excluded"))
    );
    // Honest features give an honest AUC, not ~1.0.
    let auc = out
        .model
        .evaluation
        .as_ref()
        .unwrap()
        .gbdt
        .as_ref()
        .unwrap()
        .mean
        .roc_auc;
    assert!(auc > 0.7 && auc < 0.95, "{auc}");
}

#[test]
fn fewer_than_100_positives_refuse_to_train() {
    let d = common::synthetic(3000, 2);
    let y = d.labels().unwrap();
    // Keep every negative and only 99 positives.
    let mut keep: Vec<usize> = (0..d.n_rows()).filter(|&i| !y[i]).collect();
    keep.extend((0..d.n_rows()).filter(|&i| y[i]).take(99));
    keep.sort_unstable();
    let small = d.select_rows(&keep).unwrap();
    let err = train(&small, &quick(ModelChoice::Best)).unwrap_err();
    assert!(
        matches!(
            err,
            PredictError::TooFewLabels {
                positives: 99,
                min: 100,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("99 positive"), "{err}");
}

#[test]
fn json_round_trip_scores_identically_for_both_kinds() {
    let d = common::synthetic(2500, 3);
    for choice in [ModelChoice::Gbdt, ModelChoice::Logistic] {
        let out = train(
            &d,
            &TrainOptions {
                cv_folds: 0,
                ..quick(choice)
            },
        )
        .unwrap();
        let json = out.model.to_json().unwrap();
        let back = Model::from_json(&json).unwrap();
        assert_eq!(back, out.model);
        let a = out.model.predict(&d).unwrap();
        let b = back.predict(&d).unwrap();
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()), "{choice:?}");
        assert!(json.contains("\"data_hash\": \"sha256:"));
        assert!(out.model.evaluation.is_none());
    }
    assert!(Model::from_json("{\"format_version\": 1}").is_err());
}

#[test]
fn scoring_matches_columns_by_name_and_names_a_missing_one() {
    let d = common::synthetic(2000, 4);
    let out = train(&d, &quick(ModelChoice::Best)).unwrap();
    let m = &out.model;
    let mut reversed: Vec<String> = d.columns().to_vec();
    reversed.reverse();
    let shuffled = d.select_columns(&reversed).unwrap();
    assert_eq!(m.score(&d).unwrap(), m.score(&shuffled).unwrap());
    let s = m.score(&d).unwrap();
    assert_eq!(s.ids.as_ref().unwrap()[0], "P00000");
    assert!(s.percentiles.iter().all(|&p| p > 0.0 && p <= 100.0));
    let top = s.scores.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
    assert_eq!(s.percentiles[top], 100.0);

    let without = d.drop_columns(&["recency_days"]);
    let err = m.score(&without).unwrap_err().to_string();
    assert!(err.contains("`recency_days`"), "{err}");
}

#[test]
fn reasons_render_in_chinese_and_english_and_add_up() {
    let d = common::synthetic(3000, 5);
    for choice in [ModelChoice::Gbdt, ModelChoice::Logistic] {
        let out = train(
            &d,
            &TrainOptions {
                cv_folds: 0,
                ..quick(choice)
            },
        )
        .unwrap();
        let m = &out.model;
        assert_eq!(
            m.importance[0].feature, "recency_days",
            "{:?}: {:?}",
            m.kind, m.importance
        );
        let rows = d.select_rows(&[0, 1, 2, 3]).unwrap();
        let ex = m.explain(&rows, 3).unwrap();
        let scores = m.predict(&rows).unwrap();
        let c = m.contributions(&rows).unwrap();
        for (i, e) in ex.iter().enumerate() {
            assert!((e.score - scores[i]).abs() < 1e-12);
            let total = c.base + c.row(i).iter().sum::<f64>();
            assert!((1.0 / (1.0 + (-total).exp()) - scores[i]).abs() < 1e-12);
            assert_eq!(e.reasons.len(), 3);
            assert!(
                e.reasons
                    .windows(2)
                    .all(|w| w[0].contribution.abs() >= w[1].contribution.abs())
            );
        }
        // Recency is the strongest driver for somebody long gone: its reason in both languages.
        let r = ex
            .iter()
            .flat_map(|e| &e.reasons)
            .find(|r| r.feature == "recency_days")
            .unwrap();
        let v = r.value.unwrap().round() as i64;
        assert_eq!(r.zh, format!("已 {v} 天未下单"));
        assert_eq!(r.en, format!("no order in {v} days"));
        if m.kind == ModelKind::Gbdt {
            assert!(
                ex.iter()
                    .flat_map(|e| &e.reasons)
                    .all(|r| !r.zh.is_empty() && !r.en.is_empty())
            );
        }
    }
}
