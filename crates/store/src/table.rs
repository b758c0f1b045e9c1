//! Delta Lake tables of a workspace: open, create, append atomically, overwrite.

use std::num::NonZeroU64;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::execution::SendableRecordBatchStream;
use deltalake::DeltaTable;
use deltalake::kernel::Transaction;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::protocol::SaveMode;
use deltalake::writer::{DeltaWriter, RecordBatchWriter, WriteMode};
use futures::TryStreamExt;

use crate::error::{Result, StoreError, delta, io};

/// Target size of the Parquet files an append writes.
const TARGET_FILE_SIZE: u64 = 128 * 1024 * 1024;

/// The tables folder of a workspace.
#[derive(Debug, Clone)]
pub struct Tables {
    root: PathBuf,
}

impl Tables {
    pub fn new(root: PathBuf) -> Tables {
        Tables { root }
    }

    /// The folder of table `name`.
    pub fn path(&self, name: &str) -> PathBuf {
        self.root.join(name)
    }

    fn url(&self, name: &str) -> Result<url::Url> {
        let p = self.path(name);
        std::fs::create_dir_all(&p).map_err(io("create", &p))?;
        let abs = std::fs::canonicalize(&p).map_err(io("resolve", &p))?;
        url::Url::from_directory_path(&abs)
            .map_err(|_| StoreError::Sql(format!("cannot make a URL of {}", abs.display())))
    }

    /// Whether table `name` exists (has a Delta log with a commit).
    pub fn exists(&self, name: &str) -> bool {
        is_delta_table(&self.path(name))
    }

    /// Names of every table present, sorted.
    pub fn names(&self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(io("list", &self.root)(e)),
        };
        for entry in entries {
            let entry = entry.map_err(io("list", &self.root))?;
            if is_delta_table(&entry.path())
                && let Some(name) = entry.file_name().to_str()
            {
                out.push(name.to_string());
            }
        }
        out.sort();
        Ok(out)
    }

    /// Opens table `name`, or `None` if it does not exist yet.
    pub async fn open(&self, name: &str) -> Result<Option<DeltaTable>> {
        if !self.exists(name) {
            return Ok(None);
        }
        let url = self.url(name)?;
        let table = deltalake::open_table(url).await.map_err(delta(name))?;
        Ok(Some(table))
    }

    /// The current version of table `name`, or `None` if it does not exist.
    pub async fn version(&self, name: &str) -> Result<Option<u64>> {
        Ok(self.open(name).await?.and_then(|t| t.version()))
    }

    /// Opens table `name`, creating it empty with `schema` when missing.
    pub async fn ensure(&self, name: &str, schema: SchemaRef) -> Result<DeltaTable> {
        if let Some(t) = self.open(name).await? {
            return Ok(t);
        }
        let table = DeltaTable::try_from_url(self.url(name)?).await.map_err(delta(name))?;
        let empty = RecordBatch::new_empty(schema);
        let table = table
            .write(vec![empty])
            .with_save_mode(SaveMode::Append)
            .await
            .map_err(delta(name))?;
        Ok(table)
    }

    /// Whether an application transaction `app_id` has been committed to table `name`.
    ///
    /// Appends record their idempotency key this way, in the same atomic commit
    /// as their data, so "already done?" has an exact answer even after a crash.
    pub async fn committed(&self, name: &str, app_id: &str) -> Result<bool> {
        let Some(table) = self.open(name).await? else {
            return Ok(false);
        };
        has_transaction(&table, name, app_id).await
    }

    /// Starts a streaming append to table `name` (created with `schema` when missing).
    pub async fn appender(&self, name: &str, schema: SchemaRef) -> Result<Appender> {
        let props = writer_properties(name, &schema);
        let table = self.ensure(name, schema).await?;
        let writer = RecordBatchWriter::for_table(&table)
            .map_err(delta(name))?
            .with_writer_properties(props)
            .with_target_file_size(TARGET_FILE_SIZE);
        Ok(Appender {
            name: name.to_string(),
            table,
            writer,
            rows: 0,
        })
    }

    /// Replaces the whole content of table `name` in one commit (derived tables).
    pub async fn overwrite(
        &self,
        name: &str,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<u64> {
        let batches = if batches.is_empty() {
            vec![RecordBatch::new_empty(schema.clone())]
        } else {
            batches
        };
        let table = self.ensure(name, schema.clone()).await?;
        let write = table.write(batches);
        commit_overwrite(name, &schema, write, metadata).await
    }

    /// Like [`Tables::overwrite`], with the rows of `streams` (each of
    /// `schema`) encoded as they come: the Parquet writer works while the
    /// streams' plans still compute, instead of after them. All rows are in
    /// one commit or none is; a stream's error fails the write.
    pub async fn overwrite_streams(
        &self,
        name: &str,
        schema: SchemaRef,
        streams: Vec<SendableRecordBatchStream>,
        metadata: serde_json::Map<String, serde_json::Value>,
    ) -> Result<u64> {
        use datafusion::catalog::streaming::StreamingTable;
        use datafusion::datasource::provider_as_source;
        use datafusion::logical_expr::LogicalPlanBuilder;
        use datafusion::physical_plan::streaming::PartitionStream;
        let table = self.ensure(name, schema.clone()).await?;
        let parts: Vec<Arc<dyn PartitionStream>> = streams
            .into_iter()
            .map(|s| Arc::new(TakeOnce::new(schema.clone(), s)) as Arc<dyn PartitionStream>)
            .collect();
        let source = StreamingTable::try_new(schema.clone(), parts)?;
        let plan = LogicalPlanBuilder::scan(name, provider_as_source(Arc::new(source)), None)?.build()?;
        let write = table.write(Vec::new()).with_input_plan(plan);
        commit_overwrite(name, &schema, write, metadata).await
    }

    /// Reads every row of table `name` (small derived tables and tests).
    pub async fn read_all(&self, name: &str) -> Result<Vec<RecordBatch>> {
        let Some(table) = self.open(name).await? else {
            return Ok(Vec::new());
        };
        let ctx = datafusion::prelude::SessionContext::new();
        table.update_datafusion_session(&ctx.state()).map_err(delta(name))?;
        let provider = table
            .table_provider()
            .await
            .map_err(|e| StoreError::Sql(e.to_string()))?;
        let df = ctx.read_table(provider)?;
        let batches: Vec<RecordBatch> = df.execute_stream().await?.try_collect().await?;
        batches.iter().map(plain_strings).collect()
    }
}

