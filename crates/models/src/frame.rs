//! A per-person table in memory, as the models read it.
//!
//! The `features` table (or a point-in-time computation of it) arrives as
//! Arrow batches. Models want named numeric columns with NaN for "missing"
//! and, for clustering, text categories. [`Frame`] is that middle form, with
//! the person ids kept in row order so every output maps back to its person.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use huaxiang_cluster::FeatureTable;
use huaxiang_ml::Dataset;

use crate::error::{Error, Result};

/// Columns that identify a row or a build, never model inputs.
pub const NOT_FEATURES: [&str; 4] = ["person_id", "as_of", "build_id", "record_id"];

/// Text columns with more distinct values than this are not one-hot encoded
/// for the supervised models (an id-like column teaches nothing general).
pub const MAX_LEVELS: usize = 30;

/// One column of a [`Frame`].
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Numbers (integers, decimals and booleans as 0/1); NaN = missing.
    Numeric(Vec<f64>),
    /// Text; `None` = missing.
    Text(Vec<Option<String>>),
}

/// Person ids and named columns, in one row order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frame {
    pub ids: Vec<String>,
    pub columns: Vec<(String, Values)>,
}

impl Frame {
    /// Reads `batches` with the id column `id_col`; timestamps, dates and
    /// the columns of [`NOT_FEATURES`] are left out.
    pub fn from_batches(batches: &[RecordBatch], id_col: &str) -> Result<Frame> {
        let Some(first) = batches.first() else {
            return Ok(Frame::default());
        };
        let schema = first.schema();
        if schema.index_of(id_col).is_err() {
            return Err(Error::Invalid(format!("the table has no `{id_col}` column")));
        }
        let mut frame = Frame::default();
        let mut kinds = Vec::new();
        for f in schema.fields() {
            if f.name() == id_col || NOT_FEATURES.contains(&f.name().as_str()) {
                continue;
            }
            let kind = match f.data_type() {
                DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => Some(false),
                t if t.is_numeric() || *t == DataType::Boolean => Some(true),
                _ => None,
            };
            if let Some(numeric) = kind {
                kinds.push((f.name().clone(), numeric));
                frame.columns.push((
                    f.name().clone(),
                    if numeric {
                        Values::Numeric(Vec::new())
                    } else {
                        Values::Text(Vec::new())
                    },
                ));
            }
        }
        for b in batches {
            let ids = arrow::compute::cast(
                b.column_by_name(id_col).ok_or_else(|| missing(id_col))?,
                &DataType::Utf8,
            )?;
            let ids = ids.as_string::<i32>();
            for i in 0..ids.len() {
                if ids.is_null(i) {
                    return Err(Error::Invalid(format!("`{id_col}` is empty in a row of the table")));
                }
                frame.ids.push(ids.value(i).to_string());
            }
            for ((name, values), (_, numeric)) in frame.columns.iter_mut().zip(&kinds) {
                let col = b.column_by_name(name).ok_or_else(|| missing(name))?;
                match values {
                    Values::Numeric(v) => {
                        let col = if col.data_type() == &DataType::Boolean {
                            arrow::compute::cast(col, &DataType::UInt8)?
                        } else {
                            col.clone()
                        };
                        let f = arrow::compute::cast(&col, &DataType::Float64)?;
                        let f = f.as_primitive::<Float64Type>();
                        v.extend((0..f.len()).map(|i| if f.is_null(i) { f64::NAN } else { f.value(i) }));
                    }
                    Values::Text(v) => {
                        debug_assert!(!numeric);
                        let s = arrow::compute::cast(col, &DataType::Utf8)?;
                        let s = s.as_string::<i32>();
                        v.extend((0..s.len()).map(|i| (!s.is_null(i)).then(|| s.value(i).to_string())));
                    }
                }
            }
        }
        Ok(frame)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The column names.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|(n, _)| n.as_str()).collect()
    }

    /// The numeric column `name`, if there is one.
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        self.columns.iter().find_map(|(n, v)| match v {
            Values::Numeric(x) if n == name => Some(x.as_slice()),
            _ => None,
        })
    }

    /// Checks that every name of `wanted` is a column; the error lists the columns.
    pub fn require(&self, wanted: &[String]) -> Result<()> {
        for w in wanted {
            if !self.columns.iter().any(|(n, _)| n == w) {
                return Err(Error::UnknownColumn {
                    column: w.clone(),
                    available: self.names().join(", "),
                });
            }
        }
        Ok(())
    }

    /// Keeps the rows whose index is in `keep` (ascending).
    pub fn select_rows(&self, keep: &[usize]) -> Frame {
        Frame {
            ids: keep.iter().map(|&i| self.ids[i].clone()).collect(),
            columns: self
                .columns
                .iter()
                .map(|(n, v)| {
                    let v = match v {
                        Values::Numeric(x) => Values::Numeric(keep.iter().map(|&i| x[i]).collect()),
                        Values::Text(x) => Values::Text(keep.iter().map(|&i| x[i].clone()).collect()),
                    };
                    (n.clone(), v)
                })
                .collect(),
        }
    }

    /// The clustering input: the columns `names` (all when `None`), numbers and categories.
    pub fn feature_table(&self, names: Option<&[String]>) -> Result<FeatureTable> {
        if let Some(n) = names {
            self.require(n)?;
        }
        let mut t = FeatureTable::new();
        for (name, values) in &self.columns {
            if names.is_some_and(|n| !n.contains(name)) {
                continue;
            }
            match values {
                Values::Numeric(v) => t.push_numeric(name.clone(), v.clone())?,
                Values::Text(v) => t.push_category(name.clone(), v.clone())?,
            }
        }
        Ok(t)
    }

    /// The supervised-model input: numeric columns as they are, text columns
    /// with at most [`MAX_LEVELS`] values one-hot encoded as `column=value`
    /// (missing text is 0 in every indicator), with the person ids.
    pub fn dataset(&self, names: Option<&[String]>) -> Result<Dataset> {
        if let Some(n) = names {
            self.require(n)?;
        }
        let mut cols: Vec<String> = Vec::new();
        let mut data: Vec<Vec<f64>> = Vec::new();
        for (name, values) in &self.columns {
            if names.is_some_and(|n| !n.contains(name)) {
                continue;
            }
            match values {
                Values::Numeric(v) => {
                    cols.push(name.clone());
                    data.push(v.clone());
                }
                Values::Text(v) => {
                    let mut levels: Vec<&str> = v.iter().flatten().map(String::as_str).collect();
                    levels.sort_unstable();
                    levels.dedup();
                    if levels.len() > MAX_LEVELS || levels.is_empty() {
                        continue;
                    }
                    for level in levels {
                        cols.push(format!("{name}={level}"));
                        data.push(
                            v.iter()
                                .map(|x| if x.as_deref() == Some(level) { 1.0 } else { 0.0 })
                                .collect(),
                        );
                    }
                }
            }
        }
        Ok(Dataset::from_columns(cols, &data)?.with_ids(self.ids.clone())?)
    }
}

