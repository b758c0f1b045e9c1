//! A computed metric and its presentations: a terminal table, CSV, JSON.
//!
//! Values are never rounded here (a rate stays a fraction, an amount keeps its
//! float): rounding is for people reading a table, not for programs reading
//! CSV or JSON. Groups of people whose attribute is empty keep a NULL label in
//! CSV and JSON and read `(unknown)` in the table.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, StringArray};
use arrow::datatypes::{
    DataType, Field, Float32Type, Float64Type, Int32Type, Int64Type, Schema, SchemaRef, UInt64Type,
};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::NaiveDate;
use huaxiang_store::sql::{OutputFormat, format_batches};
use huaxiang_store::table::plain_strings;
use serde_json::{Value, json};

use crate::anchor::AsOfSource;
use crate::error::Result;
use crate::query::Query;

/// The label of a group whose attribute is empty, in tables.
pub const UNKNOWN: &str = "(unknown)";

/// A computed metric.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub query: Query,
    /// The statement that ran (runnable with `huaxiang sql`).
    pub sql: String,
    pub as_of: NaiveDate,
    pub as_of_source: AsOfSource,
    pub schema: SchemaRef,
    /// Plain-string batches: dimension columns first, the metric last.
    pub batches: Vec<RecordBatch>,
}

impl Outcome {
    /// Number of result rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Whether some group has an empty (NULL) label.
    pub fn has_unknown_labels(&self) -> bool {
        let dims = self.query.by.len();
        self.batches
            .iter()
            .any(|b| b.columns().iter().take(dims).any(|c| c.null_count() > 0))
    }

    /// One line saying what was computed.
    pub fn headline(&self) -> String {
        let m = &self.query.metric;
        let anchor = match self.as_of_source {
            AsOfSource::Build(id) => format!("build #{id}"),
            AsOfSource::LatestData => "latest data / 最新数据".to_string(),
        };
        format!(
            "{} / {} ({})  范围 / range: {}  截止 / as of: {} ({anchor})",
            m.name_zh,
            m.name_en,
            m.id,
            self.query.range.label(),
            self.as_of
        )
    }

    /// A terminal table; empty labels read `(unknown)`.
    pub fn table(&self) -> Result<String> {
        let dims = self.query.by.len();
        let mut out = Vec::new();
        for b in &self.batches {
            let mut fields = Vec::new();
            let mut cols: Vec<ArrayRef> = Vec::new();
            for (i, (f, c)) in b.schema().fields().iter().zip(b.columns()).enumerate() {
                if i < dims {
                    let text = arrow::compute::cast(c, &DataType::Utf8)?;
                    let s = text.as_string::<i32>();
                    let filled: StringArray = s.iter().map(|v| Some(v.unwrap_or(UNKNOWN))).collect();
                    fields.push(Field::new(f.name(), DataType::Utf8, false));
                    cols.push(Arc::new(filled));
                } else if matches!(c.data_type(), DataType::Float64) {
                    let v = c.as_primitive::<Float64Type>();
                    let shown: StringArray = v.iter().map(|x| x.map(display_float)).collect();
                    fields.push(Field::new(f.name(), DataType::Utf8, true));
                    cols.push(Arc::new(shown));
                } else {
                    fields.push(f.as_ref().clone());
                    cols.push(c.clone());
                }
            }
            out.push(RecordBatch::try_new(Arc::new(Schema::new(fields)), cols)?);
        }
        let schema = out.first().map(|b| b.schema()).unwrap_or_else(|| self.schema.clone());
        Ok(format_batches(&schema, &out, OutputFormat::Table)?)
    }

    /// CSV with a header row.
    pub fn csv(&self) -> Result<String> {
        Ok(format_batches(&self.schema, &self.batches, OutputFormat::Csv)?)
    }

