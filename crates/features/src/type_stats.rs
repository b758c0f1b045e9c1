//! `hx_type_stats(type, t)`: per group, for each of a build's event types,
//! how many rows have that type and the latest `t` among them, as one struct
//! (`n_<k>`, `last_<k>` for the `k`-th type).
//!
//! The session summary needs a count and a latest time per event type: with
//! `FILTER` clauses that is two aggregates per type, each comparing every
//! event's type with its literal and passing over every row again. This
//! aggregate finds each row's type once and updates its two numbers, one pass
//! for all types. The types are fixed when the aggregate is made
//! ([`udaf`]), so the struct's fields are known when the query is planned.
//!
//! Rows whose type is null or not listed, and rows outside a `FILTER`, are
//! skipped; a null `t` counts but has no time. A type without rows gives
//! count 0 and a null time.

use std::sync::Arc;

use arrow::array::builder::make_view;
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Array, StringViewArray, StructArray};
use arrow::buffer::{BooleanBuffer, NullBuffer};
use arrow::datatypes::{DataType, Field, FieldRef, Fields, Int64Type};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature};

/// The SQL name of the aggregate.
pub const NAME: &str = "hx_type_stats";

/// The field of the row count of the `k`-th type.
pub fn count_field(k: usize) -> String {
    format!("n_{k}")
}

/// The field of the latest time of the `k`-th type.
pub fn last_field(k: usize) -> String {
    format!("last_{k}")
}

/// The aggregate over `types`, ready to register in a session.
pub fn udaf(types: Vec<String>) -> AggregateUDF {
    AggregateUDF::new_from_impl(TypeStats {
        signature: crate::distinct_ids::string_signature(&[DataType::Int64]),
        types,
    })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TypeStats {
    signature: Signature,
    types: Vec<String>,
}

/// The fields of the result (and of the state): every count, then every time.
fn fields(n: usize) -> Fields {
    let counts = (0..n).map(|k| Field::new(count_field(k), DataType::Int64, false));
    let lasts = (0..n).map(|k| Field::new(last_field(k), DataType::Int64, true));
    counts.chain(lasts).collect()
}

impl AggregateUDFImpl for TypeStats {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(fields(self.types.len())))
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(fields(self.types.len())
            .iter()
            .map(|f| {
                Arc::new(Field::new(
                    format_state_name(args.name, f.name()),
                    DataType::Int64,
                    true,
                ))
            })
            .collect())
    }

    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::new(One(Groups::new(&self.types))))
    }

    fn groups_accumulator_supported(&self, _args: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::new(Groups::new(&self.types)))
    }
}

/// No time yet.
const NONE: i64 = i64::MIN;

/// The position of a type among the listed ones.
#[derive(Debug)]
struct Lookup {
    /// The types with their positions, shortest first (a row's type is
    /// found by its length before its bytes are compared).
    types: Vec<(Box<str>, usize)>,
    /// The types of up to 12 bytes as the string view that holds them
    /// inline, with their positions: a row of a view array is one integer
    /// comparison away from its type.
    inline: Vec<(u128, usize)>,
}

/// The longest string a view holds inline.
const INLINE: usize = 12;

impl Lookup {
    fn new(types: &[String]) -> Lookup {
        let mut types: Vec<(Box<str>, usize)> = types.iter().enumerate().map(|(k, t)| (t.as_str().into(), k)).collect();
        types.sort_by_key(|(t, _)| t.len());
        let inline = types
            .iter()
            .filter(|(t, _)| t.len() <= INLINE)
            .map(|(t, k)| (make_view(t.as_bytes(), 0, 0), *k))
            .collect();
        Lookup { types, inline }
    }

    fn position(&self, ty: &str) -> Option<usize> {
        self.types
            .iter()
            .find(|(t, _)| t.len() == ty.len() && **t == *ty)
            .map(|(_, k)| *k)
    }

