//! `hx_distinct_ids(id)`: the distinct non-null values of a group, sorted,
//! as a list of strings (the customer ids a session was seen with).
//!
//! A session belongs to the person its customer ids map to. Grouping the
//! events by `(source, session, customer id)` finds those ids, but a third
//! string key costs the grouping of millions of events about as much as the
//! two others together, and the person join then needs a second grouping by
//! session to put the parts back together. Almost every session has one
//! customer id (or none: an anonymous visit), so this aggregate keeps the
//! one value of a group without a set, and a list only for the rare group
//! with several; the plan maps a session with one id straight to its person
//! and regroups only the sessions with several.
//!
//! Null values and rows outside a `FILTER` are skipped; a group without a
//! value gives an empty list.

use std::sync::Arc;

use arrow::array::{Array, ArrayAccessor, ArrayRef, AsArray, BooleanArray, ListArray, StringBuilder};
use arrow::buffer::OffsetBuffer;
use arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::utils::format_state_name;
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, TypeSignature, Volatility,
};

/// The SQL name of the aggregate.
pub const NAME: &str = "hx_distinct_ids";

/// The aggregate, ready to register in a session.
pub fn udaf() -> AggregateUDF {
    AggregateUDF::new_from_impl(DistinctIds {
        signature: string_signature(&[]),
    })
}

/// The signature of an aggregate of a string of any Arrow string type
/// (the scan's views or plain strings), then the arguments `rest`.
pub(crate) fn string_signature(rest: &[DataType]) -> Signature {
    let strings = [DataType::Utf8, DataType::Utf8View, DataType::LargeUtf8];
    let exact = strings.into_iter().map(|t| {
        let mut args = vec![t];
        args.extend_from_slice(rest);
        TypeSignature::Exact(args)
    });
    Signature::one_of(exact.collect(), Volatility::Immutable)
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct DistinctIds {
    signature: Signature,
}

fn item_field() -> Field {
    Field::new_list_field(DataType::Utf8, false)
}

fn list_type() -> DataType {
    DataType::List(Arc::new(item_field()))
}

impl AggregateUDFImpl for DistinctIds {
    fn name(&self) -> &str {
        NAME
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(list_type())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new(
            format_state_name(args.name, "ids"),
            list_type(),
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

    fn default_value(&self, _data_type: &DataType) -> Result<ScalarValue> {
        let list = to_list_array(vec![Ids::None])?;
        Ok(ScalarValue::List(Arc::new(list.as_list::<i32>().clone())))
    }
}

/// The distinct values of one group: none, one (almost always), or several.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
enum Ids {
    #[default]
    None,
    One(Box<str>),
    Many(Vec<Box<str>>),
}

impl Ids {
    fn insert(&mut self, v: &str) {
        match self {
            Ids::None => *self = Ids::One(v.into()),
            Ids::One(one) if &**one == v => {}
            Ids::One(one) => *self = Ids::Many(vec![std::mem::take(one), v.into()]),
            Ids::Many(many) => {
                if !many.iter().any(|m| &**m == v) {
                    many.push(v.into());
                }
            }
        }
    }

    fn bytes(&self) -> usize {
        match self {
            Ids::None => 0,
            Ids::One(one) => one.len(),
            Ids::Many(many) => many.iter().map(|m| m.len() + std::mem::size_of::<Box<str>>()).sum(),
        }
    }

    /// The values, sorted.
    fn sorted(self) -> Vec<Box<str>> {
        match self {
            Ids::None => Vec::new(),
            Ids::One(one) => vec![one],
            Ids::Many(mut many) => {
                many.sort_unstable();
                many
            }
        }
    }
}

/// `groups` as one list array (the result, and the state of partial aggregation).
fn to_list_array(groups: Vec<Ids>) -> Result<ArrayRef> {
    let mut values = StringBuilder::new();
    let mut lengths = Vec::with_capacity(groups.len());
    for ids in groups {
        let sorted = ids.sorted();
        lengths.push(sorted.len());
        for v in sorted {
            values.append_value(v);
        }
    }
    Ok(Arc::new(ListArray::try_new(
        Arc::new(item_field()),
        OffsetBuffer::from_lengths(lengths),
        Arc::new(values.finish()),
        None,
    )?))
}

/// Calls `f(row, value)` for every row of the string array `a` that has a
/// value and passes `filter`.
fn each_value(a: &ArrayRef, filter: Option<&BooleanArray>, mut f: impl FnMut(usize, &str)) -> Result<()> {
    fn go<'a>(a: impl ArrayAccessor<Item = &'a str>, filter: Option<&BooleanArray>, f: &mut impl FnMut(usize, &str)) {
        for row in 0..a.len() {
            let passes = filter.is_none_or(|m| m.is_valid(row) && m.value(row));
            if passes && a.is_valid(row) {
                f(row, a.value(row));
            }
        }
    }
    match a.data_type() {
        DataType::Utf8View => go(a.as_string_view(), filter, &mut f),
        DataType::Utf8 => go(a.as_string::<i32>(), filter, &mut f),
        DataType::LargeUtf8 => go(a.as_string::<i64>(), filter, &mut f),
        other => return exec_err!("{NAME} takes strings, got {other}"),
    }
    Ok(())
}

/// Calls `f(row, value)` for every value in the lists of `a` (a state) at
/// rows that are valid.
fn each_listed(a: &ArrayRef, mut f: impl FnMut(usize, &str)) -> Result<()> {
    let Some(lists) = a.as_list_opt::<i32>() else {
        return exec_err!("{NAME}: a state must be a list, got {}", a.data_type());
    };
    let Some(values) = lists.values().as_string_opt::<i32>() else {
        return exec_err!("{NAME}: a state must list strings, got {}", lists.values().data_type());
    };
    let offsets = lists.value_offsets();
    for row in 0..lists.len() {
        if lists.is_valid(row) {
            for i in offsets[row] as usize..offsets[row + 1] as usize {
                f(row, values.value(i));
            }
        }
    }
    Ok(())
}

/// The ids of every group.
#[derive(Debug, Default)]
struct Groups {
    ids: Vec<Ids>,
    bytes: usize,
}

impl Groups {
    fn insert(&mut self, g: usize, v: &str) {
        let ids = &mut self.ids[g];
        let before = ids.bytes();
        ids.insert(v);
        self.bytes += ids.bytes() - before;
    }

    fn take(&mut self, emit_to: EmitTo) -> Vec<Ids> {
        let groups = emit_to.take_needed(&mut self.ids);
        self.bytes -= groups.iter().map(Ids::bytes).sum::<usize>();
        groups
    }
}

impl GroupsAccumulator for Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.ids.resize_with(total_num_groups, Ids::default);
        each_value(&values[0], opt_filter, |row, v| self.insert(group_indices[row], v))
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        to_list_array(self.take(emit_to))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        Ok(vec![to_list_array(self.take(emit_to))?])
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.ids.resize_with(total_num_groups, Ids::default);
        each_listed(&values[0], |row, v| self.insert(group_indices[row], v))
    }

    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        let mut rows = vec![Ids::None; values[0].len()];
        each_value(&values[0], opt_filter, |row, v| rows[row] = Ids::One(v.into()))?;
        Ok(vec![to_list_array(rows)?])
    }

    fn size(&self) -> usize {
        self.ids.capacity() * std::mem::size_of::<Ids>() + self.bytes
    }
}

