//! The members of a segment's latest build, with chosen columns, as CSV,
//! JSON or Parquet.
//!
//! Columns are any of the population's (features, attributes, tags) plus the
//! person's `name`, `phone` and `email`, taken from their earliest account
//! (`person_attributes.source` / `record_id`) in `customers`. Those are read
//! through the SQL engine, which masks them; plain text needs `reveal`, which
//! is granted only when the key is available and, if `[privacy]
//! reveal_users` lists anyone, the OS user is one of them.

use std::path::Path;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use huaxiang_store::Workspace;
use huaxiang_store::sql::{OutputFormat, SqlEngine, format_batches};

use crate::error::{Error, Result, did_you_mean, io};
use crate::history::{self, MEMBERS, Run};
use crate::population::{ATTRIBUTES, base_sql, literal, quote};

/// Personal-data columns an export can add, from `customers`.
pub const PII_COLUMNS: [&str; 3] = ["name", "phone", "email"];

/// What an export holds when no columns are chosen: a contact list.
pub const DEFAULT_COLUMNS: [&str; 4] = ["person_id", "name", "phone", "email"];

/// Export file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Parquet,
}

/// Checks that the current user may reveal personal data in this workspace.
pub fn check_reveal(ws: &Workspace) -> Result<()> {
    huaxiang_store::reveal::check_reveal(ws).map_err(|e| match e {
        huaxiang_store::StoreError::RevealRefused(m) => Error::RevealRefused(m),
        other => other.into(),
    })
}

/// Members of a segment's latest build with the chosen columns.
pub struct Members {
    pub run: Run,
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl Members {
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// Parses `a,b,c` (spaces allowed) into column names, first occurrence kept.
pub fn parse_columns(list: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
        if !out.iter().any(|x| x == c) {
            out.push(c.to_string());
        }
    }
    out
}

/// Reads the members of `segment` at its latest build with `columns`.
pub async fn members(ws: &Workspace, segment: &str, columns: &[String], reveal: bool) -> Result<Members> {
    crate::definition::Registry::load(ws)?.require(segment)?;
    let runs = history::require_runs(ws, segment).await?;
    let run = runs[runs.len() - 1].clone();
    if reveal {
        check_reveal(ws)?;
    }
    let engine = SqlEngine::new(ws, reveal).await?;
    let ctx = engine.context();
    let (base, available) = base_sql(ctx).await?;
    let columns: Vec<String> = if columns.is_empty() {
        DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect()
    } else {
        columns.to_vec()
    };
    let mut known: Vec<&str> = available.iter().map(String::as_str).collect();
    known.extend(PII_COLUMNS);
    for c in &columns {
        if !known.contains(&c.as_str()) {
            return Err(Error::UnknownExportColumn {
                column: c.clone(),
                hint: did_you_mean(c, known.iter().copied()),
                available: known.join(", "),
            });
        }
    }
    let wants_pii = columns.iter().any(|c| PII_COLUMNS.contains(&c.as_str()));
    if wants_pii
        && (!ctx.table_exist("customers")?
            || !available.iter().any(|c| c == "record_id")
            || !ctx.table_exist(ATTRIBUTES)?)
    {
        return Err(Error::Usage(
            "name / phone / email come from the person's earliest account: they need the `customers` and \
             `person_attributes` tables (with source and record_id); run `huaxiang build`"
                .to_string(),
        ));
    }
    let projection: Vec<String> = columns
        .iter()
        .map(|c| {
            let q = quote(c);
            if c == "person_id" {
                format!("hx_m.person_id AS {q}")
            } else if PII_COLUMNS.contains(&c.as_str()) {
                format!("hx_c.{q} AS {q}")
            } else {
                format!("hx_b.{q} AS {q}")
            }
        })
        .collect();
    let mut sql = format!(
        "WITH hx_m AS (SELECT DISTINCT person_id FROM {MEMBERS} WHERE segment = {} AND build_id = {}), \
         hx_base AS ({base})",
        literal(segment),
        run.build_id
    );
    if wants_pii {
        sql.push_str(
            ", hx_contact AS (SELECT source, record_id, name, phone, email FROM (\
             SELECT source, record_id, name, phone, email, row_number() OVER (\
             PARTITION BY source, record_id ORDER BY _run_id DESC, _line DESC) AS hx_rn FROM customers) \
             WHERE hx_rn = 1)",
        );
    }
    sql.push_str(&format!(
        " SELECT {} FROM hx_m LEFT JOIN hx_base hx_b ON hx_b.person_id = hx_m.person_id",
        projection.join(", ")
    ));
    if wants_pii {
        sql.push_str(" LEFT JOIN hx_contact hx_c ON hx_c.source = hx_b.source AND hx_c.record_id = hx_b.record_id");
    }
    sql.push_str(" ORDER BY hx_m.person_id");
    let (schema, batches) = engine.query(&sql).await?;
    let (schema, batches) = plain(&schema, &batches)?;
    Ok(Members { run, schema, batches })
}

/// The same data with plain `Utf8` strings and nullable fields, one schema for all batches.
fn plain(schema: &SchemaRef, batches: &[RecordBatch]) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            let t = match f.data_type() {
                DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
                t => t.clone(),
            };
            Field::new(f.name(), t, true)
        })
        .collect();
    let schema: SchemaRef = Arc::new(Schema::new(fields));
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        let b = huaxiang_store::table::plain_strings(b)?;
        out.push(RecordBatch::try_new(schema.clone(), b.columns().to_vec())?);
    }
    Ok((schema, out))
}

