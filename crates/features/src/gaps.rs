//! `hx_gap_std(t)`: the sample standard deviation of the gaps between
//! consecutive values of a group, once sorted (the spread of the intervals
//! between a person's purchases).
//!
//! SQL can say this with `lag(t) OVER (PARTITION BY person ORDER BY t)` and a
//! `stddev` over it, and the stage once did; but a window partitioned by
//! a hundred thousand persons costs DataFusion more than every other order
//! aggregate together (it tracks each partition through scalar values). As an
//! aggregate it is one more column of the per-person `GROUP BY`: each group
//! keeps its values, and the gaps are taken when the group is emitted.
//!
//! Null values and rows outside a `FILTER` are skipped; fewer than three
//! values (two gaps) give NULL, like `stddev` of fewer than two rows.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, ListArray};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

/// The SQL name of the aggregate.
pub const NAME: &str = "hx_gap_std";

/// The aggregate, ready to register in a session.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(GapStd {
        signature: Signature::exact(vec![DataType::Int64], Volatility::Immutable),
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct GapStd {
    signature: Signature,
}

/// The sample standard deviation of the consecutive gaps of `values`
/// (sorted in place); `None` for fewer than two gaps.
pub fn gap_std(values: &mut [i64]) -> Option<f64> {
    if values.len() < 3 {
        return None;
    }
    values.sort_unstable();
    let gaps = values.windows(2).map(|w| (w[1] - w[0]) as f64);
    let n = (values.len() - 1) as f64;
    let mean = gaps.clone().sum::<f64>() / n;
    let ss: f64 = gaps.map(|g| (g - mean) * (g - mean)).sum();
    Some((ss / (n - 1.0)).sqrt())
}

fn list_field() -> Field {
    Field::new_list_field(DataType::Int64, false)
}

/// `lists` as one list array (the state of partial aggregation).
fn to_list_array(lists: Vec<Vec<i64>>) -> Result<ArrayRef> {
    let offsets = OffsetBuffer::from_lengths(lists.iter().map(Vec::len));
    let values = Int64Array::from(lists.into_iter().flatten().collect::<Vec<_>>());
    Ok(Arc::new(ListArray::try_new(
        Arc::new(list_field()),
        offsets,
        Arc::new(values),
        None,
    )?))
}

impl AggregateUDFImpl for GapStd {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "values"),
            DataType::List(Arc::new(list_field())),
            true,
        ))])
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(One::default()))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Groups::default()))
    }
}

fn int64s(a: &ArrayRef) -> Result<&Int64Array> {
    match a.as_primitive_opt::<Int64Type>() {
        Some(a) => Ok(a),
        None => exec_err!("{NAME} takes BIGINT values, got {}", a.data_type()),
    }
}

fn lists(a: &ArrayRef) -> Result<&ListArray> {
    match a.as_list_opt::<i32>() {
        Some(a) => Ok(a),
        None => exec_err!("{NAME}: a state must be a list, got {}", a.data_type()),
    }
}

/// The values of every group.
#[derive(Debug, Default)]
struct Groups {
    values: Vec<Vec<i64>>,
    len: usize,
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.values.resize_with(total_num_groups, Vec::new);
        let t = int64s(&values[0])?;
        for (row, &g) in group_indices.iter().enumerate() {
            let passes = opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row));
            if passes && t.is_valid(row) {
                self.values[g].push(t.value(row));
                self.len += 1;
            }
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = emit_to.take_needed(&mut self.values);
        self.len -= groups.iter().map(Vec::len).sum::<usize>();
        let out: Float64Array = groups.into_iter().map(|mut v| gap_std(&mut v)).collect();
        Ok(Arc::new(out))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let groups = emit_to.take_needed(&mut self.values);
        self.len -= groups.iter().map(Vec::len).sum::<usize>();
        Ok(vec![to_list_array(groups)?])
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.values.resize_with(total_num_groups, Vec::new);
        let states = lists(&values[0])?;
        let inner = int64s(states.values())?;
        let offsets = states.value_offsets();
        for (row, &g) in group_indices.iter().enumerate() {
            if states.is_valid(row) {
                let (from, to) = (offsets[row] as usize, offsets[row + 1] as usize);
                self.values[g].extend_from_slice(&inner.values()[from..to]);
                self.len += to - from;
            }
        }
        Ok(())
    }

    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        let t = int64s(&values[0])?;
        let rows = (0..t.len())
            .map(|row| {
                let passes = opt_filter.is_none_or(|f| f.is_valid(row) && f.value(row));
                if passes && t.is_valid(row) {
                    vec![t.value(row)]
                } else {
                    Vec::new()
                }
            })
            .collect();
        Ok(vec![to_list_array(rows)?])
    }

    fn size(&self) -> usize {
        self.values.capacity() * std::mem::size_of::<Vec<i64>>() + self.len * std::mem::size_of::<i64>()
    }
}

