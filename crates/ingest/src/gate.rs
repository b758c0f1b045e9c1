//! The quality gate: raw text in, typed rows out, every problem accounted for.
//!
//! Rules, in order of precedence:
//! * a row whose required column (the table's key, an order's time, …) is
//!   missing or invalid is **rejected**: it goes to quarantine whole;
//! * an optional column whose value is invalid (an impossible birth year, a
//!   phone that is not a phone) is **emptied** and the raw value goes to
//!   quarantine as a field issue — the row itself is kept;
//! * personal data is normalised, encrypted and hashed here, before any write,
//!   and its raw values in quarantine are encrypted too.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, BooleanArray, BooleanBuilder, Float64Builder, Int64Array, RecordBatch, StringArray, StringBuilder,
    TimestampMicrosecondBuilder,
};
use arrow::compute::filter_record_batch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::common::DFSchema;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::prelude::SessionContext;
use huaxiang_core::normalize::{normalize_email, normalize_name, normalize_phone};
use huaxiang_core::schema::{ColumnType, PiiKind, hash_column};
use huaxiang_pii::Keys;

use crate::error::{IngestError, Result};
use crate::parse::{parse_bool, parse_decimal, parse_id, parse_int_with, parse_timestamp};
use crate::plan::{OutputColumn, Plan, RecordId, ValueSource};
use crate::reader::RawBatch;

/// What happened to a quarantined value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// The whole row was rejected.
    RowRejected,
    /// The row was kept with this field emptied.
    FieldEmptied,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::RowRejected => "row_rejected",
            Action::FieldEmptied => "field_emptied",
        }
    }
}

/// One quarantined problem.
#[derive(Debug, Clone)]
pub struct Issue {
    pub line: u64,
    pub column: String,
    /// The raw value; already encrypted when the column holds personal data.
    pub raw_value: Option<String>,
    pub reason: String,
    pub action: Action,
    /// For rejected rows: the whole input row as JSON (encrypted when the input holds personal data).
    pub raw_row: Option<String>,
}

