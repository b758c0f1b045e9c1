//! One ingest run: inputs in, atomic idempotent appends out.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use huaxiang_core::config::Mapping;
use huaxiang_core::schema;
use huaxiang_pii::Keys;
use huaxiang_store::Workspace;
use huaxiang_store::table::Appender;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::{IngestError, Result};
use crate::gate::{Action, Gate, Issue, stored_schema};
use crate::orders::OrderDeriver;
use crate::plan::{self, Plan};
use crate::quarantine::{self, Origin};
use crate::reader::db::{DbReader, DbSource};
use crate::reader::{FileReader, RawBatch, ReadOptions};

/// Name of the table that records every ingest of every input.
pub const RUNS_TABLE: &str = "ingest_runs";

/// One input of an ingest.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Db(DbSource),
}

/// What to ingest, where.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    pub table: String,
    pub source: String,
    pub mapping: Mapping,
    pub inputs: Vec<Input>,
    pub batch_rows: usize,
}

/// Receives progress while inputs stream.
pub trait Progress {
    fn start(&self, input: &str, total_bytes: Option<u64>);
    fn advance(&self, rows: u64, bytes: u64);
    fn finish(&self, input: &str);
}

/// No progress output.
pub struct NoProgress;
impl Progress for NoProgress {
    fn start(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64, _: u64) {}
    fn finish(&self, _: &str) {}
}

/// The outcome of one input.
#[derive(Debug, Clone, Serialize)]
pub struct InputReport {
    pub input: String,
    pub table: String,
    pub source: String,
    /// `ingested`, or `already ingested` when identical content was ingested before.
    pub status: String,
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub fields_emptied: u64,
    pub notes: BTreeMap<String, u64>,
    pub derived_orders: u64,
    pub content_sha256: String,
}

/// The outcome of a whole ingest.
#[derive(Debug, Clone, Serialize)]
pub struct IngestReport {
    pub read: u64,
    pub accepted: u64,
    pub rejected: u64,
    /// The quarantine table's folder when anything was quarantined by this run.
    pub quarantine: Option<String>,
    pub inputs: Vec<InputReport>,
}

enum Reader {
    File(Box<FileReader>),
    Db(DbReader),
}

impl Reader {
    async fn next_batch(&mut self) -> Result<Option<RawBatch>> {
        Ok(match self {
            Reader::File(r) => r.next_batch()?,
            Reader::Db(r) => r.next_batch().await?,
        })
    }
    fn names(&self) -> Vec<String> {
        match self {
            Reader::File(r) => r.names().to_vec(),
            Reader::Db(r) => r.names().to_vec(),
        }
    }
    fn take_malformed(&mut self) -> Vec<crate::reader::Malformed> {
        match self {
            Reader::File(r) => r.take_malformed(),
            Reader::Db(_) => Vec::new(),
        }
    }
    fn bytes_read(&self) -> u64 {
        match self {
            Reader::File(r) => r.bytes_read(),
            Reader::Db(_) => 0,
        }
    }
}

fn new_run_id() -> String {
    let mut suffix = [0u8; 3];
    rand::fill(&mut suffix);
    format!("{}-{}", chrono::Utc::now().format("%Y%m%dT%H%M%S"), hex::encode(suffix))
}

