//! The input: named columns of per-person values, numeric or text.
//!
//! Rows are persons in a fixed order; the caller keeps the person ids and
//! maps row `i` of every output back to its person. Numeric values use NaN
//! (or any non-finite value) for "missing"; categories use `None`.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The values of one column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "values")]
pub enum ColumnData {
    /// Numbers; NaN (or ±∞) means missing.
    Numeric(Vec<f64>),
    /// Text categories; `None` means missing.
    Category(Vec<Option<String>>),
}

impl ColumnData {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            ColumnData::Numeric(v) => v.len(),
            ColumnData::Category(v) => v.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One named column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    pub data: ColumnData,
}

/// Named columns of equal length, one row per person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureTable {
    columns: Vec<Column>,
}

impl FeatureTable {
    /// An empty table.
    pub fn new() -> FeatureTable {
        FeatureTable::default()
    }

    /// Adds a numeric column (NaN = missing).
    pub fn push_numeric(&mut self, name: impl Into<String>, values: Vec<f64>) -> Result<()> {
        self.push(Column {
            name: name.into(),
            data: ColumnData::Numeric(values),
        })
    }

    /// Adds a text-category column (`None` = missing).
    pub fn push_category(&mut self, name: impl Into<String>, values: Vec<Option<String>>) -> Result<()> {
        self.push(Column {
            name: name.into(),
            data: ColumnData::Category(values),
        })
    }

    /// Builder form of [`FeatureTable::push_numeric`].
    pub fn with_numeric(mut self, name: impl Into<String>, values: Vec<f64>) -> Result<FeatureTable> {
        self.push_numeric(name, values)?;
        Ok(self)
    }

    /// Builder form of [`FeatureTable::push_category`].
    pub fn with_category(mut self, name: impl Into<String>, values: Vec<Option<String>>) -> Result<FeatureTable> {
        self.push_category(name, values)?;
        Ok(self)
    }

    /// Adds a column, checking its name and length.
    pub fn push(&mut self, column: Column) -> Result<()> {
        if column.name.trim().is_empty() {
            return Err(Error::Column {
                name: column.name,
                reason: "the column name is empty".into(),
            });
        }
        if self.columns.iter().any(|c| c.name == column.name) {
            return Err(Error::Column {
                name: column.name,
                reason: "the column is given twice".into(),
            });
        }
        if let Some(first) = self.columns.first()
            && first.data.len() != column.data.len()
        {
            return Err(Error::Column {
                reason: format!(
                    "has {} rows but `{}` has {}",
                    column.data.len(),
                    first.name,
                    first.data.len()
                ),
                name: column.name,
            });
        }
        self.columns.push(column);
        Ok(())
    }

    /// Number of rows (0 for a table without columns).
    pub fn n_rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.data.len())
    }

    /// The columns in order.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The column names in order.
    pub fn names(&self) -> Vec<&str> {
        self.columns.iter().map(|c| c.name.as_str()).collect()
    }

    /// A column by name.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The values of a numeric column by name.
    pub fn numeric(&self, name: &str) -> Option<&[f64]> {
        match self.column(name).map(|c| &c.data) {
            Some(ColumnData::Numeric(v)) => Some(v),
            _ => None,
        }
    }

    /// A table with only the named columns, in the given order (`--features LIST`).
    pub fn select<S: AsRef<str>>(&self, names: &[S]) -> Result<FeatureTable> {
        let mut out = FeatureTable::new();
        for n in names {
            let n = n.as_ref();
            let c = self.column(n).ok_or_else(|| Error::Column {
                name: n.to_string(),
                reason: format!("no such column (known: {})", self.names().join(", ")),
            })?;
            out.push(c.clone())?;
        }
        Ok(out)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_names_are_checked() {
        let mut t = FeatureTable::new();
        t.push_numeric("a", vec![1.0, 2.0]).unwrap();
        assert!(matches!(t.push_numeric("a", vec![1.0, 2.0]), Err(Error::Column { .. })));
        let e = t.push_numeric("b", vec![1.0]).unwrap_err();
        assert!(e.to_string().contains("has 1 rows but `a` has 2"), "{e}");
        t.push_category("c", vec![Some("x".into()), None]).unwrap();
        assert_eq!(t.n_rows(), 2);
        assert_eq!(t.select(&["c", "a"]).unwrap().names(), vec!["c", "a"]);
        assert!(t.select(&["zz"]).unwrap_err().to_string().contains("no such column"));
    }
}