/// Writes the members: to `output` when given (returns `None`), else returns
/// the CSV or JSON text for stdout. Parquet needs a file.
pub fn render(members: &Members, format: Format, output: Option<&Path>) -> Result<Option<String>> {
    let text = match format {
        Format::Csv => format_batches(&members.schema, &members.batches, OutputFormat::Csv)?,
        Format::Json => {
            let mut text = String::from_utf8_lossy(&json_array(members)?).into_owned();
            text.push('\n');
            text
        }
        Format::Parquet => {
            let Some(path) = output else {
                return Err(Error::Usage(
                    "Parquet is binary: name a file with --output FILE / Parquet 需要 --output 文件".to_string(),
                ));
            };
            write_parquet(members, path)?;
            return Ok(None);
        }
    };
    match output {
        Some(path) => {
            huaxiang_store::meta::write_atomic(path, text.as_bytes())?;
            Ok(None)
        }
        None => Ok(Some(text)),
    }
}

fn write_parquet(members: &Members, path: &Path) -> Result<()> {
    let tmp = path.with_extension("parquet.tmp");
    let file = std::fs::File::create(&tmp).map_err(io("create", &tmp))?;
    let props = parquet::file::properties::WriterProperties::builder()
        .set_compression(parquet::basic::Compression::ZSTD(Default::default()))
        .build();
    let mut w = parquet::arrow::ArrowWriter::try_new(file, members.schema.clone(), Some(props))?;
    for b in &members.batches {
        w.write(b)?;
    }
    w.close()?;
    std::fs::rename(&tmp, path).map_err(io("replace", path))?;
    Ok(())
}

/// The members as a JSON array of objects, columns in order, nulls kept.
fn json_array(members: &Members) -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    {
        let mut w = arrow::json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, arrow::json::writer::JsonArray>(&mut buf);
        for b in &members.batches {
            w.write(b)?;
        }
        w.finish()?;
    }
    if buf.is_empty() {
        buf.extend_from_slice(b"[]");
    }
    Ok(buf)
}