    /// The position of row `row` of a view array whose view is `view`.
    fn position_of_view(&self, view: u128, array: &StringViewArray, row: usize) -> Option<usize> {
        if (view as u32) as usize <= INLINE {
            self.inline.iter().find(|(v, _)| *v == view).map(|(_, k)| *k)
        } else {
            self.position(array.value(row))
        }
    }

    /// Calls `f(row, type position, t)` for every row with a listed type
    /// that passes `filter`; `values` are the types and the times.
    fn each_row(
        &self,
        values: &[ArrayRef],
        filter: Option<&BooleanArray>,
        mut f: impl FnMut(usize, usize, Option<i64>),
    ) -> Result<()> {
        fn go(
            types: &dyn Array,
            times: &Int64Array,
            filter: Option<&BooleanArray>,
            position: impl Fn(usize) -> Option<usize>,
            f: &mut impl FnMut(usize, usize, Option<i64>),
        ) {
            for row in 0..times.len() {
                let passes = filter.is_none_or(|m| m.is_valid(row) && m.value(row));
                if passes
                    && types.is_valid(row)
                    && let Some(k) = position(row)
                {
                    f(row, k, times.is_valid(row).then(|| times.value(row)));
                }
            }
        }
        let Some(times) = values[1].as_primitive_opt::<Int64Type>() else {
            return exec_err!("{NAME} takes BIGINT times, got {}", values[1].data_type());
        };
        let a = &values[0];
        match a.data_type() {
            DataType::Utf8View => {
                let views = a.as_string_view();
                let raw = views.views();
                go(
                    views,
                    times,
                    filter,
                    |row| self.position_of_view(raw[row], views, row),
                    &mut f,
                )
            }
            DataType::Utf8 => {
                let strings = a.as_string::<i32>();
                go(strings, times, filter, |row| self.position(strings.value(row)), &mut f)
            }
            DataType::LargeUtf8 => {
                let strings = a.as_string::<i64>();
                go(strings, times, filter, |row| self.position(strings.value(row)), &mut f)
            }
            other => return exec_err!("{NAME} takes string types, got {other}"),
        }
        Ok(())
    }
}

/// Every group's counts and latest times, one vector per type (so that each
/// becomes an output column as it is, without a copy).
#[derive(Debug)]
struct Groups {
    lookup: Lookup,
    counts: Vec<Vec<i64>>,
    lasts: Vec<Vec<i64>>,
}

/// Adds `n` rows with latest time `t` to group `g` of one type.
fn add(counts: &mut [i64], lasts: &mut [i64], g: usize, n: i64, t: Option<i64>) {
    counts[g] += n;
    if let Some(t) = t {
        lasts[g] = lasts[g].max(t);
    }
}

/// The counts as a column.
fn count_column(counts: Vec<i64>) -> ArrayRef {
    Arc::new(Int64Array::new(counts.into(), None))
}

/// The latest times as a column: null where there is none.
fn last_column(lasts: Vec<i64>) -> ArrayRef {
    let valid = BooleanBuffer::collect_bool(lasts.len(), |i| lasts[i] != NONE);
    let nulls = Some(NullBuffer::new(valid)).filter(|n| n.null_count() > 0);
    Arc::new(Int64Array::new(lasts.into(), nulls))
}

/// The columns of [`fields`]: every type's counts, then every type's times.
fn columns(counts: impl IntoIterator<Item = Vec<i64>>, lasts: impl IntoIterator<Item = Vec<i64>>) -> Vec<ArrayRef> {
    let counts = counts.into_iter().map(count_column);
    counts.chain(lasts.into_iter().map(last_column)).collect()
}

impl Groups {
    fn new(types: &[String]) -> Groups {
        Groups {
            lookup: Lookup::new(types),
            counts: vec![Vec::new(); types.len()],
            lasts: vec![Vec::new(); types.len()],
        }
    }

