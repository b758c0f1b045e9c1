//! The workspace's tables as a DataFusion schema, opened when a query first
//! names them.
//!
//! A workspace holds dozens of Delta tables, and opening one reads its log.
//! Opening all of them for every `huaxiang sql`, `huaxiang ask` or API request
//! cost more than the query itself (about 0.14 s of a 0.25 s question on the
//! M benchmark). DataFusion resolves the tables a statement references through
//! [`SchemaProvider::table`] before planning, so the schema can open exactly
//! those, once per engine, and keep them: a table is read at the version it
//! had when the engine first touched it, and every later query of the same
//! engine sees that same version.
//!
//! Stages also register their own intermediate views in the same schema
//! (`register_table`). Registering or deregistering a stored table's name
//! behaves as with an in-memory schema: the stored table is replaced or
//! removed for the rest of that engine's life.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use arrow::datatypes::{DataType, Schema, TimeUnit};
use async_trait::async_trait;
use datafusion::catalog::{SchemaProvider, TableProvider, view::ViewTable};
use datafusion::datasource::provider_as_source;
use datafusion::error::DataFusionError;
use datafusion::execution::SessionStateBuilder;
use datafusion::execution::context::SessionState;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::logical_expr::{Expr, LogicalPlanBuilder, ScalarUDF, TableType, col, lit};
use huaxiang_core::schema;

use crate::error::{StoreError, delta};
use crate::table::Tables;

/// What the schema holds besides the stored tables, and what it has opened.
#[derive(Default)]
struct State {
    /// Stored tables opened so far, as their presentation views.
    opened: HashMap<String, Arc<dyn TableProvider>>,
    /// Tables registered by a caller; they shadow stored tables.
    registered: HashMap<String, Arc<dyn TableProvider>>,
    /// Stored tables a caller deregistered.
    hidden: HashSet<String>,
}

/// The `huaxiang.public` schema of a [`crate::sql::SqlEngine`].
pub struct WorkspaceSchema {
    tables: Tables,
    /// The stored tables present when the engine was created.
    names: BTreeSet<String>,
    udf: Arc<ScalarUDF>,
    time_zone: String,
    /// A session sharing the engine's runtime, where each opened table
    /// registers its object store.
    session: SessionState,
    state: Mutex<State>,
}

impl std::fmt::Debug for WorkspaceSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkspaceSchema").field("tables", &self.names).finish()
    }
}

impl WorkspaceSchema {
    /// Lists the stored tables of `tables`; nothing is opened yet.
    pub fn new(
        tables: Tables,
        runtime: Arc<RuntimeEnv>,
        udf: Arc<ScalarUDF>,
        time_zone: String,
    ) -> crate::Result<WorkspaceSchema> {
        let names = tables.names()?.into_iter().collect();
        let session = SessionStateBuilder::new().with_runtime_env(runtime).build();
        Ok(WorkspaceSchema {
            tables,
            names,
            udf,
            time_zone,
            session,
            state: Mutex::new(State::default()),
        })
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Opens stored table `name` at its current version, as its presentation view.
    async fn open(&self, name: &str) -> crate::Result<Option<Arc<dyn TableProvider>>> {
        let Some(table) = self.tables.open(name).await? else {
            return Ok(None);
        };
        table.update_datafusion_session(&self.session).map_err(delta(name))?;
        let provider = table
            .table_provider()
            .await
            .map_err(|e| StoreError::Sql(format!("table `{name}`: {e}")))?;
        let exprs = presentation(name, provider.schema().as_ref(), &self.udf, &self.time_zone);
        let plan = LogicalPlanBuilder::scan(name, provider_as_source(provider), None)?
            .project(exprs)?
            .build()?;
        Ok(Some(Arc::new(ViewTable::new(plan, None))))
    }
}

#[async_trait]
impl SchemaProvider for WorkspaceSchema {
    fn table_names(&self) -> Vec<String> {
        let state = self.state();
        let mut names: BTreeSet<String> = self
            .names
            .iter()
            .filter(|n| !state.hidden.contains(*n))
            .cloned()
            .collect();
        names.extend(state.registered.keys().cloned());
        names.into_iter().collect()
    }

    async fn table(&self, name: &str) -> datafusion::error::Result<Option<Arc<dyn TableProvider>>> {
        {
            let state = self.state();
            if let Some(t) = state.registered.get(name) {
                return Ok(Some(t.clone()));
            }
            if state.hidden.contains(name) || !self.names.contains(name) {
                return Ok(None);
            }
            if let Some(t) = state.opened.get(name) {
                return Ok(Some(t.clone()));
            }
        }
        let Some(view) = self
            .open(name)
            .await
            .map_err(|e| DataFusionError::External(Box::new(e)))?
        else {
            return Ok(None);
        };
        // Two queries may open the same table at once; the first one kept wins,
        // so every query of this engine sees one version.
        let mut state = self.state();
        Ok(Some(state.opened.entry(name.to_string()).or_insert(view).clone()))
    }

    async fn table_type(&self, name: &str) -> datafusion::error::Result<Option<TableType>> {
        let registered = self.state().registered.get(name).map(|t| t.table_type());
        if let Some(t) = registered {
            return Ok(Some(t));
        }
        Ok(self.table_exist(name).then_some(TableType::View))
    }

    fn register_table(
        &self,
        name: String,
        table: Arc<dyn TableProvider>,
    ) -> datafusion::error::Result<Option<Arc<dyn TableProvider>>> {
        let mut state = self.state();
        // Like replacing an entry of an in-memory schema: the stored table is
        // gone for this engine, also after the new one is deregistered.
        let stored = if self.names.contains(&name) && state.hidden.insert(name.clone()) {
            state.opened.remove(&name)
        } else {
            None
        };
        Ok(state.registered.insert(name, table).or(stored))
    }

