//! A segment's condition: one SQL boolean expression over the population.
//!
//! The text is parsed as a single expression (never spliced into a statement,
//! so `x = 1; DROP …` or a subquery cannot get in) and planned by DataFusion
//! against the population's schema. That gives AND/OR/NOT, comparisons,
//! `BETWEEN`, `IN (…)`, `LIKE`, `IS NULL`, `CASE` and every scalar function,
//! with DataFusion's type coercion, and turns mistakes into errors that name
//! the segment and the offending column.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, SchemaError};
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::prelude::SessionContext;

use crate::error::{Error, Result, did_you_mean};

/// Parses and type-checks `text` against `schema`.
pub fn compile(ctx: &SessionContext, schema: &DFSchema, segment: &str, text: &str) -> Result<Expr> {
    let text = text.trim();
    if text.is_empty() {
        return Err(Error::EmptyCondition {
            segment: segment.to_string(),
        });
    }
    let expr = ctx
        .parse_sql_expr(text, schema)
        .map_err(|e| classify(e, segment, text, schema))?;
    if matches!(expr, Expr::Alias(_)) {
        return Err(Error::InvalidCondition {
            segment: segment.to_string(),
            condition: text.to_string(),
            message: "a condition cannot have an alias (AS …)".to_string(),
        });
    }
    let data_type = expr.get_type(schema).map_err(|e| classify(e, segment, text, schema))?;
    if !matches!(data_type, DataType::Boolean) {
        return Err(Error::NotBoolean {
            segment: segment.to_string(),
            condition: text.to_string(),
            data_type: describe(&data_type),
        });
    }
    Ok(expr)
}

/// Wraps a planning or execution error of a condition.
pub fn invalid(segment: &str, text: &str, e: DataFusionError) -> Error {
    Error::InvalidCondition {
        segment: segment.to_string(),
        condition: text.trim().to_string(),
        message: e.find_root().strip_backtrace(),
    }
}

/// Turns an unknown-column error into [`Error::UnknownColumn`], anything else
/// into [`Error::InvalidCondition`].
fn classify(e: DataFusionError, segment: &str, text: &str, schema: &DFSchema) -> Error {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    while let Some(err) = cur {
        if let Some(SchemaError::FieldNotFound { field, .. }) = err.downcast_ref::<SchemaError>() {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            let quoted = text.contains(&format!("\"{}\"", field.name));
            return Error::UnknownColumn {
                segment: segment.to_string(),
                column: field.name.clone(),
                hint: if quoted {
                    format!(" (text values go in single quotes: '{}')", field.name)
                } else {
                    did_you_mean(&field.name, names)
                },
            };
        }
        cur = err.source();
    }
    invalid(segment, text, e)
}

/// A data type in words users know.
fn describe(t: &DataType) -> String {
    let kind = match t {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => "text",
        DataType::Null => "NULL",
        t if t.is_integer() => "an integer",
        t if t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)) => "a number",
        DataType::Date32 | DataType::Date64 => "a date",
        DataType::Timestamp(..) => "a timestamp",
        _ => "",
    };
    if kind.is_empty() {
        t.to_string()
    } else {
        format!("{kind} ({t})")
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::datatypes::{Field, Schema};

    use super::*;

    fn schema() -> DFSchema {
        let s = Schema::new(vec![
            Field::new("person_id", DataType::Utf8, false),
            Field::new("frequency", DataType::Int64, true),
            Field::new("monetary", DataType::Float64, true),
            Field::new("city", DataType::Utf8, true),
            Field::new("is_vip", DataType::Boolean, true),
        ]);
        DFSchema::try_from(Arc::new(s)).expect("schema")
    }

    fn check(text: &str) -> Result<Expr> {
        compile(&SessionContext::new(), &schema(), "seg", text)
    }

    #[test]
    fn accepts_boolean_logic_ranges_and_lists() {
        for ok in [
            "frequency >= 3",
            "monetary BETWEEN 100 AND 500 AND NOT is_vip",
            "city IN ('上海', '北京') OR (frequency > 1 AND monetary < 10.5)",
            "is_vip",
            "city LIKE '%州' AND city IS NOT NULL",
            "CASE WHEN frequency > 3 THEN true ELSE false END",
        ] {
            check(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
    }

    #[test]
    fn names_unknown_columns() {
        let err = check("frequncy > 3 AND city = 'x'").expect_err("unknown");
        match &err {
            Error::UnknownColumn { segment, column, hint } => {
                assert_eq!((segment.as_str(), column.as_str()), ("seg", "frequncy"));
                assert!(hint.contains("frequency"), "{hint}");
            }
            other => panic!("{other:?}"),
        }
        assert!(err.to_string().contains("`frequncy`"), "{err}");
        let err = check("city = \"上海\"").expect_err("double quotes");
        assert!(err.to_string().contains("single quotes: '上海'"), "{err}");
    }

    #[test]
    fn refuses_non_boolean_aliases_statements_and_subqueries() {
        let err = check("monetary * 2").expect_err("number");
        assert!(matches!(err, Error::NotBoolean { .. }), "{err:?}");
        assert!(err.to_string().contains("a number"), "{err}");
        assert!(matches!(check("city").expect_err("text"), Error::NotBoolean { .. }));
        assert!(matches!(
            check("is_vip AS x").expect_err("alias"),
            Error::InvalidCondition { .. }
        ));
        assert!(matches!(
            check("frequency > 1; DROP TABLE features").expect_err("two"),
            Error::InvalidCondition { .. }
        ));
        assert!(check("person_id IN (SELECT person_id FROM features)").is_err());
        assert!(matches!(check("   ").expect_err("empty"), Error::EmptyCondition { .. }));
        assert!(matches!(
            check("frequency >").expect_err("syntax"),
            Error::InvalidCondition { .. }
        ));
    }
}
