//! The dense dataset every model reads: a row-major `f64` matrix where NaN means "missing",
//! the column names, and optionally one binary label and one id per row.
//!
//! Row-major because a model explains one person at a time and scores row by row; a learner
//! that wants columns (a histogram booster) transposes once with [`Dataset::to_column_major`].
//! Columns are matched by *name*, never by position, when a trained model meets new data
//! ([`Dataset::select_columns`]).

use std::collections::{HashMap, HashSet};

use ndarray::Array2;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::MlError;

/// A dense feature matrix with names, optional binary labels and optional row ids.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset {
    n_rows: usize,
    columns: Vec<String>,
    /// Row-major values, `n_rows * columns.len()` of them; NaN is missing.
    values: Vec<f64>,
    labels: Option<Vec<bool>>,
    ids: Option<Vec<String>>,
}

impl Dataset {
    /// A dataset from row-major values. Fails when the length is not `n_rows * columns.len()`
    /// or a column name repeats.
    pub fn new(columns: Vec<String>, n_rows: usize, values: Vec<f64>) -> Result<Dataset, MlError> {
        if values.len() != n_rows * columns.len() {
            return Err(MlError::shape(
                "Dataset::new values",
                n_rows * columns.len(),
                values.len(),
            ));
        }
        check_unique(&columns, "Dataset::new")?;
        Ok(Dataset {
            n_rows,
            columns,
            values,
            labels: None,
            ids: None,
        })
    }

    /// A dataset from rows (each row as long as `columns`).
    pub fn from_rows(columns: Vec<String>, rows: &[Vec<f64>]) -> Result<Dataset, MlError> {
        let mut values = Vec::with_capacity(rows.len() * columns.len());
        for (i, r) in rows.iter().enumerate() {
            if r.len() != columns.len() {
                return Err(MlError::shape(
                    format!("Dataset::from_rows row {i}"),
                    columns.len(),
                    r.len(),
                ));
            }
            values.extend_from_slice(r);
        }
        Dataset::new(columns, rows.len(), values)
    }

    /// A dataset from whole columns (each as long as the first), as a columnar feature table
    /// hands them over.
    pub fn from_columns(columns: Vec<String>, data: &[Vec<f64>]) -> Result<Dataset, MlError> {
        if data.len() != columns.len() {
            return Err(MlError::shape(
                "Dataset::from_columns column count",
                columns.len(),
                data.len(),
            ));
        }
        let n = data.first().map_or(0, Vec::len);
        if let Some((j, c)) = data.iter().enumerate().find(|(_, c)| c.len() != n) {
            return Err(MlError::shape(
                format!("Dataset::from_columns column `{}`", columns[j]),
                n,
                c.len(),
            ));
        }
        let mut values = Vec::with_capacity(n * data.len());
        for i in 0..n {
            values.extend(data.iter().map(|c| c[i]));
        }
        Dataset::new(columns, n, values)
    }

    /// Attaches one binary label per row.
    pub fn with_labels(mut self, labels: Vec<bool>) -> Result<Dataset, MlError> {
        if labels.len() != self.n_rows {
            return Err(MlError::shape("Dataset::with_labels", self.n_rows, labels.len()));
        }
        self.labels = Some(labels);
        Ok(self)
    }

