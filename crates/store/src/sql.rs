//! Read-only SQL over every table of a workspace.
//!
//! This is both the user's escape hatch and how every derived result is
//! checked, so it sees exactly what is stored, with two presentation rules:
//! personal data is masked unless revealed (see [`crate::udf`]), and
//! timestamps are shown in the workspace's time zone.

use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use datafusion::execution::context::SQLOptions;
use datafusion::logical_expr::ScalarUDF;
use datafusion::prelude::{SessionConfig, SessionContext};
use futures::TryStreamExt;
use huaxiang_pii::Keys;

use crate::error::{Result, StoreError};
use crate::schema::WorkspaceSchema;
use crate::udf::{PiiUdf, PiiView};
use crate::workspace::Workspace;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Table,
    Csv,
    Json,
}

/// A DataFusion session over every workspace table (opened when first queried; see [`crate::schema`]).
pub struct SqlEngine {
    ctx: SessionContext,
    schema: Arc<WorkspaceSchema>,
}

impl SqlEngine {
    /// A session over every table of `ws`. With `reveal`, personal data is shown in
    /// plain text, which needs the key; without it, masked (or locked without a key).
    pub async fn new(ws: &Workspace, reveal: bool) -> Result<SqlEngine> {
        if reveal {
            crate::reveal::check_reveal(ws)?;
        }
        let keys: Option<Keys> = match ws.keys() {
            Ok(k) => Some(k),
            Err(e) if reveal => return Err(e),
            Err(_) => None,
        };
        let view = match (&keys, reveal) {
            (None, _) => PiiView::Locked,
            (Some(_), true) => PiiView::Revealed,
            (Some(_), false) => PiiView::Masked,
        };
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_default_catalog_and_schema("huaxiang", "public");
        // Plain strings, not string views: a hash join's `take` on a view
        // array keeps every data buffer of its input alive, and a plan with
        // several joins over millions of events then holds (and copies, when
        // a later operator compacts or sorts) gigabytes of buffers for
        // megabytes of rows. Measured on the M benchmark: the features stage
        // grew past 20 GB with views.
        config.options_mut().execution.parquet.schema_force_view_types = false;
        config.options_mut().sql_parser.map_string_types_to_utf8view = false;
        let ctx = SessionContext::new_with_config(config);
        let udf = Arc::new(ScalarUDF::new_from_impl(PiiUdf::new(keys, view)));
        ctx.register_udf(udf.as_ref().clone());
        let tz = ws.config().workspace.time_zone.clone();
        let schema = Arc::new(WorkspaceSchema::new(ws.tables(), ctx.runtime_env(), udf, tz)?);
        let catalog = ctx
            .catalog("huaxiang")
            .ok_or_else(|| StoreError::Sql("the default catalog `huaxiang` is missing".into()))?;
        catalog.register_schema("public", schema.clone())?;
        Ok(SqlEngine { ctx, schema })
    }

    /// Runs one reading statement (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN).
    pub async fn query(&self, sql: &str) -> Result<(SchemaRef, Vec<RecordBatch>)> {
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let df = match self.ctx.sql_with_options(sql, options).await {
            Ok(df) => df,
            Err(e) => {
                let msg = e.to_string();
                if msg.contains("not supported")
                    && (msg.contains("DDL") || msg.contains("DML") || msg.contains("Statement"))
                {
                    return Err(StoreError::ReadOnly(msg));
                }
                return Err(StoreError::Sql(msg));
            }
        };
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches: Vec<RecordBatch> = df.execute_stream().await?.try_collect().await?;
        Ok((schema, batches))
    }

    /// The stored tables this engine has opened so far, sorted.
    pub fn opened_tables(&self) -> Vec<String> {
        self.schema.opened()
    }

    /// The underlying DataFusion context (for stages that build plans).
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }
}

/// Renders batches as a table, CSV or a JSON array of objects.
pub fn format_batches(schema: &SchemaRef, batches: &[RecordBatch], format: OutputFormat) -> Result<String> {
    match format {
        OutputFormat::Table => {
            if batches.iter().all(|b| b.num_rows() == 0) {
                let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
                return Ok(format!("(0 rows; columns: {})", names.join(", ")));
            }
            Ok(arrow::util::pretty::pretty_format_batches(batches)?.to_string())
        }
        OutputFormat::Csv => {
            let mut buf = Vec::new();
            {
                let mut w = arrow::csv::WriterBuilder::new().with_header(true).build(&mut buf);
                if batches.is_empty() {
                    w.write(&RecordBatch::new_empty(schema.clone()))?;
                }
                for b in batches {
                    w.write(b)?;
                }
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
        OutputFormat::Json => {
            let mut buf = Vec::new();
            {
                let mut w = arrow::json::ArrayWriter::new(&mut buf);
                for b in batches {
                    w.write(b)?;
                }
                w.finish()?;
            }
            if buf.is_empty() {
                return Ok("[]".to_string());
            }
            Ok(String::from_utf8_lossy(&buf).into_owned())
        }
    }
}
