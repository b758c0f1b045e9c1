//! From named per-person columns to the model matrix, with every decision
//! written down.
//!
//! The steps, in order, each decided per column and recorded in a
//! [`ColumnReport`]:
//!
//! 1. **Missing values**, by the column's [`Kind`] (from the shared feature
//!    semantics): counts, amounts and averages of amounts → 0 (nothing
//!    happened, nothing was spent); rates and shares → 0 (no denominator: no
//!    such events); "days since" columns → the person's `tenure_days` when
//!    the table has it, else the column maximum (the event never happened, so
//!    it is as long ago as we know the person); scores, hours, weekdays and
//!    other numbers → the median. A category's missing values become their
//!    own level `(missing)`.
//! 2. **Constant columns** (one value after filling, or all missing) are
//!    dropped.
//! 3. **log1p** for non-negative counts, amounts and other numbers whose
//!    skewness exceeds [`PreprocessParams::skew_threshold`], and for
//!    non-negative day counts always (durations compare by ratio: 10 vs 40
//!    days apart means more than 700 vs 730) unless `log_days` is off.
//! 4. **Near-duplicate columns**: among the transformed numeric columns, in
//!    input order, a column whose |Pearson r| with an earlier kept one is at
//!    least [`PreprocessParams::corr_threshold`] is dropped (the earlier one
//!    is kept).
//! 5. **Scaling**: standard (mean, sd), or robust (median, IQR/1.349, which
//!    equals the sd for normal data) when a column still has heavy tails
//!    (excess kurtosis above [`PreprocessParams::outlier_kurtosis`]) and a
//!    non-zero IQR.
//! 6. **Redundancy weights**: each kept numeric column is multiplied by
//!    1/√(Σ r²), the sum over the kept numeric columns (itself included) of
//!    its squared correlation with them. A column that shares nothing keeps
//!    weight 1; a group of m columns saying the same thing then weighs about
//!    as much as one column in a squared distance, instead of m. (The
//!    synthetic benchmark has a dozen volume columns — orders, spend, counts
//!    per window — and a few behaviour columns — coupon, night, conversion
//!    shares; unweighted, volume drowns behaviour.)
//! 7. **Categories**: one-hot 0/1, levels rarer than
//!    [`PreprocessParams::rare_share`] or beyond the
//!    [`PreprocessParams::max_levels`] most frequent go to `other`. Dummies
//!    are not scaled: a changed level adds 2 to a squared distance, about
//!    what one standardised column adds between two random persons.
//!
//! The report is also the fitted transform: [`PreprocessReport::transform`]
//! applies the same fills, logs, scales and levels to any table with the
//! same columns, so fit and transform cannot drift apart.

use huaxiang_ml::semantics::{Kind, meaning};
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::table::{ColumnData, FeatureTable};

/// The column that "days since" gaps are filled from when it exists.
pub const TENURE_COLUMN: &str = "tenure_days";
/// The level that missing category values become.
pub const MISSING_LEVEL: &str = "(missing)";
/// The level that rare category values are merged into.
pub const OTHER_LEVEL: &str = "other";

/// Preprocessing thresholds. The defaults were chosen by measurement on the
/// synthetic M/S benchmark (see the crate documentation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreprocessParams {
    /// log1p a non-negative count/amount/number column when its skewness is above this.
    pub skew_threshold: f64,
    /// log1p non-negative day counts regardless of skewness.
    pub log_days: bool,
    /// Drop a column whose |Pearson r| with an earlier kept column is at least this.
    pub corr_threshold: f64,
    /// Scale robustly when the (transformed) column's excess kurtosis is above this.
    pub outlier_kurtosis: f64,
    /// Weight each kept numeric column by 1/√(Σ r²) over the kept columns,
    /// so a group of columns carrying the same information counts about
    /// once in a distance instead of once per column.
    pub redundancy_weighting: bool,
    /// Category levels with a smaller share of rows go to `other`.
    pub rare_share: f64,
    /// At most this many levels per category (the rest go to `other`).
    pub max_levels: usize,
}

impl Default for PreprocessParams {
    fn default() -> Self {
        PreprocessParams {
            skew_threshold: 0.75,
            log_days: true,
            corr_threshold: 0.97,
            outlier_kurtosis: 20.0,
            redundancy_weighting: true,
            rare_share: 0.01,
            max_levels: 12,
        }
    }
}

