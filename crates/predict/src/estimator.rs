//! The two model kinds behind one type: what to fit ([`ModelSpec`], parameters) and what was
//! fitted ([`Estimator`]). Both speak `huaxiang_ml`'s `Fit` / `Predict`, and both explain a row
//! as per-feature contributions in log-odds that add up to the row's score.

use huaxiang_ml::{CheckParams, Dataset, Fit, Predict};
use serde::{Deserialize, Serialize};

use crate::error::PredictError;
use crate::gbdt::{Gbdt, GbdtParams, sigmoid};
use crate::logistic::{Logistic, LogisticParams};

/// The kinds of model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Histogram gradient-boosted trees (TreeSHAP reasons).
    Gbdt,
    /// L2-regularised logistic regression on standardised features (coefficient reasons).
    Logistic,
}

impl ModelKind {
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Gbdt => "gbdt",
            ModelKind::Logistic => "logistic",
        }
    }
}

impl std::fmt::Display for ModelKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for ModelKind {
    type Err = PredictError;
    fn from_str(s: &str) -> Result<Self, PredictError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "gbdt" => Ok(ModelKind::Gbdt),
            "logistic" => Ok(ModelKind::Logistic),
            other => Err(PredictError::param("model", other, "expected `gbdt` or `logistic`")),
        }
    }
}

/// A model kind with its parameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ModelSpec {
    Gbdt(GbdtParams),
    Logistic(LogisticParams),
}

impl ModelSpec {
    pub fn kind(&self) -> ModelKind {
        match self {
            ModelSpec::Gbdt(_) => ModelKind::Gbdt,
            ModelSpec::Logistic(_) => ModelKind::Logistic,
        }
    }
}

impl CheckParams for ModelSpec {
    type Error = PredictError;
    fn check(&self) -> Result<(), PredictError> {
        match self {
            ModelSpec::Gbdt(p) => p.check(),
            ModelSpec::Logistic(p) => p.check(),
        }
    }
}

impl Fit for ModelSpec {
    type Model = Estimator;
    type Error = PredictError;
    fn fit(&self, data: &Dataset) -> Result<Estimator, PredictError> {
        Ok(match self {
            ModelSpec::Gbdt(p) => Estimator::Gbdt(p.fit(data)?),
            ModelSpec::Logistic(p) => Estimator::Logistic(p.fit(data)?),
        })
    }
}

/// A fitted model of either kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Estimator {
    Gbdt(Gbdt),
    Logistic(Logistic),
}

/// Per-row contributions: `sigmoid(base + Σ values[i]) = score[i]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contributions {
    pub feature_names: Vec<String>,
    /// The log-odds before anything is known about the person.
    pub base: f64,
    /// Row-major, one value per (row, feature), in log-odds.
    pub values: Vec<f64>,
}

impl Contributions {
    pub fn row(&self, i: usize) -> &[f64] {
        let p = self.feature_names.len();
        &self.values[i * p..(i + 1) * p]
    }
}

impl Estimator {
    pub fn kind(&self) -> ModelKind {
        match self {
            Estimator::Gbdt(_) => ModelKind::Gbdt,
            Estimator::Logistic(_) => ModelKind::Logistic,
        }
    }

    pub fn feature_names(&self) -> &[String] {
        match self {
            Estimator::Gbdt(m) => &m.feature_names,
            Estimator::Logistic(m) => &m.feature_names,
        }
    }

    /// Log-odds of one row in model column order.
    pub fn raw_row(&self, row: &[f64]) -> f64 {
        match self {
            Estimator::Gbdt(m) => m.raw_row(row),
            Estimator::Logistic(m) => m.raw_row(row),
        }
    }

    /// Contributions of every feature for every row (columns matched by name).
    pub fn contributions(&self, data: &Dataset) -> Result<Contributions, PredictError> {
        let d = data.select_columns(self.feature_names())?;
        let p = d.n_cols();
        let mut values = Vec::with_capacity(d.n_rows() * p);
        let base = match self {
            Estimator::Gbdt(m) => {
                let mut scratch = Vec::new();
                for i in 0..d.n_rows() {
                    values.extend(m.contributions_row(d.row(i), &mut scratch));
                }
                m.expected_value()
            }
            Estimator::Logistic(m) => {
                for i in 0..d.n_rows() {
                    values.extend(m.contributions_row(d.row(i)));
                }
                m.intercept
            }
        };
        Ok(Contributions {
            feature_names: d.columns().to_vec(),
            base,
            values,
        })
    }
}

impl Predict for Estimator {
    type Output = Vec<f64>;
    type Error = PredictError;
    fn predict(&self, data: &Dataset) -> Result<Vec<f64>, PredictError> {
        let d = data.select_columns(self.feature_names())?;
        Ok((0..d.n_rows()).map(|i| sigmoid(self.raw_row(d.row(i)))).collect())
    }
}