/// The ids of one group (aggregation without `GROUP BY`).
#[derive(Debug, Default)]
struct One {
    ids: Ids,
}

impl Accumulator for One {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        each_value(&values[0], None, |_, v| self.ids.insert(v))
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let list = to_list_array(vec![self.ids.clone()])?;
        Ok(ScalarValue::List(Arc::new(list.as_list::<i32>().clone())))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.ids.bytes()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.evaluate()?])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        each_listed(&states[0], |_, v| self.ids.insert(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::udaf_tests::{rows, session};

    /// Equal to `array_agg(DISTINCT …)` sorted, through partial and final
    /// aggregation over several partitions, with filters and nulls, over
    /// plain strings and string views.
    #[tokio::test]
    async fn equals_sorted_distinct_array_agg() {
        let mut values = Vec::new();
        for i in 0..500i64 {
            let g = i % 11;
            let id = match (i % 13, g) {
                (0, _) => "NULL".to_string(),
                (_, 0..=5) => format!("'C{g}'"),
                (_, 6) => "NULL".to_string(),
                _ => format!("'C{}'", (i * 7) % 4),
            };
            values.push(format!("({g}, {id}, {})", i % 5 != 0));
        }
        let ctx = session(udaf(), 7, "g BIGINT, id VARCHAR, keep BOOLEAN", &values).await;
        for col in ["id", "arrow_cast(id, 'Utf8View')", "arrow_cast(id, 'LargeUtf8')"] {
            let ours = rows(
                &ctx,
                &format!("SELECT g, hx_distinct_ids({col}) FILTER (WHERE keep) AS ids FROM v GROUP BY g ORDER BY g"),
            )
            .await;
            let reference = rows(
                &ctx,
                "SELECT g, coalesce(array_sort(array_agg(DISTINCT id) FILTER (WHERE keep AND id IS NOT NULL)), \
                 arrow_cast(make_array(), 'List(Utf8)')) AS ids FROM v GROUP BY g ORDER BY g",
            )
            .await;
            assert_eq!(ours, reference, "{col}");
            let empty = ours.lines().any(|l| l.starts_with("| 6 ") && l.contains("| []"));
            assert!(empty, "a group without ids has an empty list:\n{ours}");
            assert!(ours.contains("[C0, C1, C2, C3]"), "{ours}");
        }
        let all = rows(&ctx, "SELECT hx_distinct_ids(id) AS ids FROM v WHERE g IN (1, 2)").await;
        assert!(all.contains("[C1, C2]"), "{all}");
        let none = rows(&ctx, "SELECT cardinality(hx_distinct_ids(id)) AS n FROM v WHERE g = 6").await;
        assert!(none.contains("| 0 |"), "{none}");
    }

    #[test]
    fn one_id_needs_no_list() {
        let mut ids = Ids::None;
        ids.insert("b");
        ids.insert("b");
        assert_eq!(ids, Ids::One("b".into()));
        ids.insert("a");
        ids.insert("b");
        assert_eq!(ids.sorted(), vec![Box::from("a"), Box::from("b")]);
    }
}
