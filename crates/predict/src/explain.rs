//! From contributions to words: global importance, and per-person reasons in Chinese and
//! English.
//!
//! A reason is the sentence of `huaxiang_ml::semantics` for the feature and the person's value
//! ("已 120 天未下单" / "no order in 120 days"). One-hot columns from a label file
//! (`Contract=Month-to-month`) read as the category itself: `Contract=Month-to-month` when the
//! person is in it and `Contract≠Month-to-month` when being *outside* it is what moved the
//! score; when the base column is one the semantics table knows (`favourite_channel=app`), its
//! own category sentence is used instead. A missing value reads "<label>: 未知" / "<label>: unknown".

use huaxiang_ml::label_file::split_one_hot;
use huaxiang_ml::semantics::{is_known, meaning};
use serde::{Deserialize, Serialize};

use crate::estimator::Contributions;

/// One feature's share of the model's attention.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureImportance {
    pub feature: String,
    /// Mean |contribution| in log-odds over the rows it was measured on.
    pub mean_abs_contribution: f64,
    /// The same, as a share of the total over all features.
    pub share: f64,
}

/// Global importance from contributions, largest first.
pub fn importance(c: &Contributions) -> Vec<FeatureImportance> {
    let p = c.feature_names.len();
    let n = c.values.len().checked_div(p).unwrap_or(0);
    let mut sums = vec![0.0; p];
    for i in 0..n {
        for (s, v) in sums.iter_mut().zip(c.row(i)) {
            *s += v.abs();
        }
    }
    let total: f64 = sums.iter().sum();
    let mut out: Vec<FeatureImportance> = c
        .feature_names
        .iter()
        .zip(&sums)
        .map(|(f, s)| FeatureImportance {
            feature: f.clone(),
            mean_abs_contribution: s / n.max(1) as f64,
            share: if total > 0.0 { s / total } else { 0.0 },
        })
        .collect();
    out.sort_by(|a, b| {
        b.mean_abs_contribution
            .total_cmp(&a.mean_abs_contribution)
            .then(a.feature.cmp(&b.feature))
    });
    out
}

/// One contributing feature of one person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub feature: String,
    /// The person's value (`None` when missing).
    pub value: Option<f64>,
    /// Signed push on the log-odds: positive raises the score.
    pub contribution: f64,
    pub zh: String,
    pub en: String,
}

/// A person's score with the features that moved it most.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    pub id: Option<String>,
    pub score: f64,
    /// Log-odds before anything is known about the person; `base + Σ all contributions` is the
    /// person's log-odds.
    pub base: f64,
    /// The top-k features by |contribution|, largest first.
    pub reasons: Vec<Reason>,
}

/// The reason sentences for a feature value, (Chinese, English).
pub fn reason_text(feature: &str, value: f64) -> (String, String) {
    if let Some((column, category)) = split_one_hot(feature) {
        if value.is_nan() {
            return (format!("{column}: 未知"), format!("{column}: unknown"));
        }
        if value >= 0.5 {
            if is_known(column) {
                let b = meaning(column).reason_for_text(category);
                return (b.zh, b.en);
            }
            return (feature.to_string(), feature.to_string());
        }
        let not = format!("{column}≠{category}");
        return (not.clone(), not);
    }
    let m = meaning(feature);
    if value.is_nan() {
        return (format!("{}: 未知", m.label.zh), format!("{}: unknown", m.label.en));
    }
    let b = m.reason_for(value);
    (b.zh, b.en)
}

/// The top-k reasons of row `i` (ties broken by feature name).
pub fn top_reasons(c: &Contributions, i: usize, values: &[f64], k: usize) -> Vec<Reason> {
    let phi = c.row(i);
    let mut order: Vec<usize> = (0..phi.len()).collect();
    order.sort_by(|&a, &b| {
        phi[b]
            .abs()
            .total_cmp(&phi[a].abs())
            .then(c.feature_names[a].cmp(&c.feature_names[b]))
    });
    order
        .into_iter()
        .take(k)
        .map(|j| {
            let name = &c.feature_names[j];
            let (zh, en) = reason_text(name, values[j]);
            Reason {
                feature: name.clone(),
                value: if values[j].is_nan() { None } else { Some(values[j]) },
                contribution: phi[j],
                zh,
                en,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_render_in_both_languages() {
        assert_eq!(
            reason_text("recency_days", 120.0),
            ("已 120 天未下单".into(), "no order in 120 days".into())
        );
        assert_eq!(
            reason_text("Contract=Month-to-month", 1.0),
            ("Contract=Month-to-month".into(), "Contract=Month-to-month".into())
        );
        assert_eq!(reason_text("Contract=Two year", 0.0).1, "Contract≠Two year");
        assert_eq!(
            reason_text("favourite_channel=app", 1.0),
            ("最常用渠道 app".into(), "favourite channel app".into())
        );
        assert_eq!(
            reason_text("mean_rating", f64::NAN),
            ("平均评分: 未知".into(), "mean ticket rating: unknown".into())
        );
        assert_eq!(reason_text("MonthlyCharges", 29.85).1, "MonthlyCharges is 29.85");
    }

    #[test]
    fn top_reasons_are_largest_first_and_importance_sums_to_one() {
        let c = Contributions {
            feature_names: vec!["a".into(), "recency_days".into(), "c".into()],
            base: 0.0,
            values: vec![0.1, -0.9, 0.5, 0.2, 0.3, -0.1],
        };
        let r = top_reasons(&c, 0, &[1.0, 200.0, 3.0], 2);
        assert_eq!(
            r.iter().map(|x| x.feature.as_str()).collect::<Vec<_>>(),
            vec!["recency_days", "c"]
        );
        assert_eq!(r[0].contribution, -0.9);
        assert_eq!(r[0].en, "no order in 200 days");
        let imp = importance(&c);
        assert_eq!(imp[0].feature, "recency_days");
        assert!((imp.iter().map(|f| f.share).sum::<f64>() - 1.0).abs() < 1e-12);
    }
}