/// The members as JSON objects (nulls kept), for webhooks.
pub fn json_rows(members: &Members) -> Result<Vec<serde_json::Value>> {
    Ok(serde_json::from_slice(&json_array(members)?)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_lists() {
        assert_eq!(parse_columns(" a, b,,a ,c "), ["a", "b", "c"]);
        assert!(parse_columns(" , ").is_empty());
    }
}

#[cfg(test)]
mod workspace_tests {
    use super::*;
    use crate::definition::Registry;
    use crate::testing::{build, population_workspace, write_customers};

    async fn built() -> (tempfile::TempDir, Workspace) {
        let (dir, ws) = population_workspace().await;
        write_customers(&ws, &["C1", "C2", "C3", "C4", "C5", "C6"]).await;
        let mut reg = Registry::default();
        reg.add("buyers", "frequency >= 3", "").expect("add");
        reg.save(&ws).expect("save");
        crate::membership::run(&ws, &build(1)).await.expect("build");
        (dir, ws)
    }

    #[tokio::test]
    async fn exports_masked_contacts_by_default_and_plain_text_when_revealed() {
        let (dir, ws) = built().await;
        let m = members(&ws, "buyers", &[], false).await.expect("export");
        assert_eq!(m.rows(), 3);
        assert_eq!(m.run.build_id, 1);
        let csv = render(&m, Format::Csv, None).expect("csv").expect("text");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "person_id,name,phone,email");
        assert!(lines[1].starts_with("P3,张*"), "{csv}");
        assert!(
            lines[1].contains("138****0003") && lines[1].contains("c***@example.com"),
            "{csv}"
        );
        assert!(!csv.contains("13800000003") && !csv.contains("张三C3"), "{csv}");
        // P6 has no attributes, hence no earliest account: contacts are empty.
        assert_eq!(lines[3], "P6,,,");

        let m = members(&ws, "buyers", &[], true).await.expect("reveal");
        let csv = render(&m, Format::Csv, None).expect("csv").expect("text");
        assert!(csv.contains("P3,张三C3,+8613800000003,c3@example.com"), "{csv}");

        let cols = parse_columns("person_id,frequency,city,rfm_group,email");
        let m = members(&ws, "buyers", &cols, false).await.expect("columns");
        let json = json_rows(&m).expect("json");
        assert_eq!(json.len(), 3);
        assert_eq!(json[0]["frequency"], 3);
        assert_eq!(json[0]["city"], "北京");
        assert_eq!(json[0]["rfm_group"], "重要价值客户");
        assert_eq!(json[2]["city"], serde_json::Value::Null);
        let text = render(&m, Format::Json, None).expect("json").expect("text");
        assert!(
            text.starts_with("[{\"person_id\":\"P3\",\"frequency\":3,\"city\":\"北京\""),
            "{text}"
        );
        assert!(text.contains("\"city\":null"), "columns are kept when empty: {text}");

        let out = dir.path().join("buyers.parquet");
        render(&m, Format::Parquet, Some(&out)).expect("parquet");
        let file = std::fs::File::open(&out).expect("open");
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
            .expect("reader")
            .build()
            .expect("build");
        let rows: usize = reader.map(|b| b.expect("batch").num_rows()).sum();
        assert_eq!(rows, 3);
        assert!(render(&m, Format::Parquet, None).is_err(), "parquet needs a file");
    }

    #[tokio::test]
    async fn refuses_unknown_columns_and_unlisted_users() {
        let (_dir, ws) = built().await;
        let err = members(&ws, "buyers", &parse_columns("person_id,monetory"), false)
            .await
            .err()
            .expect("unknown column");
        assert!(
            err.to_string().contains("`monetory`") && err.to_string().contains("monetary"),
            "{err}"
        );
        assert!(matches!(
            members(&ws, "nope", &[], false).await.err(),
            Some(Error::UnknownSegment(_))
        ));
        let cfg = ws.dir().join("huaxiang.toml");
        let text = std::fs::read_to_string(&cfg).expect("config");
        let text = text.replace("reveal_users = []", "reveal_users = [\"somebody-else-entirely\"]");
        std::fs::write(&cfg, text).expect("write config");
        let ws = Workspace::open(ws.dir()).expect("reopen");
        assert!(matches!(
            members(&ws, "buyers", &[], true).await.err(),
            Some(Error::RevealRefused(_))
        ));
        assert!(
            members(&ws, "buyers", &[], false).await.is_ok(),
            "masked export is always allowed"
        );
    }
}