impl PreprocessParams {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn skew_threshold(mut self, v: f64) -> Self {
        self.skew_threshold = v;
        self
    }

    pub fn log_days(mut self, v: bool) -> Self {
        self.log_days = v;
        self
    }

    pub fn corr_threshold(mut self, v: f64) -> Self {
        self.corr_threshold = v;
        self
    }

    pub fn outlier_kurtosis(mut self, v: f64) -> Self {
        self.outlier_kurtosis = v;
        self
    }

    pub fn redundancy_weighting(mut self, v: bool) -> Self {
        self.redundancy_weighting = v;
        self
    }

    pub fn rare_share(mut self, v: f64) -> Self {
        self.rare_share = v;
        self
    }

    pub fn max_levels(mut self, v: usize) -> Self {
        self.max_levels = v;
        self
    }

    /// Checks the thresholds.
    pub fn validate(self) -> Result<ValidPreprocessParams> {
        if !(self.skew_threshold.is_finite() && self.skew_threshold >= 0.0) {
            return Err(Error::param("skew_threshold", "must be a finite number ≥ 0"));
        }
        if !(self.corr_threshold > 0.0 && self.corr_threshold <= 1.0) {
            return Err(Error::param("corr_threshold", "must be in (0, 1]"));
        }
        if !(self.outlier_kurtosis.is_finite() && self.outlier_kurtosis > 0.0) {
            return Err(Error::param("outlier_kurtosis", "must be a finite number > 0"));
        }
        if !(0.0..0.5).contains(&self.rare_share) {
            return Err(Error::param("rare_share", "must be in [0, 0.5)"));
        }
        if self.max_levels == 0 {
            return Err(Error::param("max_levels", "must be at least 1"));
        }
        Ok(ValidPreprocessParams(self))
    }

    /// Validates, then fits.
    pub fn fit(self, table: &FeatureTable) -> Result<Preprocessed> {
        self.validate()?.fit(table)
    }
}

/// How missing values of a column were filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Fill {
    /// Nothing was missing.
    Nothing,
    Zero,
    Median {
        value: f64,
    },
    ColumnMax {
        value: f64,
    },
    /// From another column of the same row (e.g. `tenure_days`); `fallback` when that is missing too.
    FromColumn {
        column: String,
        fallback: f64,
    },
    /// Category: missing is a level of its own.
    Level {
        level: String,
    },
}

/// How a column was scaled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method")]
pub enum Scaling {
    /// (x − mean) / sd.
    Standard { mean: f64, sd: f64 },
    /// (x − median) / (IQR / 1.349).
    Robust { median: f64, iqr: f64 },
    /// One-hot 0/1 left as it is.
    Unscaled,
}

/// What became of a column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Outcome {
    /// Used as one model column.
    Kept,
    /// One-hot encoded into the listed levels (`other` collects `merged`).
    OneHot { levels: Vec<String>, merged: Vec<String> },
    /// No information: a single value (or all missing).
    DroppedConstant,
    /// Near-duplicate of an earlier column.
    DroppedCorrelated { with: String, r: f64 },
}

/// Everything done to one input column, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnReport {
    pub name: String,
    /// The semantic kind (`count`, `amount`, `days`, `share`, `category`, …).
    pub kind: String,
    pub missing: usize,
    pub missing_share: f64,
    pub fill: Fill,
    /// Skewness of the filled values (numeric columns).
    pub skewness: Option<f64>,
    pub log1p: bool,
    /// Excess kurtosis after the transform (numeric columns that were kept).
    pub excess_kurtosis: Option<f64>,
    pub scaling: Option<Scaling>,
    /// Σ r² of this column with the kept numeric columns (itself included):
    /// how many columns' worth of the same information it shares.
    pub redundancy: Option<f64>,
    /// The factor applied after scaling: 1/√redundancy (1 when off).
    pub weight: Option<f64>,
    pub outcome: Outcome,
    /// The model columns this column became.
    pub outputs: Vec<String>,
    /// One sentence per decision, in English.
    pub notes: Vec<String>,
}