/// The result of gating one batch.
pub struct Gated {
    /// Accepted rows in the stored schema.
    pub batch: RecordBatch,
    pub issues: Vec<Issue>,
    pub rejected: u64,
    /// Counters worth reporting (returns, rows without a customer, …).
    pub notes: Vec<(&'static str, u64)>,
}

/// Arrow type of a logical column type.
pub fn arrow_type(ty: ColumnType) -> DataType {
    match ty {
        ColumnType::Id | ColumnType::Text => DataType::Utf8,
        ColumnType::Int => DataType::Int64,
        ColumnType::Decimal => DataType::Float64,
        ColumnType::Bool => DataType::Boolean,
        ColumnType::Timestamp => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
    }
}

/// The stored schema of a plan: output columns (with hash columns after
/// personal-data columns), `is_return` where returns apply, then lineage.
pub fn stored_schema(plan: &Plan) -> SchemaRef {
    let mut fields = Vec::new();
    for c in &plan.columns {
        fields.push(Field::new(
            &c.name,
            arrow_type(if c.pii.is_some() { ColumnType::Text } else { c.ty }),
            true,
        ));
        if c.pii.is_some() {
            fields.push(Field::new(hash_column(&c.name), DataType::Utf8, true));
        }
    }
    if tracks_returns(plan) {
        fields.push(Field::new("is_return", DataType::Boolean, true));
    }
    fields.extend(lineage_fields());
    Arc::new(Schema::new(fields))
}

/// The lineage columns every stored row ends with.
pub fn lineage_fields() -> [Field; 4] {
    [
        Field::new("source", DataType::Utf8, false),
        Field::new("record_id", DataType::Utf8, false),
        Field::new("_run_id", DataType::Utf8, false),
        Field::new("_line", DataType::Int64, false),
    ]
}

fn tracks_returns(plan: &Plan) -> bool {
    matches!(plan.table.name, "order_items" | "orders")
        && (plan.return_prefix.is_some() || (plan.table.name == "order_items" && plan.negative_quantity_is_return))
}

/// A typed column being built for one batch.
enum Typed {
    Text(StringBuilder),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Bool(Vec<Option<bool>>),
    Ts(Vec<Option<i64>>),
}

impl Typed {
    fn new(ty: ColumnType, n: usize) -> Typed {
        match ty {
            ColumnType::Id | ColumnType::Text => Typed::Text(StringBuilder::with_capacity(n, n * 16)),
            ColumnType::Int => Typed::Int(Vec::with_capacity(n)),
            ColumnType::Decimal => Typed::Float(Vec::with_capacity(n)),
            ColumnType::Bool => Typed::Bool(Vec::with_capacity(n)),
            ColumnType::Timestamp => Typed::Ts(Vec::with_capacity(n)),
        }
    }
    fn push_null(&mut self) {
        match self {
            Typed::Text(b) => b.append_null(),
            Typed::Int(v) | Typed::Ts(v) => v.push(None),
            Typed::Float(v) => v.push(None),
            Typed::Bool(v) => v.push(None),
        }
    }
    /// Appends the values of `other` (of the same type) after this one's.
    fn append(&mut self, other: Typed) {
        match (self, other) {
            (Typed::Text(a), Typed::Text(mut b)) => append_strings(a, b.finish()),
            (Typed::Int(a), Typed::Int(mut b)) | (Typed::Ts(a), Typed::Ts(mut b)) => a.append(&mut b),
            (Typed::Float(a), Typed::Float(mut b)) => a.append(&mut b),
            (Typed::Bool(a), Typed::Bool(mut b)) => a.append(&mut b),
            // Both sides come from the same column definition.
            _ => unreachable!("typed chunks of one column differ in type"),
        }
    }
    fn into_array(self) -> ArrayRef {
        match self {
            Typed::Text(mut b) => Arc::new(b.finish()),
            Typed::Int(v) => Arc::new(Int64Array::from(v)),
            Typed::Float(v) => {
                let mut b = Float64Builder::with_capacity(v.len());
                v.into_iter().for_each(|x| b.append_option(x));
                Arc::new(b.finish())
            }
            Typed::Bool(v) => {
                let mut b = BooleanBuilder::with_capacity(v.len());
                v.into_iter().for_each(|x| b.append_option(x));
                Arc::new(b.finish())
            }
            Typed::Ts(v) => {
                let mut b = TimestampMicrosecondBuilder::with_capacity(v.len()).with_timezone("UTC");
                v.into_iter().for_each(|x| b.append_option(x));
                Arc::new(b.finish())
            }
        }
    }
}

/// Batches of at least this many rows are converted on several threads.
const PARALLEL_MIN_ROWS: usize = 8192;

/// A rejection: column, raw value shown in quarantine, reason.
type Rejection = (String, Option<String>, String);

/// Input and constant columns of (part of) a batch, converted.
struct Converted {
    /// Per output column; `None` for derived columns.
    typed: Vec<Option<Typed>>,
    /// Keyed hashes per personal-data column.
    hashes: Vec<Option<StringBuilder>>,
    /// Per row: why it is rejected, if it is.
    reject: Vec<Option<Rejection>>,
    /// Field issues per output column, in row order.
    issues: Vec<Vec<Issue>>,
}

/// Appends the values of `more` to `to`.
fn append_strings(to: &mut StringBuilder, more: StringArray) {
    to.extend(more.iter());
}

/// Gates batches for one input. Holds the compiled derived expressions and the
/// per-input state (repeated record ids).
pub struct Gate<'a> {
    plan: &'a Plan,
    keys: &'a Keys,
    source: String,
    run_id: String,
    input: String,
    derived: Option<Vec<(usize, Arc<dyn PhysicalExpr>)>>,
    input_has_pii: bool,
    /// Threads a large batch is converted on.
    threads: usize,
}

