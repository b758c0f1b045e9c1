//! Reading and writing the models' tables: queries with their results as
//! text, and the table builder of `huaxiang_store`.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use huaxiang_store::Workspace;

use crate::error::Result;

pub use huaxiang_store::builder::{TableBuilder, meta};

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