    /// Attaches one id per row (person id, customer id); ids travel with rows through
    /// [`Dataset::select_rows`] so that scores and reasons can name the person.
    pub fn with_ids(mut self, ids: Vec<String>) -> Result<Dataset, MlError> {
        if ids.len() != self.n_rows {
            return Err(MlError::shape("Dataset::with_ids", self.n_rows, ids.len()));
        }
        self.ids = Some(ids);
        Ok(self)
    }

    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    pub fn n_cols(&self) -> usize {
        self.columns.len()
    }

    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The position of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// The row-major values.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    pub fn labels(&self) -> Option<&[bool]> {
        self.labels.as_deref()
    }

    /// The labels, or an error naming what needed them.
    pub fn require_labels(&self, context: &str) -> Result<&[bool], MlError> {
        self.labels.as_deref().ok_or_else(|| MlError::NoLabels {
            context: context.to_string(),
        })
    }

    pub fn ids(&self) -> Option<&[String]> {
        self.ids.as_deref()
    }

    /// Row `i` (panics when out of range, like slice indexing).
    pub fn row(&self, i: usize) -> &[f64] {
        let p = self.columns.len();
        &self.values[i * p..(i + 1) * p]
    }

    pub fn get(&self, row: usize, col: usize) -> f64 {
        self.values[row * self.columns.len() + col]
    }

    /// Column `j` copied out.
    pub fn column(&self, j: usize) -> Vec<f64> {
        let p = self.columns.len();
        (0..self.n_rows).map(|i| self.values[i * p + j]).collect()
    }

    /// Number of positive labels (0 without labels).
    pub fn positives(&self) -> usize {
        self.labels.as_ref().map_or(0, |l| l.iter().filter(|&&b| b).count())
    }

    /// The rows at `idx`, in that order, with their labels and ids.
    pub fn select_rows(&self, idx: &[usize]) -> Result<Dataset, MlError> {
        let p = self.columns.len();
        let mut values = Vec::with_capacity(idx.len() * p);
        for &i in idx {
            if i >= self.n_rows {
                return Err(MlError::shape("Dataset::select_rows index bound", self.n_rows, i));
            }
            values.extend_from_slice(&self.values[i * p..(i + 1) * p]);
        }
        Ok(Dataset {
            n_rows: idx.len(),
            columns: self.columns.clone(),
            values,
            labels: self.labels.as_ref().map(|l| idx.iter().map(|&i| l[i]).collect()),
            ids: self.ids.as_ref().map(|l| idx.iter().map(|&i| l[i].clone()).collect()),
        })
    }

    /// The named columns, in the order given: how a trained model lines new data up with the
    /// columns it learned from. Extra columns are ignored; a missing one is an error naming it.
    pub fn select_columns<S: AsRef<str>>(&self, names: &[S]) -> Result<Dataset, MlError> {
        let index: HashMap<&str, usize> = self.columns.iter().enumerate().map(|(j, c)| (c.as_str(), j)).collect();
        let mut pick = Vec::with_capacity(names.len());
        for n in names {
            match index.get(n.as_ref()) {
                Some(&j) => pick.push(j),
                None => {
                    return Err(MlError::MissingFeature {
                        name: n.as_ref().to_string(),
                        available: self.columns.len(),
                    });
                }
            }
        }
        let columns: Vec<String> = names.iter().map(|n| n.as_ref().to_string()).collect();
        check_unique(&columns, "Dataset::select_columns")?;
        let p = self.columns.len();
        let mut values = Vec::with_capacity(self.n_rows * pick.len());
        for i in 0..self.n_rows {
            let row = &self.values[i * p..(i + 1) * p];
            values.extend(pick.iter().map(|&j| row[j]));
        }
        Ok(Dataset {
            n_rows: self.n_rows,
            columns,
            values,
            labels: self.labels.clone(),
            ids: self.ids.clone(),
        })
    }

    /// All columns but the named ones (names not present are ignored).
    pub fn drop_columns<S: AsRef<str>>(&self, names: &[S]) -> Dataset {
        let drop: HashSet<&str> = names.iter().map(|s| s.as_ref()).collect();
        let keep: Vec<String> = self
            .columns
            .iter()
            .filter(|c| !drop.contains(c.as_str()))
            .cloned()
            .collect();
        match self.select_columns(&keep) {
            Ok(d) => d,
            // `keep` is a subset of our own unique columns, so selection cannot fail.
            Err(_) => self.clone(),
        }
    }

    /// The values column by column (column-major), as histogram learners want them.
    pub fn to_column_major(&self) -> Vec<f64> {
        let p = self.columns.len();
        let mut out = Vec::with_capacity(self.values.len());
        for j in 0..p {
            out.extend((0..self.n_rows).map(|i| self.values[i * p + j]));
        }
        out
    }

    /// The matrix as an `ndarray` array (rows × columns).
    pub fn to_array(&self) -> Array2<f64> {
        match Array2::from_shape_vec((self.n_rows, self.columns.len()), self.values.clone()) {
            Ok(a) => a,
            // The constructor guarantees the length; keep the signature infallible.
            Err(_) => Array2::zeros((self.n_rows, self.columns.len())),
        }
    }

    /// A SHA-256 over what a model learns from: the column names (each followed by a NUL byte),
    /// the row count, every value as little-endian `f64` bits (all NaNs written as one canonical
    /// NaN), and the labels as one byte each (0, 1; 2 marks "no labels"). Ids are not included:
    /// the same matrix with other ids trains the same model. Lower-case hex.
    pub fn content_hash(&self) -> String {
        let mut h = Sha256::new();
        for c in &self.columns {
            h.update(c.as_bytes());
            h.update([0u8]);
        }
        h.update((self.n_rows as u64).to_le_bytes());
        let mut buf = Vec::with_capacity(8 * 4096);
        for chunk in self.values.chunks(4096) {
            buf.clear();
            for v in chunk {
                let v = if v.is_nan() { f64::NAN } else { *v };
                buf.extend_from_slice(&v.to_bits().to_le_bytes());
            }
            h.update(&buf);
        }
        match &self.labels {
            Some(l) => h.update(l.iter().map(|&b| u8::from(b)).collect::<Vec<u8>>()),
            None => h.update([2u8]),
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn check_unique(columns: &[String], context: &str) -> Result<(), MlError> {
    let mut seen = HashSet::with_capacity(columns.len());
    for c in columns {
        if !seen.insert(c.as_str()) {
            return Err(MlError::DuplicateColumn {
                context: context.to_string(),
                column: c.clone(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn small() -> Dataset {
        Dataset::from_rows(
            vec!["a".into(), "b".into(), "c".into()],
            &[vec![1.0, 2.0, 3.0], vec![4.0, f64::NAN, 6.0]],
        )
        .unwrap()
        .with_labels(vec![true, false])
        .unwrap()
        .with_ids(vec!["x".into(), "y".into()])
        .unwrap()
    }

    #[test]
    fn select_columns_reorders_by_name_and_names_a_missing_one() {
        let d = small();
        let s = d.select_columns(&["c", "a"]).unwrap();
        assert_eq!(s.columns(), ["c", "a"]);
        assert_eq!(s.row(1), [6.0, 4.0]);
        assert_eq!(s.labels(), Some(&[true, false][..]));
        let e = d.select_columns(&["a", "zz"]).unwrap_err();
        assert!(e.to_string().contains("`zz`"), "{e}");
    }

    #[test]
    fn rows_keep_their_labels_and_ids() {
        let d = small().select_rows(&[1]).unwrap();
        assert_eq!(d.ids().unwrap(), ["y"]);
        assert_eq!(d.labels().unwrap(), [false]);
        assert!(d.get(0, 1).is_nan());
    }

    #[test]
    fn shape_and_duplicates_are_checked() {
        assert!(Dataset::new(vec!["a".into()], 2, vec![1.0]).is_err());
        assert!(Dataset::new(vec!["a".into(), "a".into()], 1, vec![1.0, 2.0]).is_err());
        assert!(small().with_labels(vec![true]).is_err());
    }

    #[test]
    fn hash_depends_on_values_and_labels_not_ids() {
        let d = small();
        let same = small().with_ids(vec!["p".into(), "q".into()]).unwrap();
        assert_eq!(d.content_hash(), same.content_hash());
        assert_eq!(d.content_hash().len(), 64);
        let other = small().with_labels(vec![false, false]).unwrap();
        assert_ne!(d.content_hash(), other.content_hash());
    }

    #[test]
    fn column_major_and_drop() {
        let d = small();
        let cm = d.to_column_major();
        assert_eq!(cm[0..2], [1.0, 4.0]);
        assert_eq!(d.drop_columns(&["b"]).columns(), ["a", "c"]);
        assert_eq!(d.to_array().shape(), [2, 3]);
        let from_cols = Dataset::from_columns(
            vec!["a".into(), "b".into(), "c".into()],
            &[vec![1.0, 4.0], vec![2.0, f64::NAN], vec![3.0, 6.0]],
        )
        .unwrap();
        assert_eq!(from_cols.row(0), d.row(0));
        assert!(Dataset::from_columns(vec!["a".into()], &[vec![1.0], vec![2.0]]).is_err());
    }
}