/// The values of one group (aggregation without `GROUP BY`).
#[derive(Debug, Default)]
struct One {
    values: Vec<i64>,
}

impl Accumulator for One {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        self.values.extend(int64s(&values[0])?.iter().flatten());
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Float64(gap_std(&mut self.values)))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.values.capacity() * std::mem::size_of::<i64>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = to_list_array(vec![std::mem::take(&mut self.values)])?;
        Ok(vec![ScalarValue::List(Arc::new(lists(&list)?.clone()))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = lists(&states[0])?;
        for row in 0..states.len() {
            if states.is_valid(row) {
                self.values.extend(int64s(&states.value(row))?.values().iter());
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udaf_tests::session;

    #[test]
    fn gaps_of_sorted_values() {
        // Gaps 1, 2, 3 → mean 2, sample variance 1.
        assert_eq!(gap_std(&mut [7, 1, 2, 4]), Some(1.0));
        assert_eq!(gap_std(&mut [5, 1]), None);
        assert_eq!(gap_std(&mut [3, 3, 3]), Some(0.0));
    }

    /// The aggregate equals `stddev` over `lag` gaps, grouped, filtered, and
    /// through partial and final aggregation (several partitions).
    #[tokio::test]
    async fn equals_stddev_of_lag_gaps() {
        let mut rows = Vec::new();
        for i in 0..600i64 {
            let g = i % 7;
            let t = (i * i * 37 + g * 11) % 10_007;
            let keep = if i % 5 == 0 { "false" } else { "true" };
            let t = if i % 13 == 0 { "NULL".to_string() } else { t.to_string() };
            rows.push(format!("({g}, CAST({t} AS BIGINT), {keep})"));
        }
        let ctx = session(udaf(), 16, "g BIGINT, t BIGINT, keep BOOLEAN", &rows).await;
        let ours = "SELECT g, hx_gap_std(t) FILTER (WHERE keep) AS s FROM v GROUP BY g ORDER BY g";
        let lag = "SELECT g, stddev(gap) AS s FROM (SELECT g, t - lag(t) OVER (PARTITION BY g ORDER BY t) AS gap \
                   FROM v WHERE keep AND t IS NOT NULL) GROUP BY g ORDER BY g";
        let run = |sql: &'static str| {
            let ctx = ctx.clone();
            async move {
                let b = ctx.sql(sql).await.expect("plan").collect().await.expect("run");
                let mut out = Vec::new();
                for b in b {
                    let s = b.column(1).as_primitive::<arrow::datatypes::Float64Type>();
                    out.extend(s.iter());
                }
                out
            }
        };
        let (a, b) = (run(ours).await, run(lag).await);
        assert_eq!(a.len(), 7);
        for (x, y) in a.iter().zip(&b) {
            let (x, y) = (x.expect("value"), y.expect("value"));
            assert!((x - y).abs() <= 1e-9 * y.abs(), "{x} vs {y}");
        }
        let none = ctx
            .sql("SELECT hx_gap_std(t) FROM v WHERE g = 1 AND t < 0")
            .await
            .expect("plan")
            .collect()
            .await
            .expect("run");
        assert!(none[0].column(0).is_null(0));
    }
}