    /// One JSON object: what was asked, the SQL, the columns and the rows.
    pub fn json(&self) -> Result<Value> {
        let m = &self.query.metric;
        let columns: Vec<&str> = self.schema.fields().iter().map(|f| f.name().as_str()).collect();
        let rows = json_rows(&self.batches)?;
        Ok(json!({
            "metric": m.id,
            "name_zh": m.name_zh,
            "name_en": m.name_en,
            "by": self.query.by.iter().map(|d| d.column()).collect::<Vec<_>>(),
            "where": self.query.filter,
            "from": self.query.range.from.map(|d| d.to_string()),
            "to": self.query.range.to.to_string(),
            "as_of": self.as_of.to_string(),
            "sql": self.sql,
            "columns": columns,
            "rows": rows,
        }))
    }
}

/// Converts plain-string batches of a query result.
pub fn plain(batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>> {
    Ok(batches
        .iter()
        .map(plain_strings)
        .collect::<std::result::Result<_, _>>()?)
}

/// The rows of `batches` as JSON cells, row by row (values unrounded).
pub fn json_rows(batches: &[RecordBatch]) -> Result<Vec<Vec<Value>>> {
    let mut rows = Vec::new();
    for b in batches {
        let cells: Vec<Vec<Value>> = b.columns().iter().map(cells).collect::<Result<_>>()?;
        for r in 0..b.num_rows() {
            rows.push(cells.iter().map(|c| c[r].clone()).collect());
        }
    }
    Ok(rows)
}

/// The JSON cells of one column (values unrounded; other types as displayed).
pub fn cells(c: &ArrayRef) -> Result<Vec<Value>> {
    let n = c.len();
    let out = match c.data_type() {
        DataType::Int64 => (0..n)
            .map(|i| number(c, i, |c, i| json!(c.as_primitive::<Int64Type>().value(i))))
            .collect(),
        DataType::Int32 => (0..n)
            .map(|i| number(c, i, |c, i| json!(c.as_primitive::<Int32Type>().value(i))))
            .collect(),
        DataType::UInt64 => (0..n)
            .map(|i| number(c, i, |c, i| json!(c.as_primitive::<UInt64Type>().value(i))))
            .collect(),
        DataType::Float64 => (0..n)
            .map(|i| number(c, i, |c, i| float(c.as_primitive::<Float64Type>().value(i))))
            .collect(),
        DataType::Float32 => (0..n)
            .map(|i| number(c, i, |c, i| float(f64::from(c.as_primitive::<Float32Type>().value(i)))))
            .collect(),
        DataType::Boolean => (0..n)
            .map(|i| number(c, i, |c, i| json!(c.as_boolean().value(i))))
            .collect(),
        DataType::Utf8 => (0..n)
            .map(|i| number(c, i, |c, i| json!(c.as_string::<i32>().value(i))))
            .collect(),
        _ => {
            let f = ArrayFormatter::try_new(c.as_ref(), &FormatOptions::default())?;
            (0..n)
                .map(|i| {
                    if c.is_null(i) {
                        Value::Null
                    } else {
                        Value::String(f.value(i).to_string())
                    }
                })
                .collect()
        }
    };
    Ok(out)
}

fn number(c: &ArrayRef, i: usize, f: impl Fn(&ArrayRef, usize) -> Value) -> Value {
    if c.is_null(i) { Value::Null } else { f(c, i) }
}

/// A float as people read it in a table: amounts and counts to two decimals,
/// fractions (rates, shares) to four, so 47532.190000000024 reads 47532.19.
fn display_float(v: f64) -> String {
    if !v.is_finite() {
        v.to_string()
    } else if v.abs() >= 1.0 || v == 0.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.4}")
    }
}

fn float(v: f64) -> Value {
    serde_json::Number::from_f64(v)
        .map(Value::Number)
        .unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::display_float;

    #[test]
    fn table_floats_are_rounded_for_reading() {
        assert_eq!(display_float(47532.190000000024), "47532.19");
        assert_eq!(display_float(0.123456), "0.1235");
        assert_eq!(display_float(0.0), "0.00");
        assert_eq!(display_float(-3.0), "-3.00");
    }
}