    fn deregister_table(&self, name: &str) -> datafusion::error::Result<Option<Arc<dyn TableProvider>>> {
        let mut state = self.state();
        if let Some(t) = state.registered.remove(name) {
            return Ok(Some(t));
        }
        if self.names.contains(name) && state.hidden.insert(name.to_string()) {
            return Ok(state.opened.remove(name));
        }
        Ok(None)
    }

    fn table_exist(&self, name: &str) -> bool {
        let state = self.state();
        state.registered.contains_key(name) || (self.names.contains(name) && !state.hidden.contains(name))
    }
}

/// The projection that presents a stored table: PII through `hx_pii`, timestamps in the workspace zone.
fn presentation(table: &str, schema: &Schema, udf: &Arc<ScalarUDF>, tz: &str) -> Vec<Expr> {
    let def = schema::table(table);
    schema
        .fields()
        .iter()
        .map(|f| {
            let name = f.name();
            let c = col(format!("\"{name}\""));
            let is_text = matches!(f.data_type(), DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8);
            let is_pii = is_text && schema.field_with_name(&schema::hash_column(name)).is_ok();
            if is_pii {
                let kind = def
                    .as_ref()
                    .and_then(|d| d.column(name))
                    .and_then(|c| c.pii)
                    .map(|k| k.as_str())
                    .unwrap_or("other");
                let text = datafusion::logical_expr::cast(c, DataType::Utf8);
                return udf.call(vec![text, lit(kind)]).alias(name);
            }
            match f.data_type() {
                DataType::Timestamp(unit, Some(_)) => {
                    let to = DataType::Timestamp(*unit, Some(tz.into()));
                    datafusion::logical_expr::cast(c, to).alias(name)
                }
                DataType::Timestamp(TimeUnit::Microsecond, None) => c.alias(name),
                _ => c.alias(name),
            }
        })
        .collect()
}

impl WorkspaceSchema {
    /// The stored tables opened so far, sorted (what a query has read).
    pub fn opened(&self) -> Vec<String> {
        let mut names: Vec<String> = self.state().opened.keys().cloned().collect();
        names.sort();
        names
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Int64Array, RecordBatch};
    use arrow::datatypes::{DataType, Field, Schema};

    use crate::Workspace;
    use crate::sql::SqlEngine;

    async fn workspace() -> (tempfile::TempDir, Workspace) {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = Workspace::init(dir.path()).expect("init");
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        for (name, values) in [("alpha", vec![1, 2, 3]), ("beta", vec![10]), ("gamma", vec![7, 8])] {
            let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(values))]).expect("batch");
            ws.tables()
                .overwrite(name, schema.clone(), vec![batch], Default::default())
                .await
                .expect("write");
        }
        (dir, ws)
    }

    async fn count(engine: &SqlEngine, sql: &str) -> usize {
        let (_, batches) = engine.query(sql).await.expect("query");
        batches.iter().map(|b| b.num_rows()).sum()
    }

    #[tokio::test]
    async fn opens_only_the_tables_a_query_names() {
        let (_dir, ws) = workspace().await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        assert!(engine.opened_tables().is_empty());
        assert_eq!(count(&engine, "SELECT * FROM alpha").await, 3);
        assert_eq!(engine.opened_tables(), vec!["alpha"]);
        assert_eq!(
            count(&engine, "SELECT * FROM beta b JOIN alpha a ON a.x < b.x").await,
            3
        );
        assert_eq!(engine.opened_tables(), vec!["alpha", "beta"]);
        // Listing the catalog does not open anything.
        let sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'";
        assert_eq!(count(&engine, sql).await, 3);
        assert_eq!(engine.opened_tables(), vec!["alpha", "beta"]);
    }

    #[tokio::test]
    async fn keeps_the_version_it_first_read() {
        let (_dir, ws) = workspace().await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        assert_eq!(count(&engine, "SELECT * FROM gamma").await, 2);
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false)]));
        let batch =
            RecordBatch::try_new(schema.clone(), vec![Arc::new(Int64Array::from(vec![1, 2, 3, 4]))]).expect("batch");
        ws.tables()
            .overwrite("gamma", schema, vec![batch], Default::default())
            .await
            .expect("write");
        assert_eq!(count(&engine, "SELECT * FROM gamma").await, 2);
        let fresh = SqlEngine::new(&ws, false).await.expect("engine");
        assert_eq!(count(&fresh, "SELECT * FROM gamma").await, 4);
    }

    #[tokio::test]
    async fn registered_views_shadow_and_deregistered_tables_hide() {
        let (_dir, ws) = workspace().await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        let ctx = engine.context();
        let view = ctx
            .sql("SELECT x FROM gamma WHERE x > 7")
            .await
            .expect("plan")
            .into_view();
        ctx.register_table("alpha", view).expect("register");
        assert_eq!(count(&engine, "SELECT * FROM alpha").await, 1);
        ctx.deregister_table("alpha").expect("deregister");
        // As with an in-memory schema, the stored table was replaced: gone now.
        let err = engine.query("SELECT * FROM alpha").await.expect_err("hidden");
        assert!(err.to_string().contains("alpha"), "{err}");
        assert!(!engine.opened_tables().contains(&"alpha".to_string()));
        assert!(engine.query("SELECT * FROM missing").await.is_err());
    }
}
