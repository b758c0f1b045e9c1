//! The `quarantine` table: every rejected row and every emptied field, with
//! where it came from and why.

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use crate::error::Result;
use crate::gate::Issue;

/// Name of the quarantine table.
pub const TABLE: &str = "quarantine";

/// Schema of the quarantine table.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("file", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("column_name", DataType::Utf8, true),
        Field::new("raw_value", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("action", DataType::Utf8, false),
        Field::new("raw_row", DataType::Utf8, true),
    ]))
}

/// Context shared by every issue of one input.
pub struct Origin<'a> {
    pub run_id: &'a str,
    pub table: &'a str,
    pub source: &'a str,
    pub file: &'a str,
}

/// Builds a quarantine batch from issues.
pub fn batch(origin: &Origin<'_>, issues: &[Issue]) -> Result<RecordBatch> {
    let n = issues.len();
    let rep = |s: &str| Arc::new(StringArray::from(vec![s; n])) as _;
    Ok(RecordBatch::try_new(
        schema(),
        vec![
            rep(origin.run_id),
            rep(origin.table),
            rep(origin.source),
            rep(origin.file),
            Arc::new(Int64Array::from(
                issues.iter().map(|i| i.line as i64).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                issues.iter().map(|i| Some(i.column.as_str())).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                issues.iter().map(|i| i.raw_value.as_deref()).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                issues.iter().map(|i| i.reason.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                issues.iter().map(|i| i.action.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(StringArray::from(
                issues.iter().map(|i| i.raw_row.as_deref()).collect::<Vec<_>>(),
            )),
        ],
    )?)
}