/// Commits `write` as the new whole content of table `name` (schema `schema`).
async fn commit_overwrite(
    name: &str,
    schema: &SchemaRef,
    write: deltalake::operations::write::WriteBuilder,
    metadata: serde_json::Map<String, serde_json::Value>,
) -> Result<u64> {
    let table = write
        .with_writer_properties(writer_properties(name, schema))
        .with_save_mode(SaveMode::Overwrite)
        .with_schema_mode(deltalake::operations::write::SchemaMode::Overwrite)
        .with_commit_properties(CommitProperties::default().with_metadata(metadata))
        .await
        .map_err(delta(name))?;
    Ok(table.version().unwrap_or(0))
}

/// One partition of an [`Tables::overwrite_streams`] source: a stream that
/// was already started, handed out once.
struct TakeOnce {
    schema: SchemaRef,
    stream: std::sync::Mutex<Option<SendableRecordBatchStream>>,
}

impl TakeOnce {
    fn new(schema: SchemaRef, stream: SendableRecordBatchStream) -> TakeOnce {
        TakeOnce {
            schema,
            stream: std::sync::Mutex::new(Some(stream)),
        }
    }
}

impl std::fmt::Debug for TakeOnce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TakeOnce").field("schema", &self.schema).finish()
    }
}

impl datafusion::physical_plan::streaming::PartitionStream for TakeOnce {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _ctx: Arc<datafusion::execution::TaskContext>) -> SendableRecordBatchStream {
        use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
        let taken = self.stream.lock().ok().and_then(|mut s| s.take());
        taken.unwrap_or_else(|| {
            let err = datafusion::error::DataFusionError::Internal("a write source stream was read twice".into());
            Box::pin(RecordBatchStreamAdapter::new(
                self.schema.clone(),
                futures::stream::once(async move { Err(err) }),
            ))
        })
    }
}

