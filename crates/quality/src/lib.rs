/*!
`huaxiang quality`: how good is the data that came in?

For every table and column: the share of empty values, the share of values
the quality gate found invalid (and emptied, see the `quarantine` table), the
number of distinct values, the minimum and maximum, and the count of numeric
outliers (beyond three interquartile ranges from the quartiles); per table the
number of duplicate records (the same `record_id` from the same source more
than once); and the quarantine counted by reason. Everything is computed with
SQL over the stored tables, so each figure can be re-derived with
`huaxiang sql`.
*/

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use huaxiang_store::sql::SqlEngine;
use huaxiang_store::{Result, Workspace};
use serde::Serialize;

/// Profile of one column.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnProfile {
    pub column: String,
    pub null_pct: f64,
    pub invalid_pct: f64,
    pub distinct: i64,
    pub min: Option<String>,
    pub max: Option<String>,
    pub outliers: Option<i64>,
}

/// Profile of one table.
#[derive(Debug, Clone, Serialize)]
pub struct TableProfile {
    pub table: String,
    pub rows: i64,
    pub duplicate_records: i64,
    pub columns: Vec<ColumnProfile>,
}

/// Quarantined rows and fields by reason.
#[derive(Debug, Clone, Serialize)]
pub struct QuarantineCount {
    pub table: String,
    pub column: String,
    pub action: String,
    pub reason: String,
    pub count: i64,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct QualityReport {
    pub tables: Vec<TableProfile>,
    pub quarantine: Vec<QuarantineCount>,
}

fn scalar(b: &[RecordBatch], col: usize) -> Option<String> {
    let batch = b.iter().find(|b| b.num_rows() > 0)?;
    let a = batch.column(col);
    if a.is_null(0) {
        return None;
    }
    arrow::util::display::array_value_to_string(a, 0).ok()
}

fn int(b: &[RecordBatch], col: usize) -> i64 {
    scalar(b, col)
        .and_then(|s| s.parse::<f64>().ok())
        .map(|f| f as i64)
        .unwrap_or(0)
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

const CANONICAL_OR_RAW: [&str; 9] = [
    "customers",
    "products",
    "orders",
    "order_items",
    "events",
    "tickets",
    "touches",
    "experiment",
    "quarantine",
];

/// Profiles the raw tables of a workspace.
pub async fn report(ws: &Workspace) -> Result<QualityReport> {
    let engine = SqlEngine::new(ws, false).await?;
    let names = ws.tables().names()?;
    // Invalid (emptied) values per table and column.
    let mut invalid: std::collections::HashMap<(String, String), i64> = Default::default();
    let mut quarantine = Vec::new();
    if names.iter().any(|n| n == "quarantine") {
        let (_, b) = engine
            .query("SELECT table_name, coalesce(column_name, ''), action, reason, count(*) FROM quarantine GROUP BY 1, 2, 3, 4 ORDER BY 5 DESC, 1, 2")
            .await?;
        for batch in &b {
            for r in 0..batch.num_rows() {
                let get =
                    |c: usize| arrow::util::display::array_value_to_string(batch.column(c), r).unwrap_or_default();
                let count = get(4).parse::<i64>().unwrap_or(0);
                if get(2) == "field_emptied" {
                    *invalid.entry((get(0), get(1))).or_default() += count;
                }
                quarantine.push(QuarantineCount {
                    table: get(0),
                    column: get(1),
                    action: get(2),
                    reason: get(3),
                    count,
                });
            }
        }
    }
    let mut tables = Vec::new();
    for name in names.iter().filter(|n| CANONICAL_OR_RAW[..8].contains(&n.as_str())) {
        let (schema, _) = engine.query(&format!("SELECT * FROM {} LIMIT 0", quote(name))).await?;
        let (_, b) = engine
            .query(&format!(
                "SELECT coalesce(sum(n), 0), coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM {} GROUP BY source, record_id)",
                quote(name)
            ))
            .await?;
        let rows = int(&b, 0);
        let duplicate_records = int(&b, 1);
        let mut columns = Vec::new();
        for f in schema.fields() {
            let c = f.name();
            if c.starts_with('_') || c.ends_with("_hash") || c == "source" || c == "record_id" {
                continue;
            }
            let q = quote(c);
            let numeric = matches!(f.data_type(), DataType::Int64 | DataType::Float64);
            let is_pii = schema.field_with_name(&format!("{c}_hash")).is_ok();
            // Min and max of personal data would show (masked) values: skip them.
            let minmax = if is_pii || matches!(f.data_type(), DataType::Boolean) {
                "NULL AS mn, NULL AS mx".to_string()
            } else {
                format!("CAST(min({q}) AS VARCHAR) AS mn, CAST(max({q}) AS VARCHAR) AS mx")
            };
            let distinct = if is_pii {
                format!("count(DISTINCT {})", quote(&format!("{c}_hash")))
            } else {
                format!("count(DISTINCT {q})")
            };
            let sql = format!(
                "SELECT count(*) - count({q}), {distinct}, {minmax} FROM {}",
                quote(name)
            );
            let (_, b) = engine.query(&sql).await?;
            let nulls = int(&b, 0);
            let outliers = if numeric && rows > 0 {
                let sql = format!(
                    "WITH q AS (SELECT approx_percentile_cont({q}, 0.25) AS q1, approx_percentile_cont({q}, 0.75) AS q3 FROM {t} WHERE {q} IS NOT NULL) \
                     SELECT count(*) FROM {t}, q WHERE {q} < q1 - 3 * (q3 - q1) OR {q} > q3 + 3 * (q3 - q1)",
                    t = quote(name)
                );
                Some(int(&engine.query(&sql).await?.1, 0))
            } else {
                None
            };
            let pct = |x: i64| {
                if rows > 0 {
                    (x as f64) * 100.0 / rows as f64
                } else {
                    0.0
                }
            };
            columns.push(ColumnProfile {
                column: c.clone(),
                null_pct: pct(nulls),
                invalid_pct: pct(invalid.get(&(name.clone(), c.clone())).copied().unwrap_or(0)),
                distinct: int(&b, 1),
                min: scalar(&b, 2),
                max: scalar(&b, 3),
                outliers,
            });
        }
        tables.push(TableProfile {
            table: name.clone(),
            rows,
            duplicate_records,
            columns,
        });
    }
    Ok(QualityReport { tables, quarantine })
}

/// Renders the report for a terminal.
pub fn render(r: &QualityReport) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for t in &r.tables {
        let _ = writeln!(
            out,
            "\n== {}  rows {}  duplicate records {} / 重复记录 {}",
            t.table, t.rows, t.duplicate_records, t.duplicate_records
        );
        let _ = writeln!(
            out,
            "{:<24} {:>7} {:>9} {:>9} {:>8}  {:<22} {:<22}",
            "column", "null %", "invalid %", "distinct", "outliers", "min", "max"
        );
        for c in &t.columns {
            let cut = |s: &Option<String>| {
                s.as_deref()
                    .map(|x| x.chars().take(22).collect::<String>())
                    .unwrap_or_default()
            };
            let _ = writeln!(
                out,
                "{:<24} {:>7.2} {:>9.2} {:>9} {:>8}  {:<22} {:<22}",
                c.column,
                c.null_pct,
                c.invalid_pct,
                c.distinct,
                c.outliers.map(|o| o.to_string()).unwrap_or_default(),
                cut(&c.min),
                cut(&c.max)
            );
        }
    }
    if !r.quarantine.is_empty() {
        let _ = writeln!(out, "\n== quarantine by reason / 隔离原因");
        for q in &r.quarantine {
            let _ = writeln!(
                out,
                "{:>8}  {}.{}  {}  {}",
                q.count, q.table, q.column, q.action, q.reason
            );
        }
    }
    out
}
