//! The population segments are drawn from: one row per person, with every
//! feature, attribute and current tag as a column.
//!
//! It is `features` (one row per person, point in time) left-joined with
//! `person_attributes` and `person_tags` on `person_id`. When two tables have
//! a column of the same name, the first one wins (features, then attributes,
//! then tags), so a condition always sees one column per name. Tables that do
//! not exist yet (no tags defined) are simply left out.

use arrow::array::{Array, StringArray};
use datafusion::common::DFSchema;
use datafusion::prelude::{DataFrame, SessionContext};
use huaxiang_store::sql::SqlEngine;

use crate::condition;
use crate::error::{Error, Result};

pub const FEATURES: &str = "features";
pub const ATTRIBUTES: &str = "person_attributes";
pub const TAGS: &str = "person_tags";

/// The tables the population reads, in precedence order.
pub const INPUTS: [&str; 3] = [FEATURES, ATTRIBUTES, TAGS];

/// The versions of the input tables, e.g. `features@4,person_attributes@4,person_tags@-`.
pub async fn input_versions(ws: &huaxiang_store::Workspace) -> Result<String> {
    let tables = ws.tables();
    let mut parts = Vec::with_capacity(INPUTS.len());
    for t in INPUTS {
        let v = tables.version(t).await?;
        parts.push(format!("{t}@{}", v.map_or("-".to_string(), |v| v.to_string())));
    }
    Ok(parts.join(","))
}

/// Quotes an identifier for SQL.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Quotes a text literal for SQL.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Column names of a registered table or view.
async fn columns_of(ctx: &SessionContext, table: &str) -> Result<Option<Vec<String>>> {
    if !ctx.table_exist(table)? {
        return Ok(None);
    }
    let df = ctx.table(table).await?;
    Ok(Some(df.schema().fields().iter().map(|f| f.name().clone()).collect()))
}

/// The SELECT that yields the population, and its column names in order.
pub async fn base_sql(ctx: &SessionContext) -> Result<(String, Vec<String>)> {
    let Some(feature_cols) = columns_of(ctx, FEATURES).await? else {
        return Err(Error::NoFeatures);
    };
    let mut columns: Vec<String> = Vec::new();
    let mut select: Vec<String> = Vec::new();
    let mut from = format!("{} f", quote(FEATURES));
    for (alias, table) in [("f", FEATURES), ("a", ATTRIBUTES), ("t", TAGS)] {
        let cols = if table == FEATURES {
            feature_cols.clone()
        } else {
            match columns_of(ctx, table).await? {
                Some(c) => {
                    from.push_str(&format!(
                        " LEFT JOIN {} {alias} ON {alias}.person_id = f.person_id",
                        quote(table)
                    ));
                    c
                }
                None => continue,
            }
        };
        for c in cols {
            if columns.contains(&c) {
                continue;
            }
            select.push(format!("{alias}.{q} AS {q}", q = quote(&c)));
            columns.push(c);
        }
    }
    Ok((format!("SELECT {} FROM {from}", select.join(", ")), columns))
}

/// The population as a DataFusion frame over the workspace's current tables.
pub struct Population {
    ctx: SessionContext,
    df: DataFrame,
    columns: Vec<String>,
}

impl Population {
    /// Plans the population over the tables registered in `engine`.
    pub async fn load(engine: &SqlEngine) -> Result<Population> {
        let ctx = engine.context().clone();
        let (sql, columns) = base_sql(&ctx).await?;
        let df = ctx.sql(&sql).await?;
        Ok(Population { ctx, df, columns })
    }

    /// Keeps the population in memory, for evaluating many segments in a row.
    pub async fn cached(self) -> Result<Population> {
        let df = self.df.cache().await?;
        Ok(Population { df, ..self })
    }