/// The preprocessing report, which is also the fitted transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreprocessReport {
    pub rows: usize,
    pub params: PreprocessParams,
    pub columns: Vec<ColumnReport>,
    /// The model matrix's columns, in order.
    pub model_columns: Vec<String>,
}

/// The model matrix and how it was made.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocessed {
    /// rows × model columns, all finite.
    pub matrix: Array2<f64>,
    pub report: PreprocessReport,
}

/// Checked preprocessing parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPreprocessParams(PreprocessParams);

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Count => "count",
        Kind::Amount => "amount",
        Kind::Days => "days",
        Kind::Rate => "rate",
        Kind::Share => "share",
        Kind::Score => "score",
        Kind::Hour => "hour",
        Kind::Weekday => "weekday",
        Kind::Category => "category",
        Kind::Number => "number",
    }
}

/// Mean, population sd, skewness and excess kurtosis.
fn moments(v: &[f64]) -> (f64, f64, f64, f64) {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<f64>() / n;
    let (mut m2, mut m3, mut m4) = (0.0, 0.0, 0.0);
    for x in v {
        let d = x - mean;
        let d2 = d * d;
        m2 += d2;
        m3 += d2 * d;
        m4 += d2 * d2;
    }
    m2 /= n;
    m3 /= n;
    m4 /= n;
    let sd = m2.sqrt();
    if m2 <= 0.0 {
        return (mean, 0.0, 0.0, 0.0);
    }
    (mean, sd, m3 / (m2 * sd), m4 / (m2 * m2) - 3.0)
}

/// Linear-interpolated quantile (numpy's default) of unsorted values.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    let pos = q * (n - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (_, a, rest) = v.select_nth_unstable_by(lo, f64::total_cmp);
    let a = *a;
    if hi == lo {
        return a;
    }
    let b = rest.iter().copied().fold(f64::INFINITY, f64::min);
    a + (b - a) * (pos - lo as f64)
}

fn median_of(values: &[f64]) -> f64 {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    quantile(&mut v, 0.5)
}

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

impl ValidPreprocessParams {
    pub fn params(&self) -> &PreprocessParams {
        &self.0
    }

