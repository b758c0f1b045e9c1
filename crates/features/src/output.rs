//! Batches as the derived tables store them.
//!
//! DataFusion hands back view-typed strings and timestamps in the workspace
//! zone (that is how the SQL views present them); Delta stores plain strings
//! and UTC instants. Converting here keeps the stored tables like the raw
//! ones, and `huaxiang sql` presents them in the workspace zone again.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::error::DataFusionError;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::StreamExt;
use huaxiang_store::table::plain_strings;

use crate::error::Result;

/// The stored type of a column of type `t`.
fn stored(t: &DataType) -> DataType {
    match t {
        DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
        DataType::Timestamp(unit, Some(_)) => DataType::Timestamp(*unit, Some("UTC".into())),
        other => other.clone(),
    }
}

/// The stored schema of `schema` (every column nullable, as derived tables are rewritten whole).
pub fn stored_schema(schema: &Schema) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|f| Field::new(f.name(), stored(f.data_type()), true))
            .collect::<Vec<_>>(),
    ))
}

/// Converts one batch to `schema` (from [`stored_schema`]).
pub fn to_stored(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    let b = plain_strings(b)?;
    let mut cols = Vec::with_capacity(b.num_columns());
    for (c, f) in b.columns().iter().zip(schema.fields()) {
        if c.data_type() == f.data_type() {
            cols.push(c.clone());
        } else {
            cols.push(arrow::compute::cast(c, f.data_type())?);
        }
    }
    Ok(RecordBatch::try_new(schema.clone(), cols)?)
}

/// `stream` converted batch by batch to `schema` (from [`stored_schema`]),
/// its rows added to `rows`.
pub fn stored_stream(
    stream: SendableRecordBatchStream,
    schema: SchemaRef,
    rows: Arc<AtomicUsize>,
) -> SendableRecordBatchStream {
    let out = schema.clone();
    let converted = stream.map(move |b| {
        let b = to_stored(&b?, &schema).map_err(|e| DataFusionError::External(Box::new(e)))?;
        rows.fetch_add(b.num_rows(), Ordering::Relaxed);
        Ok(b)
    });
    Box::pin(RecordBatchStreamAdapter::new(out, converted))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, StringViewArray, TimestampMicrosecondArray};

    #[test]
    fn strings_become_plain_and_instants_utc() {
        let src = Schema::new(vec![
            Field::new("s", DataType::Utf8View, false),
            Field::new(
                "t",
                DataType::Timestamp(arrow::datatypes::TimeUnit::Microsecond, Some("Asia/Shanghai".into())),
                true,
            ),
        ]);
        let b = RecordBatch::try_new(
            Arc::new(src.clone()),
            vec![
                Arc::new(StringViewArray::from(vec!["x"])),
                Arc::new(TimestampMicrosecondArray::from(vec![Some(5)]).with_timezone("Asia/Shanghai")),
            ],
        )
        .expect("batch");
        let schema = stored_schema(&src);
        let out = to_stored(&b, &schema).expect("stored");
        assert_eq!(out.schema().field(0).data_type(), &DataType::Utf8);
        assert!(out.schema().field(0).is_nullable());
        let t = out
            .column(1)
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .expect("ts");
        assert_eq!((t.value(0), t.timezone()), (5, Some("UTC")));
    }
}