fn missing(name: &str) -> Error {
    Error::Invalid(format!("a batch lacks the column `{name}`"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{BooleanArray, Float64Array, Int64Array, StringArray};
    use arrow::datatypes::{Field, Schema};

    use super::*;

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("person_id", DataType::Utf8, false),
            Field::new("frequency", DataType::Int64, true),
            Field::new("aov", DataType::Float64, true),
            Field::new("vip", DataType::Boolean, true),
            Field::new("channel", DataType::Utf8, true),
            Field::new("as_of", DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from(vec!["P1", "P2", "P3"])),
                Arc::new(Int64Array::from(vec![Some(3), None, Some(0)])),
                Arc::new(Float64Array::from(vec![Some(10.5), None, Some(2.0)])),
                Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
                Arc::new(StringArray::from(vec![Some("app"), None, Some("web")])),
                Arc::new(StringArray::from(vec!["2026-06-30"; 3])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn numbers_nulls_and_text() {
        let f = Frame::from_batches(&[batch()], "person_id").unwrap();
        assert_eq!(f.ids, ["P1", "P2", "P3"]);
        assert_eq!(f.names(), ["frequency", "aov", "vip", "channel"]);
        let freq = f.numeric("frequency").unwrap();
        assert_eq!(freq[0], 3.0);
        assert!(freq[1].is_nan());
        assert_eq!(f.numeric("vip").unwrap()[..2], [1.0, 0.0]);
        let d = f.dataset(None).unwrap();
        assert_eq!(d.columns(), ["frequency", "aov", "vip", "channel=app", "channel=web"]);
        assert_eq!(d.get(0, 3), 1.0);
        assert_eq!(d.get(1, 3), 0.0);
        assert_eq!(d.ids().unwrap(), ["P1", "P2", "P3"]);
    }

    #[test]
    fn unknown_column_is_named() {
        let f = Frame::from_batches(&[batch()], "person_id").unwrap();
        let e = f.dataset(Some(&["monetary".to_string()])).unwrap_err();
        assert!(
            e.to_string().contains("monetary") && e.to_string().contains("frequency"),
            "{e}"
        );
        let t = f
            .feature_table(Some(&["aov".to_string(), "channel".to_string()]))
            .unwrap();
        assert_eq!(t.names(), ["aov", "channel"]);
        let r = f.select_rows(&[2]);
        assert_eq!(r.ids, ["P3"]);
        assert_eq!(r.numeric("aov").unwrap(), [2.0]);
    }
}