    /// Decides every column's treatment on `table` and builds the matrix.
    pub fn fit(&self, table: &FeatureTable) -> Result<Preprocessed> {
        let p = &self.0;
        let n = table.n_rows();
        if table.columns().is_empty() {
            return Err(Error::EmptyInput("no feature columns".into()));
        }
        if n == 0 {
            return Err(Error::EmptyInput("no rows".into()));
        }
        let tenure = table.numeric(TENURE_COLUMN);
        let mut reports: Vec<ColumnReport> = Vec::new();
        // Transformed numeric columns still in the running, for the correlation step.
        let mut candidates: Vec<(usize, Vec<f64>)> = Vec::new();

        for col in table.columns() {
            let m = meaning(&col.name);
            match &col.data {
                ColumnData::Numeric(raw) => {
                    let missing = raw.iter().filter(|v| !v.is_finite()).count();
                    let mut rep = ColumnReport {
                        name: col.name.clone(),
                        kind: kind_name(m.kind).to_string(),
                        missing,
                        missing_share: missing as f64 / n as f64,
                        fill: Fill::Nothing,
                        skewness: None,
                        log1p: false,
                        excess_kurtosis: None,
                        scaling: None,
                        redundancy: None,
                        weight: None,
                        outcome: Outcome::Kept,
                        outputs: vec![],
                        notes: vec![],
                    };
                    if missing == n {
                        rep.outcome = Outcome::DroppedConstant;
                        rep.notes.push("every value is missing: dropped".into());
                        reports.push(rep);
                        continue;
                    }
                    if missing > 0 {
                        let share = pct(rep.missing_share);
                        let (fill, why) = match m.kind {
                            Kind::Count => (Fill::Zero, "a missing count means nothing was counted"),
                            Kind::Amount => (Fill::Zero, "a missing amount or average amount means no spend"),
                            Kind::Rate | Kind::Share => (
                                Fill::Zero,
                                "a missing rate or share has no denominator (no such events)",
                            ),
                            Kind::Days => {
                                let max = raw.iter().copied().filter(|v| v.is_finite()).fold(f64::MIN, f64::max);
                                match tenure {
                                    Some(_) if col.name != TENURE_COLUMN => (
                                        Fill::FromColumn {
                                            column: TENURE_COLUMN.into(),
                                            fallback: max,
                                        },
                                        "a missing 'days since' means it never happened: as long ago as the person has been known (tenure_days; the column maximum when that is missing too)",
                                    ),
                                    _ => (
                                        Fill::ColumnMax { value: max },
                                        "a missing 'days since' means it never happened: the column maximum",
                                    ),
                                }
                            }
                            _ => (
                                Fill::Median { value: median_of(raw) },
                                "no natural value for a missing score or number: the median",
                            ),
                        };
                        rep.notes.push(format!("{share} missing, filled: {why}"));
                        rep.fill = fill;
                    }
                    let filled = fill_numeric(raw, &rep.fill, tenure);
                    let (_, sd, skew, _) = moments(&filled);
                    if sd <= 1e-12 * (1.0 + filled[0].abs()) {
                        rep.outcome = Outcome::DroppedConstant;
                        rep.notes.push("a single value after filling: dropped".into());
                        reports.push(rep);
                        continue;
                    }
                    rep.skewness = Some(skew);
                    let min = filled.iter().copied().fold(f64::INFINITY, f64::min);
                    let loggable = matches!(m.kind, Kind::Count | Kind::Amount | Kind::Days | Kind::Number);
                    if loggable && min >= 0.0 {
                        if m.kind == Kind::Days && p.log_days {
                            rep.log1p = true;
                            rep.notes.push(format!(
                                "log1p: non-negative days (skewness {skew:.2}); durations compare by ratio"
                            ));
                        } else if skew > p.skew_threshold {
                            rep.log1p = true;
                            rep.notes.push(format!(
                                "log1p: non-negative and skewed (skewness {skew:.2} > {})",
                                p.skew_threshold
                            ));
                        } else {
                            rep.notes
                                .push(format!("no log: skewness {skew:.2} ≤ {}", p.skew_threshold));
                        }
                    } else if loggable {
                        rep.notes.push("no log: has negative values".into());
                    }
                    let t = if rep.log1p {
                        filled.iter().map(|v| v.max(0.0).ln_1p()).collect()
                    } else {
                        filled
                    };
                    candidates.push((reports.len(), t));
                    reports.push(rep);
                }
                ColumnData::Category(raw) => {
                    reports.push(category_report(&col.name, raw, p));
                }
            }
        }

        // Near-duplicates, in input order: compare each with the kept ones.
        let z: Vec<Vec<f64>> = candidates
            .iter()
            .map(|(_, t)| {
                let (mean, sd, _, _) = moments(t);
                t.iter().map(|v| (v - mean) / sd).collect()
            })
            .collect();
        let mut kept: Vec<usize> = Vec::new();
        for (ci, (ri, t)) in candidates.iter().enumerate() {
            let mut dup = None;
            for &kj in &kept {
                let r = z[ci].iter().zip(&z[kj]).map(|(a, b)| a * b).sum::<f64>() / n as f64;
                if r.abs() >= p.corr_threshold {
                    dup = Some((kj, r));
                    break;
                }
            }
            let with_name = dup.map(|(kj, r)| (reports[candidates[kj].0].name.clone(), r));
            let rep = &mut reports[*ri];
            if let Some((with, r)) = with_name {
                rep.notes.push(format!(
                    "|r| = {:.3} with `{with}` ≥ {}: dropped as a near-duplicate (`{with}` kept)",
                    r.abs(),
                    p.corr_threshold
                ));
                rep.outcome = Outcome::DroppedCorrelated { with, r };
                continue;
            }
            kept.push(ci);
            let (mean, sd, _, kurt) = moments(t);
            rep.excess_kurtosis = Some(kurt);
            let mut sorted = t.clone();
            let q1 = quantile(&mut sorted, 0.25);
            let q2 = quantile(&mut sorted, 0.5);
            let q3 = quantile(&mut sorted, 0.75);
            let iqr = q3 - q1;
            rep.scaling = Some(if kurt > p.outlier_kurtosis && iqr > 0.0 {
                rep.notes.push(format!(
                    "robust scaling (median, IQR/1.349): heavy tails (excess kurtosis {kurt:.1} > {})",
                    p.outlier_kurtosis
                ));
                Scaling::Robust { median: q2, iqr }
            } else {
                rep.notes.push(if kurt > p.outlier_kurtosis {
                    format!("standard scaling: heavy tails (excess kurtosis {kurt:.1}) but the IQR is 0")
                } else {
                    format!("standard scaling (excess kurtosis {kurt:.1} ≤ {})", p.outlier_kurtosis)
                });
                Scaling::Standard { mean, sd }
            });
            rep.outputs = vec![rep.name.clone()];
        }

        // Redundancy weights over the kept numeric columns.
        for &ci in &kept {
            let red: f64 = kept
                .iter()
                .map(|&kj| {
                    if kj == ci {
                        1.0
                    } else {
                        let r = z[ci].iter().zip(&z[kj]).map(|(a, b)| a * b).sum::<f64>() / n as f64;
                        r * r
                    }
                })
                .sum();
            let rep = &mut reports[candidates[ci].0];
            rep.redundancy = Some(red);
            if p.redundancy_weighting {
                let w = 1.0 / red.sqrt();
                rep.weight = Some(w);
                rep.notes.push(format!(
                    "weight {w:.2} = 1/√{red:.2}: shares its information with about {red:.1} columns' worth (Σ r²)"
                ));
            } else {
                rep.weight = Some(1.0);
            }
        }

        let model_columns: Vec<String> = reports.iter().flat_map(|r| r.outputs.iter().cloned()).collect();
        if model_columns.is_empty() {
            return Err(Error::EmptyInput(
                "every column was dropped (constant or all missing)".into(),
            ));
        }
        let report = PreprocessReport {
            rows: n,
            params: p.clone(),
            columns: reports,
            model_columns,
        };
        let matrix = report.transform(table)?;
        Ok(Preprocessed { matrix, report })
    }
}

