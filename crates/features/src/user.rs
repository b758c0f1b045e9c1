//! User-defined features (`[[features]]` in huaxiang.toml).
//!
//! A user feature is a scalar SQL expression over one person's row: the
//! built-in feature columns, the person attributes of
//! [`crate::catalog::SCOPE_ATTRIBUTES`] and the user features declared before
//! it. It is planned by DataFusion against the schema of the built-in plan and
//! added to that same plan as one more projected column, so it costs no extra
//! pass and sees exactly the point-in-time values of the build.
//!
//! Checked before anything runs: an unknown column is an error naming the
//! feature and the column; aggregates, window functions and names that clash
//! with an existing column are refused.

use datafusion::common::{DFSchema, SchemaError};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::utils::{find_aggregate_exprs, find_window_exprs};
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::prelude::DataFrame;
use huaxiang_core::config::FeatureConfig;

use crate::error::{Error, Result};

/// The column a planning error complains about, if it is an unknown column.
fn unknown_column(e: &DataFusionError) -> Option<String> {
    match e.find_root() {
        DataFusionError::SchemaError(se, _) => match se.as_ref() {
            SchemaError::FieldNotFound { field, .. } => Some(field.name.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn available(schema: &DFSchema) -> String {
    let names: Vec<&str> = schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .filter(|n| *n != "person_id" && *n != crate::plan::PERSON_ORDER)
        .collect();
    names.join(", ")
}

/// Plans user feature `f` against `schema`: the checked expression, aliased to its name.
pub fn plan(df: &DataFrame, f: &FeatureConfig) -> Result<Expr> {
    let schema = df.schema();
    let bad = |message: String| Error::UserFeature {
        feature: f.name.clone(),
        message,
    };
    if schema.has_column_with_unqualified_name(&f.name) || f.name == "as_of" {
        return Err(bad(format!(
            "the name `{}` is already a column (a built-in feature or person attribute); choose another",
            f.name
        )));
    }
    let expr = df.parse_sql_expr(&f.sql).map_err(|e| match unknown_column(&e) {
        Some(column) => Error::UnknownColumn {
            feature: f.name.clone(),
            column,
            available: available(schema),
        },
        None => bad(format!("`{}`: {}", f.sql, e.strip_backtrace())),
    })?;
    if !find_aggregate_exprs([&expr]).is_empty() || !find_window_exprs([&expr]).is_empty() {
        return Err(bad(format!(
            "`{}` aggregates; a feature is computed from one person's row (use the built-in counts and sums)",
            f.sql
        )));
    }
    expr.get_type(schema)
        .map_err(|e| bad(format!("`{}`: {}", f.sql, e.strip_backtrace())))?;
    Ok(expr.alias(&f.name))
}

/// Adds every user feature to `df`, in declaration order (each may use the ones before it).
pub fn apply(mut df: DataFrame, features: &[FeatureConfig]) -> Result<DataFrame> {
    for f in features {
        let expr = plan(&df, f)?;
        df = df.with_column(&f.name, expr).map_err(|e| Error::UserFeature {
            feature: f.name.clone(),
            message: format!("`{}`: {}", f.sql, e.strip_backtrace()),
        })?;
    }
    Ok(df)
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    fn feature(name: &str, sql: &str) -> FeatureConfig {
        FeatureConfig {
            name: name.into(),
            sql: sql.into(),
            description: None,
        }
    }

    async fn base() -> DataFrame {
        let ctx = SessionContext::new();
        ctx.sql(
            "SELECT * FROM (VALUES ('p1', 2, 100.0, 'F'), ('p2', 0, 0.0, NULL)) \
             AS b(person_id, frequency, monetary, gender)",
        )
        .await
        .expect("base")
    }

    #[tokio::test]
    async fn user_features_run_in_the_plan_and_chain() {
        let df = apply(
            base().await,
            &[
                feature("per_order", "monetary / nullif(frequency, 0)"),
                feature("big", "coalesce(per_order, 0) > 40 AND gender = 'F'"),
            ],
        )
        .expect("valid");
        let names: Vec<String> = df.schema().fields().iter().map(|f| f.name().clone()).collect();
        assert_eq!(names[names.len() - 2..], ["per_order", "big"]);
        let out = df.collect().await.expect("run");
        let big = out[0]
            .column_by_name("big")
            .and_then(|a| a.as_any().downcast_ref::<arrow::array::BooleanArray>())
            .expect("bool");
        assert!(big.value(0));
        assert!(arrow::array::Array::is_null(big, 1) || !big.value(1));
    }

    #[tokio::test]
    async fn unknown_columns_are_named() {
        let err = apply(base().await, &[feature("ratio", "monetary / tenure_dayz")]).expect_err("unknown");
        match &err {
            Error::UnknownColumn { feature, column, .. } => {
                assert_eq!((feature.as_str(), column.as_str()), ("ratio", "tenure_dayz"));
            }
            other => panic!("wrong error: {other}"),
        }
        let msg = err.to_string();
        assert!(
            msg.contains("ratio") && msg.contains("tenure_dayz") && msg.contains("monetary"),
            "{msg}"
        );
    }

    #[tokio::test]
    async fn aggregates_clashes_and_garbage_are_refused() {
        for (f, needle) in [
            (feature("s", "sum(monetary)"), "aggregates"),
            (feature("frequency", "1"), "already a column"),
            (feature("as_of", "1"), "already a column"),
            (feature("g", "monetary +"), "`monetary +`"),
            (feature("h", "monetary) AS x, (1"), "monetary"),
        ] {
            let err = apply(base().await, std::slice::from_ref(&f)).expect_err(&f.sql);
            let msg = err.to_string();
            assert!(msg.contains(needle) && msg.contains(&f.name), "{}: {msg}", f.sql);
        }
    }
}
