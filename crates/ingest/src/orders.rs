//! Orders derived from invoice lines, for sources that only have lines.
//!
//! One order per order id: its customer, its earliest line time, the signed
//! sum of `unit_price × qty`, and a status: `returned` when every line is a
//! return (a cancellation invoice or negative quantities), else `paid`.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::{
    Array, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use arrow::datatypes::SchemaRef;

use crate::error::Result;

#[derive(Debug, Clone)]
struct Acc {
    customer_id: Option<String>,
    order_time: Option<i64>,
    amount: f64,
    lines: u64,
    return_lines: u64,
    first_line: i64,
}

/// Accumulates accepted lines and emits orders at the end of an input.
#[derive(Debug, Default)]
pub struct OrderDeriver {
    orders: BTreeMap<String, Acc>,
}

fn col<'a, T: 'static>(b: &'a RecordBatch, name: &str) -> Option<&'a T> {
    b.column_by_name(name).and_then(|a| a.as_any().downcast_ref::<T>())
}

impl OrderDeriver {
    /// Adds a batch of accepted `order_items` rows (stored schema).
    pub fn add(&mut self, b: &RecordBatch) {
        let (Some(ids), Some(price), Some(qty)) = (
            col::<StringArray>(b, "order_id"),
            col::<Float64Array>(b, "unit_price"),
            col::<Int64Array>(b, "qty"),
        ) else {
            return;
        };
        let cust = col::<StringArray>(b, "customer_id");
        let time = col::<TimestampMicrosecondArray>(b, "order_time");
        let ret = col::<BooleanArray>(b, "is_return");
        let line = col::<Int64Array>(b, "_line");
        for r in 0..b.num_rows() {
            let acc = self.orders.entry(ids.value(r).to_string()).or_insert(Acc {
                customer_id: None,
                order_time: None,
                amount: 0.0,
                lines: 0,
                return_lines: 0,
                first_line: line.map(|l| l.value(r)).unwrap_or(0),
            });
            if acc.customer_id.is_none()
                && let Some(c) = cust.filter(|c| !c.is_null(r))
            {
                acc.customer_id = Some(c.value(r).to_string());
            }
            if let Some(t) = time.filter(|t| !t.is_null(r)) {
                let t = t.value(r);
                acc.order_time = Some(acc.order_time.map_or(t, |o| o.min(t)));
            }
            acc.amount += price.value(r) * qty.value(r) as f64;
            acc.lines += 1;
            if ret.is_some_and(|x| !x.is_null(r) && x.value(r)) {
                acc.return_lines += 1;
            }
        }
    }

    /// Number of distinct orders seen.
    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// The derived orders in the stored schema of `orders` (`schema`), with lineage.
    pub fn finish(self, schema: SchemaRef, source: &str, run_id: &str) -> Result<RecordBatch> {
        let n = self.orders.len();
        let mut names = Vec::with_capacity(schema.fields().len());
        for f in schema.fields() {
            names.push(f.name().clone());
        }
        let rows: Vec<(String, Acc)> = self.orders.into_iter().collect();
        let mut cols: Vec<Arc<dyn Array>> = Vec::new();
        for name in &names {
            let arr: Arc<dyn Array> = match name.as_str() {
                "order_id" | "record_id" => Arc::new(StringArray::from(
                    rows.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
                )),
                "customer_id" => Arc::new(StringArray::from(
                    rows.iter().map(|(_, a)| a.customer_id.as_deref()).collect::<Vec<_>>(),
                )),
                "order_time" => Arc::new(
                    TimestampMicrosecondArray::from(rows.iter().map(|(_, a)| a.order_time).collect::<Vec<_>>())
                        .with_timezone("UTC"),
                ),
                "amount" => Arc::new(Float64Array::from(
                    rows.iter()
                        .map(|(_, a)| (a.amount * 100.0).round() / 100.0)
                        .collect::<Vec<_>>(),
                )),
                "status" => Arc::new(StringArray::from(
                    rows.iter()
                        .map(|(_, a)| if a.return_lines == a.lines { "returned" } else { "paid" })
                        .collect::<Vec<_>>(),
                )),
                "is_return" => Arc::new(BooleanArray::from(
                    rows.iter().map(|(_, a)| a.return_lines == a.lines).collect::<Vec<_>>(),
                )),
                "source" => Arc::new(StringArray::from(vec![source; n])),
                "_run_id" => Arc::new(StringArray::from(vec![run_id; n])),
                "_line" => Arc::new(Int64Array::from(
                    rows.iter().map(|(_, a)| a.first_line).collect::<Vec<_>>(),
                )),
                other => {
                    let dt = schema.field_with_name(other)?.data_type().clone();
                    arrow::array::new_null_array(&dt, n)
                }
            };
            cols.push(arr);
        }
        Ok(RecordBatch::try_new(schema, cols)?)
    }
}

/// The stored schema of derived orders: canonical columns, `is_return`, lineage.
pub fn schema() -> SchemaRef {
    use arrow::datatypes::{DataType, Field, Schema};
    let mut fields = Vec::new();
    if let Some(t) = huaxiang_core::schema::table("orders") {
        for c in &t.columns {
            fields.push(Field::new(c.name, crate::gate::arrow_type(c.ty), true));
        }
    }
    fields.push(Field::new("is_return", DataType::Boolean, true));
    fields.extend(crate::gate::lineage_fields());
    Arc::new(Schema::new(fields))
}
