//! Derived tables written whole: small column builders and one overwrite per
//! table, so each output appears whole or not at all.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use serde_json::{Map, Value};

use crate::error::Result;
use crate::workspace::Workspace;

/// Named columns built row by row, written as one batch.
#[derive(Default)]
pub struct TableBuilder {
    fields: Vec<Field>,
    columns: Vec<ArrayRef>,
}

impl TableBuilder {
    pub fn new() -> TableBuilder {
        TableBuilder::default()
    }

    pub fn text<S: AsRef<str>>(mut self, name: &str, values: impl IntoIterator<Item = Option<S>>) -> Self {
        let a: StringArray = values.into_iter().collect();
        self.fields.push(Field::new(name, DataType::Utf8, true));
        self.columns.push(Arc::new(a));
        self
    }

    pub fn float(mut self, name: &str, values: impl IntoIterator<Item = f64>) -> Self {
        let a: Float64Array = values.into_iter().map(|v| v.is_finite().then_some(v)).collect();
        self.fields.push(Field::new(name, DataType::Float64, true));
        self.columns.push(Arc::new(a));
        self
    }

    pub fn int(mut self, name: &str, values: impl IntoIterator<Item = i64>) -> Self {
        let a: Int64Array = values.into_iter().map(Some).collect();
        self.fields.push(Field::new(name, DataType::Int64, true));
        self.columns.push(Arc::new(a));
        self
    }

    pub fn int32(mut self, name: &str, values: impl IntoIterator<Item = i32>) -> Self {
        let a: Int32Array = values.into_iter().map(Some).collect();
        self.fields.push(Field::new(name, DataType::Int32, true));
        self.columns.push(Arc::new(a));
        self
    }

    /// Nullable integers.
    pub fn opt_int(mut self, name: &str, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        let a: Int64Array = values.into_iter().collect();
        self.fields.push(Field::new(name, DataType::Int64, true));
        self.columns.push(Arc::new(a));
        self
    }

    pub fn boolean(mut self, name: &str, values: impl IntoIterator<Item = Option<bool>>) -> Self {
        let a: BooleanArray = values.into_iter().collect();
        self.fields.push(Field::new(name, DataType::Boolean, true));
        self.columns.push(Arc::new(a));
        self
    }

    /// Instants given as Unix milliseconds, stored as Delta Lake timestamps
    /// (microseconds, UTC; the SQL engine shows them in the workspace's zone).
    pub fn timestamp_ms(mut self, name: &str, values: impl IntoIterator<Item = Option<i64>>) -> Self {
        let a: TimestampMicrosecondArray = values
            .into_iter()
            .map(|v| v.map(|ms| ms.saturating_mul(1000)))
            .collect();
        let a = a.with_timezone("UTC");
        self.fields.push(Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ));
        self.columns.push(Arc::new(a));
        self
    }

    pub fn batch(self) -> Result<RecordBatch> {
        Ok(RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)?)
    }

    /// Replaces table `name` with these rows in one commit.
    pub async fn overwrite(self, ws: &Workspace, name: &str, metadata: Map<String, Value>) -> Result<u64> {
        let b = self.batch()?;
        ws.tables().overwrite(name, b.schema(), vec![b], metadata).await
    }
}

/// Commit metadata from `(key, value)` pairs.
pub fn meta<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}