impl<'a> Gate<'a> {
    pub fn new(plan: &'a Plan, keys: &'a Keys, source: &str, run_id: &str, input: &str) -> Gate<'a> {
        let input_has_pii = plan
            .columns
            .iter()
            .any(|c| c.pii.is_some() && matches!(c.source, ValueSource::Input(_)));
        Gate {
            plan,
            keys,
            source: source.to_string(),
            run_id: run_id.to_string(),
            input: input.to_string(),
            derived: None,
            input_has_pii,
            threads: std::thread::available_parallelism().map_or(1, |p| p.get()).min(4),
        }
    }

    fn raw_row_json(&self, raw: &RawBatch, row: usize) -> String {
        let mut obj = serde_json::Map::new();
        for (name, col) in raw.names.iter().zip(&raw.columns) {
            let v = if col.is_null(row) {
                serde_json::Value::Null
            } else {
                serde_json::Value::String(col.value(row).to_string())
            };
            obj.insert(name.clone(), v);
        }
        let text = serde_json::Value::Object(obj).to_string();
        if self.input_has_pii {
            self.keys.encrypt(&text)
        } else {
            text
        }
    }

    /// Gates one raw batch.
    // Rows are addressed by index across several parallel column arrays.
    #[allow(clippy::needless_range_loop)]
    pub fn gate(&mut self, raw: &RawBatch) -> Result<Gated> {
        let n = raw.num_rows();
        let plan = self.plan;
        let Converted {
            typed,
            mut hashes,
            mut reject,
            issues: column_issues,
        } = self.convert_all(raw);
        let mut issues: Vec<Issue> = column_issues.into_iter().flatten().collect();
        // Arrays of the non-derived columns, for derived expressions.
        let mut arrays: Vec<Option<ArrayRef>> = typed.into_iter().map(|t| t.map(Typed::into_array)).collect();
        self.evaluate_derived(&mut arrays, &raw.lines, &mut reject)?;
        // Record ids.
        let RecordId::Key(key_cols) = &plan.record_id;
        let key_idx: Vec<usize> = key_cols.iter().filter_map(|k| plan.index_of(k)).collect();
        // Built in one reused buffer and written straight into the column: no
        // string per part or per row (order lines have millions of rows).
        let keys: Vec<Option<&ArrayRef>> = key_idx.iter().map(|&i| arrays[i].as_ref()).collect();
        let strings: Vec<Option<&StringArray>> = keys
            .iter()
            .map(|a| a.and_then(|a| a.as_any().downcast_ref::<StringArray>()))
            .collect();
        let nulls: Vec<Option<arrow::buffer::NullBuffer>> =
            keys.iter().map(|a| a.and_then(|a| a.logical_nulls())).collect();
        let mut record_ids = StringBuilder::with_capacity(n, n * 16);
        let mut id = String::new();
        for r in 0..n {
            id.clear();
            let mut complete = true;
            for (j, key) in keys.iter().enumerate() {
                let present = key.is_some() && !nulls[j].as_ref().is_some_and(|nb| nb.is_null(r));
                let part = match (present, strings[j], key) {
                    (false, _, _) => None,
                    (true, Some(s), _) => Some(std::borrow::Cow::Borrowed(s.value(r))),
                    (true, None, Some(a)) => arrow::util::display::array_value_to_string(a, r).ok().map(Into::into),
                    (true, None, None) => None,
                };
                let Some(part) = part else {
                    complete = false;
                    break;
                };
                if j > 0 {
                    id.push('/');
                }
                id.push_str(&part);
            }
            if !complete {
                if reject[r].is_none() {
                    reject[r] = Some((key_cols.join("/"), None, "the record id is empty".to_string()));
                }
                // The row is rejected and filtered out below; the column itself is non-nullable.
                record_ids.append_value("");
                continue;
            }
            record_ids.append_value(&id);
        }
        // Rejections become issues with the whole raw row.
        let mut keep = Vec::with_capacity(n);
        let mut rejected = 0u64;
        for (r, rej) in reject.into_iter().enumerate() {
            match rej {
                Some((column, raw_value, reason)) => {
                    rejected += 1;
                    keep.push(false);
                    issues.push(Issue {
                        line: raw.lines[r],
                        column,
                        raw_value,
                        reason,
                        action: Action::RowRejected,
                        raw_row: Some(self.raw_row_json(raw, r)),
                    });
                }
                None => keep.push(true),
            }
        }
        // Assemble the stored batch.
        let schema = stored_schema(plan);
        let mut out_cols: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
        for (i, col) in plan.columns.iter().enumerate() {
            let arr = arrays[i]
                .take()
                .unwrap_or_else(|| arrow::array::new_null_array(&arrow_type(col.ty), n));
            out_cols.push(arr);
            if col.pii.is_some() {
                let h: ArrayRef = match hashes[i].take() {
                    Some(mut b) => Arc::new(b.finish()),
                    None => arrow::array::new_null_array(&DataType::Utf8, n),
                };
                out_cols.push(h);
            }
        }
        let mut notes = Vec::new();
        if tracks_returns(plan) {
            let (flags, cancelled, negative) = self.return_flags(&out_cols, n);
            notes.push(("cancellations", count_kept(&cancelled, &keep)));
            if plan.table.name == "order_items" {
                notes.push(("negative quantity lines", count_kept(&negative, &keep)));
            }
            notes.push(("returns", count_kept(&flags, &keep)));
            out_cols.push(Arc::new(BooleanArray::from(flags)));
        }
        if let Some(ids) = stored_column(&out_cols, plan, "customer_id") {
            let missing: Vec<bool> = (0..n).map(|r| ids.is_null(r)).collect();
            notes.push(("rows without customer_id", count_kept(&missing, &keep)));
        }
        out_cols.push(Arc::new(StringArray::from(vec![self.source.as_str(); n])));
        out_cols.push(Arc::new(record_ids.finish()));
        out_cols.push(Arc::new(StringArray::from(vec![self.run_id.as_str(); n])));
        out_cols.push(Arc::new(Int64Array::from(
            raw.lines.iter().map(|l| *l as i64).collect::<Vec<_>>(),
        )));
        let batch = RecordBatch::try_new(schema, out_cols)?;
        let batch = filter_record_batch(&batch, &BooleanArray::from(keep))?;
        Ok(Gated {
            batch,
            issues,
            rejected,
            notes,
        })
    }

    /// Converts every input and constant column of `raw`, on several threads
    /// for a large batch: rows are cut into contiguous chunks, each converted
    /// whole, and joined back in order, so the result (values, rejections,
    /// the order of issues) is the same as converting the batch in one go.
    fn convert_all(&self, raw: &RawBatch) -> Converted {
        let n = raw.num_rows();
        let parts = if n >= PARALLEL_MIN_ROWS { self.threads } else { 1 };
        if parts <= 1 {
            return self.convert_rows(raw, 0, n);
        }
        let step = n.div_ceil(parts);
        let bounds: Vec<(usize, usize)> = (0..parts).map(|k| (k * step, ((k + 1) * step).min(n))).collect();
        let mut chunks: Vec<Converted> = std::thread::scope(|scope| {
            let handles: Vec<_> = bounds[1..]
                .iter()
                .map(|&(lo, hi)| scope.spawn(move || self.convert_rows(raw, lo, hi)))
                .collect();
            let mut out = vec![self.convert_rows(raw, bounds[0].0, bounds[0].1)];
            for h in handles {
                match h.join() {
                    Ok(c) => out.push(c),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            }
            out
        })
        .into_iter()
        .collect();
        let mut all = chunks.remove(0);
        for c in chunks {
            for (a, b) in all.typed.iter_mut().zip(c.typed) {
                if let (Some(a), Some(b)) = (a.as_mut(), b) {
                    a.append(b);
                }
            }
            for (a, b) in all.hashes.iter_mut().zip(c.hashes) {
                if let (Some(a), Some(mut b)) = (a.as_mut(), b) {
                    append_strings(a, b.finish());
                }
            }
            all.reject.extend(c.reject);
            for (a, mut b) in all.issues.iter_mut().zip(c.issues) {
                a.append(&mut b);
            }
        }
        all
    }

    /// Converts rows `lo..hi` of every input and constant column.
    fn convert_rows(&self, raw: &RawBatch, lo: usize, hi: usize) -> Converted {
        let plan = self.plan;
        let m = hi - lo;
        let mut reject: Vec<Option<Rejection>> = vec![None; m];
        let mut issues: Vec<Vec<Issue>> = Vec::with_capacity(plan.columns.len());
        let mut typed: Vec<Option<Typed>> = Vec::with_capacity(plan.columns.len());
        let mut hashes: Vec<Option<StringBuilder>> = Vec::with_capacity(plan.columns.len());
        for col in &plan.columns {
            let raw_col: Option<&StringArray> = match &col.source {
                ValueSource::Input(name) => raw.names.iter().position(|n| n == name).map(|i| &raw.columns[i]),
                _ => None,
            };
            let mut col_issues = Vec::new();
            if let ValueSource::Derived(_) = col.source {
                typed.push(None);
                hashes.push(None);
                issues.push(col_issues);
                continue;
            }
            let constant = match &col.source {
                ValueSource::Constant(c) => Some(c.as_str()),
                _ => None,
            };
            let mut out = Typed::new(if col.pii.is_some() { ColumnType::Text } else { col.ty }, m);
            let mut hash_out: Option<StringBuilder> = col.pii.map(|_| StringBuilder::with_capacity(m, m * 64));
            for r in lo..hi {
                let value: Option<&str> = match (raw_col, constant) {
                    (Some(a), _) if !a.is_null(r) => Some(a.value(r)),
                    (_, Some(c)) => Some(c),
                    _ => None,
                };
                let value = value.filter(|v| !v.trim().is_empty());
                let Some(v) = value else {
                    if col.required && reject[r - lo].is_none() {
                        reject[r - lo] = Some((
                            col.name.clone(),
                            None,
                            format!("required column `{}` is empty", col.name),
                        ));
                    }
                    out.push_null();
                    if let Some(h) = hash_out.as_mut() {
                        h.append_null();
                    }
                    continue;
                };
                match self.convert(col, v, &mut out, hash_out.as_mut()) {
                    Ok(()) => {}
                    Err(reason) => {
                        out.push_null();
                        if let Some(h) = hash_out.as_mut() {
                            h.append_null();
                        }
                        let shown = if col.pii.is_some() {
                            self.keys.encrypt(v)
                        } else {
                            v.to_string()
                        };
                        if col.required {
                            if reject[r - lo].is_none() {
                                reject[r - lo] = Some((col.name.clone(), Some(shown), reason));
                            }
                        } else {
                            col_issues.push(Issue {
                                line: raw.lines[r],
                                column: col.name.clone(),
                                raw_value: Some(shown),
                                reason,
                                action: Action::FieldEmptied,
                                raw_row: None,
                            });
                        }
                    }
                }
            }
            typed.push(Some(out));
            hashes.push(hash_out);
            issues.push(col_issues);
        }
        Converted {
            typed,
            hashes,
            reject,
            issues,
        }
    }

    /// Converts one non-empty value of `col` and appends it.
    fn convert(
        &self,
        col: &OutputColumn,
        v: &str,
        out: &mut Typed,
        hash: Option<&mut StringBuilder>,
    ) -> std::result::Result<(), String> {
        let plan = self.plan;
        if let Some(kind) = col.pii {
            let normalized = match kind {
                PiiKind::Phone => normalize_phone(v).ok_or_else(|| "not a valid phone number".to_string())?,
                PiiKind::Email => normalize_email(v).ok_or_else(|| "not a valid e-mail address".to_string())?,
                PiiKind::Name => normalize_name(v).ok_or_else(|| "not a valid name".to_string())?,
                PiiKind::Other => v.trim().to_string(),
            };
            if let (Typed::Text(t), Some(h)) = (out, hash) {
                h.append_value(self.keys.hash(kind.as_str(), &normalized));
                t.append_value(self.keys.encrypt(&normalized));
            }
            return Ok(());
        }
        let in_range = |x: f64| -> std::result::Result<(), String> {
            match col.range {
                Some(r) if x < r.min || x > r.max => Err(format!(
                    "{x} is outside the valid range {}..={}",
                    r.min,
                    fmt_bound(r.max)
                )),
                _ => Ok(()),
            }
        };
        match out {
            Typed::Text(t) => {
                let s = if col.ty == ColumnType::Id {
                    parse_id(v).map_err(|e| e.to_string())?
                } else {
                    v
                };
                t.append_value(s);
            }
            Typed::Int(t) => {
                let x = parse_int_with(v, &plan.numbers).map_err(|e| e.to_string())?;
                in_range(x as f64)?;
                t.push(Some(x));
            }
            Typed::Float(t) => {
                let x = parse_decimal(v, &plan.numbers).map_err(|e| e.to_string())?;
                in_range(x)?;
                t.push(Some(x));
            }
            Typed::Bool(t) => t.push(Some(parse_bool(v).map_err(|e| e.to_string())?)),
            Typed::Ts(t) => t.push(Some(
                parse_timestamp(v, &plan.timestamp_formats, plan.time_zone).map_err(|e| e.to_string())?,
            )),
        }
        Ok(())
    }

    fn evaluate_derived(
        &mut self,
        arrays: &mut [Option<ArrayRef>],
        lines: &[u64],
        reject: &mut [Option<Rejection>],
    ) -> Result<()> {
        let n = lines.len();
        let plan = self.plan;
        if !plan.columns.iter().any(|c| matches!(c.source, ValueSource::Derived(_))) {
            return Ok(());
        }
        // The batch the expressions see: every non-derived column, typed.
        let mut fields = Vec::new();
        let mut cols = Vec::new();
        for (i, c) in plan.columns.iter().enumerate() {
            if let Some(a) = &arrays[i] {
                fields.push(Field::new(&c.name, a.data_type().clone(), true));
                cols.push(a.clone());
            }
        }
        // `_line`, the row's line in its input, lets a mapping make ids for
        // rows that have none (a click log, say): `event_id = "'L' || _line"`.
        if !fields.iter().any(|f| f.name() == "_line") {
            fields.push(Field::new("_line", DataType::Int64, false));
            cols.push(Arc::new(arrow::array::Int64Array::from_iter_values(
                lines.iter().map(|l| *l as i64),
            )));
        }
        let schema = Arc::new(Schema::new(fields));
        let input_batch = if cols.is_empty() {
            RecordBatch::try_new_with_options(
                schema.clone(),
                cols,
                &arrow::array::RecordBatchOptions::new().with_row_count(Some(n)),
            )?
        } else {
            RecordBatch::try_new(schema.clone(), cols)?
        };
        if self.derived.is_none() {
            let ctx = SessionContext::new();
            let df_schema = DFSchema::try_from(schema.as_ref().clone()).map_err(|e| IngestError::Mapping {
                input: self.input.clone(),
                message: e.to_string(),
            })?;
            let mut compiled = Vec::new();
            for (i, c) in plan.columns.iter().enumerate() {
                if let ValueSource::Derived(expr) = &c.source {
                    let err = |message: String| IngestError::Derive {
                        input: self.input.clone(),
                        column: c.name.clone(),
                        expr: expr.clone(),
                        message,
                    };
                    let logical = ctx.parse_sql_expr(expr, &df_schema).map_err(|e| err(e.to_string()))?;
                    let physical = ctx
                        .create_physical_expr(logical, &df_schema)
                        .map_err(|e| err(e.to_string()))?;
                    compiled.push((i, physical));
                }
            }
            self.derived = Some(compiled);
        }
        let compiled = self.derived.clone().unwrap_or_default();
        for (i, expr) in compiled {
            let c = &plan.columns[i];
            let err = |message: String| IngestError::Derive {
                input: self.input.clone(),
                column: c.name.clone(),
                expr: match &c.source {
                    ValueSource::Derived(e) => e.clone(),
                    _ => String::new(),
                },
                message,
            };
            let value = expr.evaluate(&input_batch).map_err(|e| err(e.to_string()))?;
            let arr = value.into_array(n).map_err(|e| err(e.to_string()))?;
            let target = arrow_type(c.ty);
            let arr = arrow::compute::cast(&arr, &target)
                .map_err(|e| err(format!("cannot convert the result to {target}: {e}")))?;
            for (r, rej) in reject.iter_mut().enumerate() {
                if c.required && arr.is_null(r) && rej.is_none() {
                    *rej = Some((c.name.clone(), None, format!("derived column `{}` is empty", c.name)));
                }
            }
            arrays[i] = Some(arr);
        }
        Ok(())
    }

    /// (is_return, cancelled by prefix, negative quantity) per row.
    fn return_flags(&self, out_cols: &[ArrayRef], n: usize) -> (Vec<bool>, Vec<bool>, Vec<bool>) {
        let plan = self.plan;
        let ids = stored_column(out_cols, plan, "order_id");
        let ids = ids.as_ref().and_then(|a| a.as_any().downcast_ref::<StringArray>());
        let qty = stored_column(out_cols, plan, "qty");
        let qty = qty.as_ref().and_then(|a| a.as_any().downcast_ref::<Int64Array>());
        let mut flags = Vec::with_capacity(n);
        let mut cancelled = Vec::with_capacity(n);
        let mut negative = Vec::with_capacity(n);
        for r in 0..n {
            let c = match (&plan.return_prefix, ids) {
                (Some(p), Some(ids)) if !ids.is_null(r) => ids.value(r).starts_with(p.as_str()),
                _ => false,
            };
            let neg = plan.negative_quantity_is_return && qty.is_some_and(|q| !q.is_null(r) && q.value(r) < 0);
            cancelled.push(c);
            negative.push(neg);
            flags.push(c || neg);
        }
        (flags, cancelled, negative)
    }
}

