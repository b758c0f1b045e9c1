//! Hyper-parameters of the sentiment classifier, checked before any fitting starts (the
//! linfa convention: a plain `Params` value and a `validate()` that names the bad field).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How [`crate::train`] builds features and fits the model.
///
/// The defaults are the scikit-learn reference of the crate essay: character 1–2-grams kept
/// when in at least 2 training texts, sublinear TF, IDF, L2-normalised rows, and a logistic
/// regression with `C = 4`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentimentParams {
    /// Shortest character n-gram (≥ 1).
    pub ngram_min: usize,
    /// Longest character n-gram (≥ `ngram_min`, ≤ 5).
    pub ngram_max: usize,
    /// An n-gram becomes a feature when at least this many training texts contain it (≥ 1).
    pub min_df: usize,
    /// Term frequency `1 + ln(tf)` instead of `tf`.
    pub sublinear_tf: bool,
    /// Inverse regularisation strength (> 0): larger fits the training data more closely.
    pub c: f64,
    /// Maximum L-BFGS iterations (≥ 1).
    pub max_iter: usize,
    /// Convergence tolerance on the largest gradient component (> 0).
    pub tol: f64,
}

impl Default for SentimentParams {
    fn default() -> Self {
        SentimentParams {
            ngram_min: 1,
            ngram_max: 2,
            min_df: 2,
            sublinear_tf: true,
            c: 4.0,
            max_iter: 1000,
            tol: 1e-5,
        }
    }
}

impl SentimentParams {
    /// Checks every field's range; [`crate::train`] and [`crate::cross_validate`] call it
    /// first.
    pub fn validate(&self) -> Result<()> {
        if self.ngram_min == 0 {
            return Err(Error::param("ngram_min", self.ngram_min, "at least 1"));
        }
        if self.ngram_max < self.ngram_min || self.ngram_max > 5 {
            return Err(Error::param("ngram_max", self.ngram_max, "between ngram_min and 5"));
        }
        if self.min_df == 0 {
            return Err(Error::param("min_df", self.min_df, "at least 1 (a number of texts)"));
        }
        if !(self.c > 0.0 && self.c.is_finite()) {
            return Err(Error::param("c", self.c, "a finite number > 0, e.g. 4"));
        }
        if self.max_iter == 0 {
            return Err(Error::param("max_iter", self.max_iter, "at least 1"));
        }
        if !(self.tol > 0.0 && self.tol.is_finite()) {
            return Err(Error::param("tol", self.tol, "a finite number > 0, e.g. 1e-5"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validate_names_the_field() {
        assert!(SentimentParams::default().validate().is_ok());
        let bad = SentimentParams {
            c: 0.0,
            ..Default::default()
        };
        assert!(bad.validate().is_err_and(|e| e.to_string().contains("c = 0")));
        assert!(
            SentimentParams {
                ngram_min: 3,
                ngram_max: 2,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            SentimentParams {
                min_df: 0,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
        assert!(
            SentimentParams {
                tol: f64::NAN,
                ..Default::default()
            }
            .validate()
            .is_err()
        );
    }
}