fn fill_numeric(raw: &[f64], fill: &Fill, tenure: Option<&[f64]>) -> Vec<f64> {
    raw.iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.is_finite() {
                return v;
            }
            match fill {
                Fill::Nothing | Fill::Level { .. } => f64::NAN,
                Fill::Zero => 0.0,
                Fill::Median { value } | Fill::ColumnMax { value } => *value,
                Fill::FromColumn { fallback, .. } => match tenure.and_then(|t| t.get(i)) {
                    Some(t) if t.is_finite() => *t,
                    _ => *fallback,
                },
            }
        })
        .collect()
}

fn category_report(name: &str, raw: &[Option<String>], p: &PreprocessParams) -> ColumnReport {
    use std::collections::BTreeMap;
    let n = raw.len();
    let missing = raw.iter().filter(|v| v.is_none()).count();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for v in raw {
        *counts.entry(v.as_deref().unwrap_or(MISSING_LEVEL)).or_insert(0) += 1;
    }
    let mut order: Vec<(&str, usize)> = counts.into_iter().collect();
    order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let mut levels = Vec::new();
    let mut merged = Vec::new();
    for (i, (l, c)) in order.iter().enumerate() {
        if i < p.max_levels && (*c as f64) / (n as f64) >= p.rare_share && *l != OTHER_LEVEL {
            levels.push(l.to_string());
        } else {
            merged.push(l.to_string());
        }
    }
    let mut rep = ColumnReport {
        name: name.to_string(),
        kind: "category".into(),
        missing,
        missing_share: missing as f64 / n.max(1) as f64,
        fill: if missing > 0 {
            Fill::Level {
                level: MISSING_LEVEL.into(),
            }
        } else {
            Fill::Nothing
        },
        skewness: None,
        log1p: false,
        excess_kurtosis: None,
        scaling: None,
        redundancy: None,
        weight: None,
        outcome: Outcome::DroppedConstant,
        outputs: vec![],
        notes: vec![],
    };
    if missing > 0 {
        rep.notes.push(format!(
            "{} missing: a level of its own, `{MISSING_LEVEL}`",
            pct(rep.missing_share)
        ));
    }
    let n_out = levels.len() + usize::from(!merged.is_empty());
    if n_out < 2 {
        rep.notes.push("a single level: dropped".into());
        return rep;
    }
    if !merged.is_empty() {
        rep.notes.push(format!(
            "{} rare level(s) (share < {} or beyond the {} most frequent) merged into `{OTHER_LEVEL}`",
            merged.len(),
            pct(p.rare_share),
            p.max_levels
        ));
    }
    rep.notes.push(format!("one-hot into {n_out} 0/1 columns, not scaled"));
    rep.outputs = levels.iter().map(|l| format!("{name}={l}")).collect();
    if !merged.is_empty() {
        rep.outputs.push(format!("{name}={OTHER_LEVEL}"));
    }
    rep.scaling = Some(Scaling::Unscaled);
    rep.outcome = Outcome::OneHot { levels, merged };
    rep
}