fn fmt_bound(x: f64) -> String {
    if x == f64::MAX {
        "∞".to_string()
    } else {
        x.to_string()
    }
}

fn count_kept(flags: &[bool], keep: &[bool]) -> u64 {
    flags.iter().zip(keep).filter(|(f, k)| **f && **k).count() as u64
}

/// The stored array of output column `i` (accounting for hash columns).
/// The stored array of output column `name`: personal-data columns take two
/// slots (the encrypted value, then its hash), so positions are counted.
fn stored_column(out_cols: &[ArrayRef], plan: &Plan, name: &str) -> Option<ArrayRef> {
    let mut pos = 0;
    for c in &plan.columns {
        if c.name == name {
            return out_cols.get(pos).cloned();
        }
        pos += if c.pii.is_some() { 2 } else { 1 };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use huaxiang_core::config::Mapping;
    use huaxiang_core::schema::table_or_err;

    /// A customers batch with problems spread over every chunk: emptied
    /// fields, rejected rows, repeats of constant and personal values.
    fn batch(n: usize) -> RawBatch {
        let names = ["customer_id", "name", "phone", "email", "birth_year", "signup_time"];
        let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
        for r in 0..n {
            let id = if r % 997 == 5 { None } else { Some(format!("C{r}")) };
            let phone = if r % 13 == 0 {
                "12345".to_string()
            } else {
                format!("138{:08}", r)
            };
            let email = if r % 101 == 7 {
                "not-an-email".to_string()
            } else {
                format!("u{r}@example.com")
            };
            let year = if r % 89 == 3 {
                "1700".to_string()
            } else {
                (1950 + r % 60).to_string()
            };
            let signup = if r % 331 == 9 {
                "yesterday".to_string()
            } else {
                "2024-03-01 10:00:00".to_string()
            };
            for (c, v) in cols.iter_mut().zip([
                id,
                Some(format!(" 张{r} ")),
                Some(phone),
                Some(email),
                Some(year),
                Some(signup),
            ]) {
                c.push(v);
            }
        }
        RawBatch {
            names: names.iter().map(|s| s.to_string()).collect(),
            lines: (0..n as u64).map(|r| r + 2).collect(),
            columns: cols.into_iter().map(StringArray::from).collect(),
        }
    }

    fn issue_key(i: &Issue) -> (u64, String, bool, String, Action) {
        (
            i.line,
            i.column.clone(),
            i.raw_value.is_some(),
            i.reason.clone(),
            i.action,
        )
    }

    #[test]
    fn chunked_conversion_equals_one_pass() {
        let table = table_or_err("customers").expect("customers table");
        let raw = batch(3 * PARALLEL_MIN_ROWS + 17);
        let plan = crate::plan::resolve(
            &table,
            &Mapping::default(),
            &raw.names,
            "t.csv",
            chrono_tz::Asia::Shanghai,
        )
        .expect("plan");
        let keys = Keys::from_master(&[7u8; huaxiang_pii::MASTER_KEY_LEN]);
        let mut one = Gate::new(&plan, &keys, "s", "run", "t.csv");
        one.threads = 1;
        let mut many = Gate::new(&plan, &keys, "s", "run", "t.csv");
        many.threads = 3;
        let a = one.gate(&raw).expect("gate, one thread");
        let b = many.gate(&raw).expect("gate, three threads");
        assert!(a.rejected > 0 && !a.issues.is_empty());
        assert_eq!(a.rejected, b.rejected);
        assert_eq!(a.notes, b.notes);
        assert_eq!(a.batch.num_rows(), b.batch.num_rows());
        assert_eq!(
            a.issues.iter().map(issue_key).collect::<Vec<_>>(),
            b.issues.iter().map(issue_key).collect::<Vec<_>>()
        );
        // Ciphertexts differ by nonce; every other column is equal, hashes included.
        for (f, (x, y)) in a
            .batch
            .schema()
            .fields()
            .iter()
            .zip(a.batch.columns().iter().zip(b.batch.columns()))
        {
            if ["name", "phone", "email"].contains(&f.name().as_str()) {
                assert_eq!(x.null_count(), y.null_count(), "{}", f.name());
                for r in 0..x.len() {
                    let (p, q) = (
                        x.as_any().downcast_ref::<StringArray>().expect("text"),
                        y.as_any().downcast_ref::<StringArray>().expect("text"),
                    );
                    if !p.is_null(r) {
                        assert_eq!(
                            keys.decrypt(p.value(r)).expect("decrypt"),
                            keys.decrypt(q.value(r)).expect("decrypt")
                        );
                    }
                }
            } else {
                assert_eq!(x.as_ref(), y.as_ref(), "column {}", f.name());
            }
        }
    }
}