/// Rows per Parquet row group: a writer holds one row group in memory.
const ROW_GROUP_ROWS: usize = 256 * 1024;

/// Parquet settings of table `table`: Snappy, row groups of [`ROW_GROUP_ROWS`],
/// and no dictionary for columns whose values hardly repeat: floating-point
/// columns, record ids and line numbers, a canonical table's one-column key
/// (`event_id`, `customer_id` of `customers`, …), keyed hashes (`*_hash`) and
/// the encrypted values beside them; nor for the numbers of derived tables.
/// A dictionary there only costs a hash of every value before the writer
/// falls back to plain pages. Hashes and ciphertexts are stored uncompressed.
fn writer_properties(table: &str, schema: &SchemaRef) -> deltalake::parquet::file::properties::WriterProperties {
    use arrow::datatypes::DataType;
    use deltalake::parquet::schema::types::ColumnPath;
    let names: std::collections::HashSet<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let canonical = huaxiang_core::schema::table(table);
    let key = match canonical.as_ref().map(|t| t.key) {
        Some([one]) => Some(*one),
        _ => None,
    };
    let mut props = deltalake::parquet::file::properties::WriterProperties::builder()
        .set_compression(deltalake::parquet::basic::Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    for f in schema.fields() {
        let name = f.name().as_str();
        // Keyed hashes and ciphertexts are random digits: Snappy finds nothing to
        // shorten in them and only costs a pass over every byte.
        let random = name.ends_with("_hash") || names.contains(format!("{name}_hash").as_str());
        let unique = random || matches!(name, "record_id" | "_line") || key == Some(name);
        let float = matches!(f.data_type(), DataType::Float64 | DataType::Float32);
        // A derived table is rewritten whole by a build that waits for the
        // write: its numbers (counts, scores, day counts) go without a
        // dictionary, a third less encoding work for a third more bytes.
        let derived_number = canonical.is_none() && f.data_type().is_numeric();
        if unique || float || derived_number {
            props = props.set_column_dictionary_enabled(ColumnPath::from(name), false);
        }
        if random {
            props = props.set_column_compression(
                ColumnPath::from(name),
                deltalake::parquet::basic::Compression::UNCOMPRESSED,
            );
        }
    }
    props.build()
}

/// A streaming append: batches are written to Parquet files as they come and
/// become visible together, in one commit, or not at all.
pub struct Appender {
    name: String,
    table: DeltaTable,
    writer: RecordBatchWriter,
    rows: u64,
}

impl Appender {
    /// Writes a batch. Columns the table does not have yet are added (schema merge).
    pub async fn write(&mut self, batch: RecordBatch) -> Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        self.rows += batch.num_rows() as u64;
        self.writer
            .write_with_mode(batch, WriteMode::MergeSchema)
            .await
            .map_err(delta(&self.name))
    }

    /// Rows written so far.
    pub fn rows(&self) -> u64 {
        self.rows
    }

    /// Whether an application transaction `app_id` is committed to the table,
    /// as of its latest version (the appender's view is brought up to date).
    pub async fn committed(&mut self, app_id: &str) -> Result<bool> {
        self.table.update_incremental(None).await.map_err(delta(&self.name))?;
        has_transaction(&self.table, &self.name, app_id).await
    }

    /// Commits everything written, with the idempotency key `app_id` and metadata.
    pub async fn commit(mut self, app_id: &str, metadata: serde_json::Map<String, serde_json::Value>) -> Result<u64> {
        let props = CommitProperties::default()
            .with_application_transaction(Transaction::new(app_id, 1))
            .with_metadata(metadata);
        let mut writer = self.writer.with_commit_properties(props);
        let version = writer
            .flush_and_commit(&mut self.table)
            .await
            .map_err(delta(&self.name))?;
        Ok(version)
    }
}

/// Whether the loaded state of `table` (named `name`) holds application transaction `app_id`.
async fn has_transaction(table: &DeltaTable, name: &str, app_id: &str) -> Result<bool> {
    let v = table
        .snapshot()
        .map_err(delta(name))?
        .transaction_version(table.log_store().as_ref(), app_id)
        .await
        .map_err(delta(name))?;
    Ok(v.is_some())
}