    fn resize(&mut self, groups: usize) {
        for (c, l) in self.counts.iter_mut().zip(&mut self.lasts) {
            c.resize(groups, 0);
            l.resize(groups, NONE);
        }
    }

    /// The numbers of the groups `emit_to` names, removed, as the columns of
    /// [`fields`]: every count, then every time.
    fn take(&mut self, emit_to: EmitTo) -> Vec<ArrayRef> {
        let counts: Vec<Vec<i64>> = self.counts.iter_mut().map(|c| emit_to.take_needed(c)).collect();
        columns(counts, self.lasts.iter_mut().map(|l| emit_to.take_needed(l)))
    }

    /// The columns of [`Groups::take`] for every group, which stay (an
    /// accumulator without groups is read as it runs, e.g. in a window).
    fn copied(&self) -> Vec<ArrayRef> {
        columns(self.counts.iter().cloned(), self.lasts.iter().cloned())
    }

    /// `columns` ([`Groups::take`] or [`Groups::copied`]) of `groups` groups as the result struct.
    fn result(&self, groups: usize, columns: Vec<ArrayRef>) -> Result<ArrayRef> {
        if columns.is_empty() {
            return Ok(Arc::new(StructArray::new_empty_fields(groups, None::<NullBuffer>)));
        }
        Ok(Arc::new(StructArray::try_new(
            fields(self.counts.len()),
            columns,
            None,
        )?))
    }
}

/// Calls `f(row, type position, count, time)` for every number of the
/// states in `values` (the columns of [`Groups::take`] for `types` types).
fn each_state(types: usize, values: &[ArrayRef], mut f: impl FnMut(usize, usize, i64, Option<i64>)) -> Result<()> {
    if values.len() != 2 * types {
        return exec_err!("{NAME}: a state has {} columns, not {}", values.len(), 2 * types);
    }
    for k in 0..types {
        let (Some(c), Some(l)) = (
            values[k].as_primitive_opt::<Int64Type>(),
            values[types + k].as_primitive_opt::<Int64Type>(),
        ) else {
            return exec_err!("{NAME}: a state must be BIGINT columns");
        };
        for row in 0..c.len() {
            if c.is_valid(row) {
                f(row, k, c.value(row), l.is_valid(row).then(|| l.value(row)));
            }
        }
    }
    Ok(())
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.resize(total_num_groups);
        let (counts, lasts) = (&mut self.counts, &mut self.lasts);
        self.lookup.each_row(values, opt_filter, |row, k, t| {
            add(&mut counts[k], &mut lasts[k], group_indices[row], 1, t)
        })
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let groups = match emit_to {
            EmitTo::All => self.counts.first().map_or(0, Vec::len),
            EmitTo::First(n) => n,
        };
        let columns = self.take(emit_to);
        self.result(groups, columns)
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(self.take(emit_to))
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.resize(total_num_groups);
        let (counts, lasts) = (&mut self.counts, &mut self.lasts);
        each_state(counts.len(), values, |row, k, n, t| {
            add(&mut counts[k], &mut lasts[k], group_indices[row], n, t)
        })
    }

    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        let rows = values[1].len();
        let types = self.counts.len();
        let mut counts = vec![vec![0; rows]; types];
        let mut lasts = vec![vec![NONE; rows]; types];
        self.lookup.each_row(values, opt_filter, |row, k, t| {
            counts[k][row] = 1;
            lasts[k][row] = t.unwrap_or(NONE);
        })?;
        Ok(columns(counts, lasts))
    }

    fn size(&self) -> usize {
        let capacity: usize = self.counts.iter().chain(&self.lasts).map(Vec::capacity).sum();
        capacity * std::mem::size_of::<i64>()
    }
}

/// The numbers of one group (aggregation without `GROUP BY`).
#[derive(Debug)]
struct One(Groups);