    /// Column names, features first.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    fn schema(&self) -> &DFSchema {
        self.df.schema()
    }

    /// Number of persons.
    pub async fn persons(&self) -> Result<usize> {
        Ok(self.df.clone().count().await?)
    }

    /// Checks a condition: parses and plans it against the population.
    pub fn check(&self, segment: &str, text: &str) -> Result<()> {
        condition::compile(&self.ctx, self.schema(), segment, text).map(|_| ())
    }

    /// The number of persons meeting a condition.
    pub async fn count(&self, segment: &str, text: &str) -> Result<usize> {
        let expr = condition::compile(&self.ctx, self.schema(), segment, text)?;
        let df = self
            .df
            .clone()
            .filter(expr)
            .map_err(|e| condition::invalid(segment, text, e))?;
        df.count().await.map_err(|e| condition::invalid(segment, text, e))
    }

    /// The sorted person ids meeting a condition.
    pub async fn members(&self, segment: &str, text: &str) -> Result<Vec<String>> {
        let expr = condition::compile(&self.ctx, self.schema(), segment, text)?;
        let df = self
            .df
            .clone()
            .filter(expr)
            .and_then(|d| d.select_columns(&["person_id"]))
            .map_err(|e| condition::invalid(segment, text, e))?;
        let batches = df.collect().await.map_err(|e| condition::invalid(segment, text, e))?;
        let mut out = Vec::new();
        for b in batches {
            out.extend(person_ids(&b, 0)?);
        }
        out.sort_unstable();
        out.dedup();
        Ok(out)
    }
}

/// The non-null text values of column `index`.
pub fn person_ids(batch: &arrow::array::RecordBatch, index: usize) -> Result<Vec<String>> {
    let b = huaxiang_store::table::plain_strings(batch)?;
    let Some(ids) = b.column(index).as_any().downcast_ref::<StringArray>() else {
        return Err(Error::Usage(format!(
            "column `{}` is {}, expected text person ids",
            b.schema().field(index).name(),
            b.column(index).data_type()
        )));
    };
    Ok(ids.iter().flatten().map(str::to_string).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{population_workspace, sql_count};

    #[tokio::test]
    async fn joins_features_attributes_and_tags_once_per_column() {
        let (_dir, ws) = population_workspace().await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        let (_, columns) = base_sql(engine.context()).await.expect("sql");
        assert_eq!(columns.iter().filter(|c| c.as_str() == "as_of").count(), 1);
        assert_eq!(columns.iter().filter(|c| c.as_str() == "person_id").count(), 1);
        for c in ["frequency", "city", "rfm_group", "is_vip"] {
            assert!(columns.iter().any(|x| x == c), "{c} in {columns:?}");
        }
        let pop = Population::load(&engine).await.expect("population");
        assert_eq!(pop.persons().await.expect("persons"), 6);
        let members = pop
            .members("t", "frequency >= 2 AND city IN ('上海', '北京') AND NOT is_vip")
            .await
            .expect("members");
        assert_eq!(members, ["P2", "P4"]);
        let n = sql_count(
            &ws,
            "SELECT count(*) FROM features f JOIN person_attributes a USING (person_id) \
             JOIN person_tags t USING (person_id) \
             WHERE frequency >= 2 AND city IN ('上海', '北京') AND NOT is_vip",
        )
        .await;
        assert_eq!(n, 2);
        assert_eq!(pop.count("t", "monetary BETWEEN 100 AND 300").await.expect("count"), 3);
        // A person without attributes still counts; conditions on missing values are false.
        assert_eq!(pop.count("t", "city IS NULL").await.expect("count"), 1);
    }

    #[tokio::test]
    async fn works_without_tags_and_refuses_without_features() {
        let dir = tempfile::tempdir().expect("tempdir");
        let ws = huaxiang_store::Workspace::init(&dir.path().join("ws")).expect("init");
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        assert!(matches!(Population::load(&engine).await, Err(Error::NoFeatures)));
        crate::testing::write_features(&ws, &[("P1", Some(1), 10.0)]).await;
        let engine = SqlEngine::new(&ws, false).await.expect("engine");
        let pop = Population::load(&engine).await.expect("population");
        assert_eq!(pop.count("t", "frequency = 1").await.expect("count"), 1);
    }
}