fn is_delta_table(dir: &Path) -> bool {
    let log = dir.join("_delta_log");
    std::fs::read_dir(&log)
        .map(|mut entries| {
            entries.any(|e| {
                e.map(|e| e.file_name().to_string_lossy().ends_with(".json"))
                    .unwrap_or(false)
            })
        })
        .unwrap_or(false)
}

/// Nonzero target size, for callers that tune it.
pub fn target_file_size() -> Option<NonZeroU64> {
    NonZeroU64::new(TARGET_FILE_SIZE)
}

/// Casts view-typed string columns (which DataFusion's Parquet scan produces)
/// to plain `Utf8`, so callers can downcast to `StringArray`.
pub fn plain_strings(b: &RecordBatch) -> Result<RecordBatch> {
    use arrow::datatypes::{DataType, Field, Schema};
    if !b
        .schema()
        .fields()
        .iter()
        .any(|f| matches!(f.data_type(), DataType::Utf8View | DataType::LargeUtf8))
    {
        return Ok(b.clone());
    }
    let mut fields = Vec::with_capacity(b.num_columns());
    let mut cols = Vec::with_capacity(b.num_columns());
    for (f, c) in b.schema().fields().iter().zip(b.columns()) {
        if matches!(f.data_type(), DataType::Utf8View | DataType::LargeUtf8) {
            cols.push(arrow::compute::cast(c, &DataType::Utf8)?);
            fields.push(Field::new(f.name(), DataType::Utf8, f.is_nullable()));
        } else {
            cols.push(c.clone());
            fields.push(f.as_ref().clone());
        }
    }
    Ok(RecordBatch::try_new(std::sync::Arc::new(Schema::new(fields)), cols)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};
    use datafusion::physical_plan::stream::RecordBatchStreamAdapter;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![Field::new("n", DataType::Int64, true)]))
    }

    fn batch(values: &[i64]) -> RecordBatch {
        RecordBatch::try_new(schema(), vec![Arc::new(Int64Array::from(values.to_vec()))]).expect("batch")
    }

    fn stream(items: Vec<datafusion::error::Result<RecordBatch>>) -> SendableRecordBatchStream {
        Box::pin(RecordBatchStreamAdapter::new(schema(), futures::stream::iter(items)))
    }

    async fn values(tables: &Tables) -> Vec<i64> {
        let mut out: Vec<i64> = Vec::new();
        for b in tables.read_all("derived").await.expect("read") {
            let a = b.column(0).as_any().downcast_ref::<Int64Array>().expect("ints");
            out.extend(a.iter().flatten());
        }
        out.sort_unstable();
        out
    }

    #[tokio::test]
    async fn streams_replace_the_table_in_one_commit_or_not_at_all() {
        let dir = tempfile::tempdir().expect("tempdir");
        let tables = Tables::new(dir.path().to_path_buf());
        let meta = serde_json::Map::new;
        tables
            .overwrite("derived", schema(), vec![batch(&[1, 2])], meta())
            .await
            .expect("first");
        let before = tables.version("derived").await.expect("version");

        // Two streams, several batches each: every row, one new version.
        let streams = vec![
            stream(vec![Ok(batch(&[10, 11])), Ok(batch(&[12]))]),
            stream(vec![Ok(batch(&[20])), Ok(batch(&[21, 22]))]),
        ];
        let v = tables
            .overwrite_streams("derived", schema(), streams, meta())
            .await
            .expect("streams");
        assert_eq!(Some(v), before.map(|b| b + 1));
        assert_eq!(values(&tables).await, [10, 11, 12, 20, 21, 22]);

        // A stream that fails half way commits nothing.
        let failing = vec![
            stream(vec![Ok(batch(&[30]))]),
            stream(vec![
                Ok(batch(&[40])),
                Err(datafusion::error::DataFusionError::Execution("boom".into())),
            ]),
        ];
        let err = tables
            .overwrite_streams("derived", schema(), failing, meta())
            .await
            .expect_err("a failing stream fails the write");
        assert!(err.to_string().contains("boom"), "{err}");
        assert_eq!(tables.version("derived").await.expect("version"), Some(v));
        assert_eq!(values(&tables).await, [10, 11, 12, 20, 21, 22]);
    }
}