fn sha256_file(path: &Path) -> Result<String> {
    let io = |source| IngestError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn hash_batch(h: &mut Sha256, b: &RawBatch) {
    use arrow::array::Array;
    for r in 0..b.num_rows() {
        for c in &b.columns {
            if c.is_null(r) {
                h.update([0u8]);
            } else {
                h.update([1u8]);
                h.update(c.value(r).as_bytes());
                h.update([0x1f]);
            }
        }
        h.update([0x1e]);
    }
}

/// Runs an ingest: every input of `req` into `req.table` under `req.source`.
pub async fn ingest(ws: &Workspace, req: &IngestRequest, progress: &dyn Progress) -> Result<IngestReport> {
    let table = schema::table_or_err(&req.table)?;
    let keys = ws.keys()?;
    let tz = ws.time_zone()?;
    let run_id = new_run_id();
    let mut reports = Vec::new();
    for input in &req.inputs {
        let report = ingest_one(ws, req, &table, &keys, tz, &run_id, input, progress).await?;
        reports.push(report);
    }
    let read = reports.iter().map(|r| r.read).sum();
    let accepted = reports.iter().map(|r| r.accepted).sum();
    let rejected = reports.iter().map(|r| r.rejected).sum();
    let quarantined = reports.iter().any(|r| r.rejected + r.fields_emptied > 0);
    let quarantine = quarantined.then(|| ws.tables().path(quarantine::TABLE).display().to_string());
    Ok(IngestReport {
        read,
        accepted,
        rejected,
        quarantine,
        inputs: reports,
    })
}

#[allow(clippy::too_many_arguments)]
async fn ingest_one(
    ws: &Workspace,
    req: &IngestRequest,
    table: &schema::TableDef,
    keys: &Keys,
    tz: chrono_tz::Tz,
    run_id: &str,
    input: &Input,
    progress: &dyn Progress,
) -> Result<InputReport> {
    let tables = ws.tables();
    let started = chrono::Utc::now().timestamp_micros();
    let (label, file_hash, mut reader) = match input {
        Input::File(path) => {
            let label = path.display().to_string();
            let hash = sha256_file(path)?;
            let app_id = app_id(&req.source, &req.table, &hash);
            if tables.committed(&req.table, &app_id).await? {
                return Ok(skipped(label, req, hash));
            }
            let opts = ReadOptions {
                batch_rows: req.batch_rows.max(1),
                ..ReadOptions::default()
            };
            let r = FileReader::open(path, &opts)?;
            progress.start(&label, r.total_bytes());
            (label, Some(hash), Reader::File(Box::new(r)))
        }
        Input::Db(src) => {
            let r = DbReader::open(src, req.batch_rows.max(1)).await?;
            let label = r.location();
            progress.start(&label, None);
            (label, None, Reader::Db(r))
        }
    };
    let names = reader.names();
    let plan: Plan = plan::resolve(table, &req.mapping, &names, &label, tz)?;
    let schema = stored_schema(&plan);
    let mut main = tables.appender(&req.table, schema.clone()).await?;
    let mut quarantine_app = tables.appender(quarantine::TABLE, quarantine::schema()).await?;
    let mut deriver = plan.derive_orders.then(OrderDeriver::default);
    let mut gate = Gate::new(&plan, keys, &req.source, run_id, &label);
    let origin = Origin {
        run_id,
        table: &req.table,
        source: &req.source,
        file: &label,
    };
    let mut content = Sha256::new();
    let (mut read, mut accepted, mut rejected, mut emptied) = (0u64, 0u64, 0u64, 0u64);
    let mut notes: BTreeMap<String, u64> = BTreeMap::new();
    let pii_input = plan.columns.iter().any(|c| c.pii.is_some());
    while let Some(raw) = reader.next_batch().await? {
        if file_hash.is_none() {
            hash_batch(&mut content, &raw);
        }
        let mut issues = malformed_issues(&mut reader, keys, pii_input);
        let malformed = issues.len() as u64;
        let gated = gate.gate(&raw)?;
        read += raw.num_rows() as u64 + malformed;
        rejected += gated.rejected + malformed;
        accepted += gated.batch.num_rows() as u64;
        emptied += gated.issues.iter().filter(|i| i.action == Action::FieldEmptied).count() as u64;
        for (k, v) in &gated.notes {
            *notes.entry((*k).to_string()).or_default() += v;
        }
        issues.extend(gated.issues);
        if !issues.is_empty() {
            quarantine_app.write(quarantine::batch(&origin, &issues)?).await?;
        }
        if let Some(d) = deriver.as_mut() {
            d.add(&gated.batch);
        }
        main.write(gated.batch).await?;
        progress.advance(read, reader.bytes_read());
    }
    // Rows the reader could not read after the last batch.
    let tail = malformed_issues(&mut reader, keys, pii_input);
    if !tail.is_empty() {
        read += tail.len() as u64;
        rejected += tail.len() as u64;
        quarantine_app.write(quarantine::batch(&origin, &tail)?).await?;
    }
    progress.finish(&label);
    let hash = file_hash.unwrap_or_else(|| hex::encode(content.finalize()));
    let app = app_id(&req.source, &req.table, &hash);
    if tables.committed(&req.table, &app).await? {
        // Identical database content was ingested before: commit nothing.
        return Ok(skipped(label, req, hash));
    }
    let meta = commit_meta(run_id, &label, &hash);
    // Secondary tables first: each is skipped if a crashed run already committed it.
    if !tables.committed(quarantine::TABLE, &app).await? {
        quarantine_app.commit(&app, meta.clone()).await?;
    }
    let mut derived_orders = 0;
    if let Some(d) = deriver {
        derived_orders = d.len() as u64;
        if !tables.committed("orders", &app).await? {
            let oschema = crate::orders::schema();
            let batch = d.finish(oschema.clone(), &req.source, run_id)?;
            let mut oapp: Appender = tables.appender("orders", oschema).await?;
            oapp.write(batch).await?;
            oapp.commit(&app, meta.clone()).await?;
        }
    }
    main.commit(&app, meta.clone()).await?;
    let report = InputReport {
        input: label,
        table: req.table.clone(),
        source: req.source.clone(),
        status: "ingested".to_string(),
        read,
        accepted,
        rejected,
        fields_emptied: emptied,
        notes,
        derived_orders,
        content_sha256: hash,
    };
    record_run(ws, run_id, &report, started, &app).await?;
    Ok(report)
}

/// Rows the reader could not read, as rejected-row issues (the raw text encrypted when the input holds personal data).
fn malformed_issues(reader: &mut Reader, keys: &Keys, pii_input: bool) -> Vec<Issue> {
    reader
        .take_malformed()
        .into_iter()
        .map(|m| Issue {
            line: m.line,
            column: "(row)".to_string(),
            raw_value: None,
            reason: m.reason,
            action: Action::RowRejected,
            raw_row: Some(if pii_input { keys.encrypt(&m.raw) } else { m.raw }),
        })
        .collect()
}

fn app_id(source: &str, table: &str, hash: &str) -> String {
    format!("huaxiang-ingest:{table}:{source}:{hash}")
}

fn commit_meta(run_id: &str, input: &str, hash: &str) -> serde_json::Map<String, serde_json::Value> {
    let mut m = serde_json::Map::new();
    m.insert("huaxiang.run_id".into(), run_id.into());
    m.insert("huaxiang.input".into(), input.into());
    m.insert("huaxiang.content_sha256".into(), hash.into());
    m
}

fn skipped(input: String, req: &IngestRequest, hash: String) -> InputReport {
    InputReport {
        input,
        table: req.table.clone(),
        source: req.source.clone(),
        status: "already ingested".to_string(),
        read: 0,
        accepted: 0,
        rejected: 0,
        fields_emptied: 0,
        notes: BTreeMap::new(),
        derived_orders: 0,
        content_sha256: hash,
    }
}

fn runs_schema() -> SchemaRef {
    let ts = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    Arc::new(Schema::new(vec![
        Field::new("run_id", DataType::Utf8, false),
        Field::new("table_name", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("input", DataType::Utf8, false),
        Field::new("content_sha256", DataType::Utf8, false),
        Field::new("started_at", ts.clone(), false),
        Field::new("finished_at", ts, false),
        Field::new("read", DataType::Int64, false),
        Field::new("accepted", DataType::Int64, false),
        Field::new("rejected", DataType::Int64, false),
        Field::new("fields_emptied", DataType::Int64, false),
        Field::new("notes", DataType::Utf8, false),
    ]))
}

async fn record_run(ws: &Workspace, run_id: &str, r: &InputReport, started: i64, app: &str) -> Result<()> {
    let tables = ws.tables();
    if tables.committed(RUNS_TABLE, app).await? {
        return Ok(());
    }
    let finished = chrono::Utc::now().timestamp_micros();
    let notes = serde_json::to_string(&r.notes).unwrap_or_else(|_| "{}".to_string());
    let batch = RecordBatch::try_new(
        runs_schema(),
        vec![
            Arc::new(StringArray::from(vec![run_id])),
            Arc::new(StringArray::from(vec![r.table.as_str()])),
            Arc::new(StringArray::from(vec![r.source.as_str()])),
            Arc::new(StringArray::from(vec![r.input.as_str()])),
            Arc::new(StringArray::from(vec![r.content_sha256.as_str()])),
            Arc::new(TimestampMicrosecondArray::from(vec![started]).with_timezone("UTC")),
            Arc::new(TimestampMicrosecondArray::from(vec![finished]).with_timezone("UTC")),
            Arc::new(Int64Array::from(vec![r.read as i64])),
            Arc::new(Int64Array::from(vec![r.accepted as i64])),
            Arc::new(Int64Array::from(vec![r.rejected as i64])),
            Arc::new(Int64Array::from(vec![r.fields_emptied as i64])),
            Arc::new(StringArray::from(vec![notes.as_str()])),
        ],
    )?;
    let mut app_w = tables.appender(RUNS_TABLE, runs_schema()).await?;
    app_w.write(batch).await?;
    app_w.commit(app, serde_json::Map::new()).await?;
    Ok(())
}