impl Accumulator for One {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let g = vec![0; values[1].len()];
        GroupsAccumulator::update_batch(&mut self.0, values, &g, None, 1)
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.0.resize(1);
        let array = self.0.result(1, self.0.copied())?;
        ScalarValue::try_from_array(&array, 0)
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + GroupsAccumulator::size(&self.0)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        self.0.resize(1);
        self.0
            .copied()
            .iter()
            .map(|c| ScalarValue::try_from_array(c, 0))
            .collect()
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let g = vec![0; states.first().map_or(0, |s| s.len())];
        GroupsAccumulator::merge_batch(&mut self.0, states, &g, 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udaf_tests::{rows, session};

    /// Equal to a `count` and a `max` with `FILTER` per type, through partial
    /// and final aggregation over several partitions, with nulls, unlisted
    /// types, filters and every string type.
    #[tokio::test]
    async fn equals_filtered_counts_and_maxima() {
        let types = ["view", "cart", "a_longer_type_name", "absent"];
        let mut values = Vec::new();
        for i in 0..400i64 {
            let ty = match i % 7 {
                0 => "NULL".to_string(),
                1 => "'other'".to_string(),
                2 | 3 => "'view'".to_string(),
                4 => "'cart'".to_string(),
                _ => "'a_longer_type_name'".to_string(),
            };
            let t = if i % 11 == 0 {
                "NULL".to_string()
            } else {
                ((i * 37) % 1009).to_string()
            };
            values.push(format!("({}, {ty}, CAST({t} AS BIGINT), {})", i % 9, i % 4 != 0));
        }
        let ctx = session(
            udaf(types.iter().map(|t| t.to_string()).collect()),
            5,
            "g BIGINT, ty VARCHAR, t BIGINT, keep BOOLEAN",
            &values,
        )
        .await;
        let reference: Vec<String> = types
            .iter()
            .enumerate()
            .map(|(k, ty)| {
                format!(
                    "count(*) FILTER (WHERE keep AND ty = '{ty}') AS n_{k}, max(t) FILTER (WHERE keep AND ty = '{ty}') AS last_{k}"
                )
            })
            .collect();
        let want = rows(
            &ctx,
            &format!("SELECT g, {} FROM v GROUP BY g ORDER BY g", reference.join(", ")),
        )
        .await;
        for col in ["ty", "arrow_cast(ty, 'Utf8View')", "arrow_cast(ty, 'LargeUtf8')"] {
            let fields: Vec<String> = (0..types.len())
                .map(|k| format!("s['n_{k}'] AS n_{k}, s['last_{k}'] AS last_{k}"))
                .collect();
            let got = rows(
                &ctx,
                &format!(
                    "SELECT g, {} FROM (SELECT g, {NAME}({col}, t) FILTER (WHERE keep) AS s FROM v GROUP BY g) ORDER BY g",
                    fields.join(", ")
                ),
            )
            .await;
            assert_eq!(got, want, "{col}");
        }
        assert!(want.contains("| 0   |"), "the absent type counts 0:\n{want}");
        // Read as it runs (a growing window), the counts keep adding up.
        // (Rows that tie on the order are equal, so their running counts come in one order.)
        let w = "OVER (ORDER BY g, t, ty, keep ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)";
        let running = rows(
            &ctx,
            &format!("SELECT {NAME}(ty, t) {w}['n_1'] AS n FROM v ORDER BY g, t, ty, keep, n"),
        )
        .await;
        let reference = rows(
            &ctx,
            &format!("SELECT sum(CASE WHEN ty = 'cart' THEN 1 ELSE 0 END) {w} AS n FROM v ORDER BY g, t, ty, keep, n"),
        )
        .await;
        assert_eq!(running, reference);
        let all = rows(&ctx, &format!("SELECT {NAME}(ty, t)['n_1'] AS n FROM v")).await;
        let cart = rows(&ctx, "SELECT count(*) AS n FROM v WHERE ty = 'cart'").await;
        assert_eq!(all, cart);
    }
}
