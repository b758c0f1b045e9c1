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
use crate::gate::{Action, Gate, stored_schema};
use crate::orders::OrderDeriver;
use crate::pipeline::{self, Labels, Step};
use crate::plan::{self, Plan};
use crate::quarantine::{self, Origin};
use crate::reader::db::{DbReader, DbSource};
use crate::reader::{FileReader, RawBatch, ReadOptions};
use crate::repeats::RepeatCounter;

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

/// The counts of one input so far.
#[derive(Default)]
struct Totals {
    read: u64,
    accepted: u64,
    rejected: u64,
    emptied: u64,
    notes: BTreeMap<String, u64>,
}

/// Where the gated rows of one input go until its commit.
struct Sink<'a> {
    main: Appender,
    quarantine: Appender,
    deriver: Option<OrderDeriver>,
    /// Record ids written so far, to number repeats (`id#2`) when the plan asks.
    repeats: Option<RepeatCounter>,
    run_id: &'a str,
    req: &'a IngestRequest,
    /// The input, as quarantine rows name it.
    file: String,
    totals: Totals,
}

impl<'a> Sink<'a> {
    /// Opens (or creates) the input's table and the quarantine, side by side.
    async fn open(
        ws: &Workspace,
        req: &'a IngestRequest,
        plan: &Plan,
        run_id: &'a str,
        label: &str,
    ) -> Result<Sink<'a>> {
        let tables = ws.tables();
        let (main, quarantine) = tokio::try_join!(
            tables.appender(&req.table, stored_schema(plan)),
            tables.appender(quarantine::TABLE, quarantine::schema())
        )?;
        Ok(Sink {
            main,
            quarantine,
            deriver: plan.derive_orders.then(OrderDeriver::default),
            repeats: plan.disambiguate_ids.then(RepeatCounter::default),
            run_id,
            req,
            file: label.to_string(),
            totals: Totals::default(),
        })
    }

    fn origin(&self) -> Origin<'_> {
        Origin {
            run_id: self.run_id,
            table: &self.req.table,
            source: &self.req.source,
            file: &self.file,
        }
    }

    /// Counts a step and writes its rows and issues.
    async fn absorb(&mut self, step: Step) -> Result<()> {
        let t = &mut self.totals;
        let malformed = step.malformed.len() as u64;
        t.read += step.rows + malformed;
        t.rejected += malformed;
        let mut issues = step.malformed;
        if let Some(mut gated) = step.gated {
            if let Some(repeats) = self.repeats.as_mut() {
                let ids = gated.batch.schema().index_of("record_id")?;
                gated.batch = repeats.number(gated.batch, ids)?;
            }
            t.rejected += gated.rejected;
            t.accepted += gated.batch.num_rows() as u64;
            t.emptied += gated.issues.iter().filter(|i| i.action == Action::FieldEmptied).count() as u64;
            for (k, v) in &gated.notes {
                *t.notes.entry((*k).to_string()).or_default() += v;
            }
            issues.extend(gated.issues);
            if let Some(d) = self.deriver.as_mut() {
                d.add(&gated.batch);
            }
            if !issues.is_empty() {
                self.quarantine
                    .write(quarantine::batch(&self.origin(), &issues)?)
                    .await?;
            }
            self.main.write(gated.batch).await?;
        } else if !issues.is_empty() {
            self.quarantine
                .write(quarantine::batch(&self.origin(), &issues)?)
                .await?;
        }
        Ok(())
    }
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
    tracing::debug!(input = ?input_label(input), "start");
    // A file is hashed on one thread while another starts reading and gating
    // it; a database's content is hashed as it is read.
    enum Source {
        File(tokio::sync::mpsc::Receiver<Result<Step>>, String),
        Db(DbReader, Sha256, Box<Plan>),
    }
    let (label, mut sink, mut source) = match input {
        Input::File(path) => {
            let label = path.display().to_string();
            let hashing = {
                let path = path.clone();
                tokio::task::spawn_blocking(move || sha256_file(&path))
            };
            let opts = ReadOptions {
                batch_rows: req.batch_rows.max(1),
                ..ReadOptions::default()
            };
            let reader = FileReader::open(path, &opts)?;
            let total_bytes = reader.total_bytes();
            let plan: Plan = plan::resolve(table, &req.mapping, reader.names(), &label, tz)?;
            let labels = Labels {
                source: req.source.clone(),
                run_id: run_id.to_string(),
                input: label.clone(),
            };
            let steps = pipeline::spawn(reader, plan.clone(), keys.clone(), labels)?;
            // The tables open while the file is hashed. A table that does not
            // exist yet is created here, which is harmless when the input
            // turns out to be ingested already: then the table existed.
            let hashed = async {
                hashing
                    .await
                    .map_err(|e| IngestError::Thread(format!("hashing {label}: {e}")))?
            };
            let (hash, mut sink) = tokio::try_join!(hashed, Sink::open(ws, req, &plan, run_id, &label))?;
            tracing::debug!(input = %label, "content hashed, tables open");
            if sink.main.committed(&app_id(&req.source, &req.table, &hash)).await? {
                // Dropping the steps stops the reader thread.
                return Ok(skipped(label, req, hash));
            }
            progress.start(&label, total_bytes);
            (label, sink, Source::File(steps, hash))
        }
        Input::Db(src) => {
            let r = DbReader::open(src, req.batch_rows.max(1)).await?;
            let label = r.location();
            let plan: Plan = plan::resolve(table, &req.mapping, r.names(), &label, tz)?;
            let sink = Sink::open(ws, req, &plan, run_id, &label).await?;
            progress.start(&label, None);
            (label, sink, Source::Db(r, Sha256::new(), Box::new(plan)))
        }
    };
    let hash = match &mut source {
        Source::File(steps, hash) => {
            while let Some(step) = steps.recv().await {
                let step = step?;
                let bytes = step.bytes;
                sink.absorb(step).await?;
                progress.advance(sink.totals.read, bytes);
            }
            hash.clone()
        }
        Source::Db(reader, content, plan) => {
            let mut gate = Gate::new(plan, keys, &req.source, run_id, &label);
            while let Some(raw) = reader.next_batch().await? {
                hash_batch(content, &raw);
                let gated = gate.gate(&raw)?;
                let step = Step {
                    rows: raw.num_rows() as u64,
                    gated: Some(gated),
                    malformed: Vec::new(),
                    bytes: 0,
                };
                sink.absorb(step).await?;
                progress.advance(sink.totals.read, 0);
            }
            hex::encode(std::mem::take(content).finalize())
        }
    };
    progress.finish(&label);
    tracing::debug!(input = %label, "input read");
    let app = app_id(&req.source, &req.table, &hash);
    if sink.main.committed(&app).await? {
        // Identical content was ingested before (or by a concurrent run): commit nothing.
        return Ok(skipped(label, req, hash));
    }
    let meta = commit_meta(run_id, &label, &hash);
    let Sink {
        main,
        quarantine: mut quarantine_app,
        deriver,
        totals,
        ..
    } = sink;
    // Secondary tables first: each is skipped if a crashed run already committed it.
    if !quarantine_app.committed(&app).await? {
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
    tracing::debug!(input = %label, "secondary tables committed");
    main.commit(&app, meta.clone()).await?;
    tracing::debug!(input = %label, "committed");
    let report = InputReport {
        input: label,
        table: req.table.clone(),
        source: req.source.clone(),
        status: "ingested".to_string(),
        read: totals.read,
        accepted: totals.accepted,
        rejected: totals.rejected,
        fields_emptied: totals.emptied,
        notes: totals.notes,
        derived_orders,
        content_sha256: hash,
    };
    record_run(ws, run_id, &report, started, &app).await?;
    tracing::debug!(input = %report.input, "run recorded");
    Ok(report)
}

/// How an input is named in debug logs before it is opened.
fn input_label(input: &Input) -> String {
    match input {
        Input::File(p) => p.display().to_string(),
        Input::Db(_) => "database query".to_string(),
    }
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
