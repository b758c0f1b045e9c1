//! Plain-text tables for the command line, aligned for Chinese text too.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::error::Result;

/// Renders `rows` under `headers` as a boxed text table.
pub fn text_table(headers: &[&str], rows: &[Vec<String>]) -> Result<String> {
    let schema = Arc::new(Schema::new(
        headers
            .iter()
            .map(|h| Field::new(*h, DataType::Utf8, true))
            .collect::<Vec<_>>(),
    ));
    let cols: Vec<ArrayRef> = (0..headers.len())
        .map(|i| {
            Arc::new(StringArray::from_iter_values(
                rows.iter().map(|r| r.get(i).map(String::as_str).unwrap_or("")),
            )) as ArrayRef
        })
        .collect();
    let batch = RecordBatch::try_new(schema, cols)?;
    Ok(arrow::util::pretty::pretty_format_batches(&[batch])?.to_string())
}

/// A share as a percentage with one decimal.
pub fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_columns() {
        let t = text_table(&["tag", "名称"], &[vec!["a".into(), "高价值".into()]]).expect("table");
        assert!(t.contains("| a   | 高价值 |"), "{t}");
        assert_eq!(percent(0.1234), "12.3%");
    }
}