impl PreprocessReport {
    /// Applies the fitted treatment to `table` (which must have the kept
    /// columns, with the same types); unseen category levels count as `other`.
    pub fn transform(&self, table: &FeatureTable) -> Result<Array2<f64>> {
        let n = table.n_rows();
        let mut m = Array2::<f64>::zeros((n, self.model_columns.len()));
        let tenure = table.numeric(TENURE_COLUMN);
        let mut j = 0;
        for rep in &self.columns {
            if rep.outputs.is_empty() {
                continue;
            }
            let col = table.column(&rep.name).ok_or_else(|| Error::Column {
                name: rep.name.clone(),
                reason: "needed by the fitted preprocessing but missing from the table".into(),
            })?;
            match (&col.data, &rep.outcome) {
                (ColumnData::Numeric(raw), Outcome::Kept) => {
                    let filled = fill_numeric(raw, &rep.fill, tenure);
                    let (center, scale) = match rep.scaling {
                        Some(Scaling::Standard { mean, sd }) => (mean, sd),
                        Some(Scaling::Robust { median, iqr }) => (median, iqr / 1.349),
                        _ => (0.0, 1.0),
                    };
                    let weight = rep.weight.unwrap_or(1.0);
                    for (i, v) in filled.into_iter().enumerate() {
                        let v = if rep.log1p { v.max(0.0).ln_1p() } else { v };
                        let z = (v - center) / scale * weight;
                        if !z.is_finite() {
                            return Err(Error::NonFinite { row: i, col: j });
                        }
                        m[[i, j]] = z;
                    }
                    j += 1;
                }
                (ColumnData::Category(raw), Outcome::OneHot { levels, merged }) => {
                    let has_other = !merged.is_empty();
                    for (i, v) in raw.iter().enumerate() {
                        let v = v.as_deref().unwrap_or(MISSING_LEVEL);
                        match levels.iter().position(|l| l == v) {
                            Some(k) => m[[i, j + k]] = 1.0,
                            None if has_other => m[[i, j + levels.len()]] = 1.0,
                            None => {}
                        }
                    }
                    j += rep.outputs.len();
                }
                _ => {
                    return Err(Error::Column {
                        name: rep.name.clone(),
                        reason: "has a different type than when the preprocessing was fitted".into(),
                    });
                }
            }
        }
        Ok(m)
    }

    /// The report of one input column.
    pub fn column(&self, name: &str) -> Option<&ColumnReport> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_match_numpy() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0, 10.0];
        // numpy.percentile([5,1,3,2,4,10], [25, 50, 75]) = [2.25, 3.5, 4.75]
        assert_eq!(quantile(&mut v, 0.25), 2.25);
        assert_eq!(quantile(&mut v, 0.5), 3.5);
        assert_eq!(quantile(&mut v, 0.75), 4.75);
    }

    #[test]
    fn moments_of_a_known_sample() {
        // scipy.stats.skew([1,2,3,10]) = 1.01823…, kurtosis (Fisher) = -0.7696
        let (_, _, s, k) = moments(&[1.0, 2.0, 3.0, 10.0]);
        assert!((s - 1.018_233_764_908_628_4).abs() < 1e-12, "{s}");
        assert!((k - -0.7696).abs() < 1e-12, "{k}");
    }

    #[test]
    fn invalid_thresholds_are_refused() {
        assert!(PreprocessParams::new().corr_threshold(0.0).validate().is_err());
        assert!(PreprocessParams::new().rare_share(0.7).validate().is_err());
        assert!(PreprocessParams::new().max_levels(0).validate().is_err());
    }
}
