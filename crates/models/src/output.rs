//! Writing the models' derived tables: small column builders and one
//! overwrite per table, so each output appears whole or not at all.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use huaxiang_store::Workspace;
use serde_json::{Map, Value};

use crate::error::Result;

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

    pub fn batch(self) -> Result<RecordBatch> {
        Ok(RecordBatch::try_new(Arc::new(Schema::new(self.fields)), self.columns)?)
    }

    /// Replaces table `name` with these rows in one commit.
    pub async fn overwrite(self, ws: &Workspace, name: &str, metadata: Map<String, Value>) -> Result<u64> {
        let b = self.batch()?;
        Ok(ws.tables().overwrite(name, b.schema(), vec![b], metadata).await?)
    }
}

/// Commit metadata from `(key, value)` pairs.
pub fn meta<const N: usize>(pairs: [(&str, Value); N]) -> Map<String, Value> {
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

/// The rows of a query over the workspace's tables.
pub async fn query(ws: &Workspace, sql: &str) -> Result<Vec<RecordBatch>> {
    let engine = huaxiang_store::sql::SqlEngine::new(ws, false).await?;
    let (_, batches) = engine.query(sql).await?;
    Ok(batches)
}

/// The first column of the first row of a query, as text (`None` when empty or NULL).
pub async fn scalar_text(ws: &Workspace, sql: &str) -> Result<Option<String>> {
    let batches = query(ws, sql).await?;
    for b in batches {
        if b.num_rows() > 0 {
            let c = arrow::compute::cast(b.column(0), &DataType::Utf8)?;
            let c = c.as_string::<i32>();
            return Ok((!c.is_null(0)).then(|| c.value(0).to_string()));
        }
    }
    Ok(None)
}

/// Columns `names` of `batches` as text (`None` = NULL), in row order.
pub fn text_columns(batches: &[RecordBatch], names: &[&str]) -> Result<Vec<Vec<Option<String>>>> {
    let mut out = vec![Vec::new(); names.len()];
    for b in batches {
        for (j, name) in names.iter().enumerate() {
            let col = b
                .column_by_name(name)
                .ok_or_else(|| crate::error::Error::Invalid(format!("the query result has no column `{name}`")))?;
            let c = arrow::compute::cast(col, &DataType::Utf8)?;
            let c = c.as_string::<i32>();
            out[j].extend((0..c.len()).map(|i| (!c.is_null(i)).then(|| c.value(i).to_string())));
        }
    }
    Ok(out)
}
