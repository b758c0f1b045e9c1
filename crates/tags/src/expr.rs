//! Reading a tag expression: one SQL expression, the columns it names, and the
//! labels a CASE can give.
//!
//! The expression is parsed by the SQL parser DataFusion uses and re-printed
//! from its syntax tree, so what is evaluated is exactly one expression (no
//! comment or stray parenthesis can change the query around it). Subqueries are
//! refused: a tag is a function of one person's row.

use std::collections::BTreeSet;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{Expr, Value, visit_expressions};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;

use crate::error::{Error, Result};

/// A parsed tag expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    /// The expression re-printed from its syntax tree.
    pub sql: String,
    /// Column names it reads (unquoted names lower-cased, as SQL resolves them).
    pub columns: BTreeSet<String>,
    /// String literals a CASE (or the whole expression) can return.
    pub labels: BTreeSet<String>,
}

/// Parses `text`, the expression of tag `tag`.
pub fn parse(tag: &str, text: &str) -> Result<Parsed> {
    let perr = |message: String| Error::Parse {
        tag: tag.to_string(),
        message,
    };
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(text)
        .map_err(|e| perr(e.to_string()))?;
    let expr = parser.parse_expr().map_err(|e| perr(e.to_string()))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(perr(format!(
            "表达式后有多余内容 / unexpected `{}` after the expression (one SQL expression is expected)",
            next.token
        )));
    }
    let mut columns = BTreeSet::new();
    let mut problem: Option<Error> = None;
    let _ = visit_expressions(&expr, |e| {
        match e {
            Expr::Identifier(id) => {
                columns.insert(if id.quote_style.is_some() {
                    id.value.clone()
                } else {
                    id.value.to_lowercase()
                });
            }
            Expr::CompoundIdentifier(parts) => {
                let name: Vec<String> = parts.iter().map(|p| p.value.clone()).collect();
                problem = Some(perr(format!(
                    "请直接写列名 / write the plain column name instead of `{}` (features, attributes and tags \
                     form one row per person)",
                    name.join(".")
                )));
                return ControlFlow::Break(());
            }
            Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => {
                problem = Some(perr(
                    "不支持子查询 / subqueries are not allowed: a tag is computed from one person's row".into(),
                ));
                return ControlFlow::Break(());
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    if let Some(p) = problem {
        return Err(p);
    }
    let mut labels = BTreeSet::new();
    result_labels(&expr, &mut labels);
    Ok(Parsed {
        sql: expr.to_string(),
        columns,
        labels,
    })
}

/// The string literals `e` can evaluate to: itself, or the results of a
/// (nested) CASE.
fn result_labels(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Value(v) => {
            if let Value::SingleQuotedString(s) = &v.value {
                out.insert(s.clone());
            }
        }
        Expr::Nested(inner) => result_labels(inner, out),
        Expr::Case {
            conditions,
            else_result,
            ..
        } => {
            for c in conditions {
                result_labels(&c.result, out);
            }
            if let Some(e) = else_result {
                result_labels(e, out);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_labels() {
        let p = parse(
            "t",
            "CASE WHEN Monetary > 1000 AND \"City\" = '上海' THEN 'high' WHEN vip THEN 'mid' ELSE 'low' END",
        )
        .expect("parse");
        assert_eq!(
            p.columns.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["City", "monetary", "vip"]
        );
        assert_eq!(
            p.labels.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["high", "low", "mid"]
        );
        // Function names and literals are not columns.
        let q = parse("t", "coalesce(recency_days, 0) < 30 AND date_part('hour', now()) > 0").expect("parse");
        assert_eq!(
            q.columns.iter().map(String::as_str).collect::<Vec<_>>(),
            vec!["recency_days"]
        );
    }

    #[test]
    fn refuses_what_is_not_one_row_expression() {
        for bad in [
            "frequency > 3) OR (1 = 1",
            "frequency > 3; DROP TABLE x",
            "frequency IN (SELECT 1)",
            "EXISTS (SELECT 1)",
            "f.frequency > 3",
            "frequency >",
            "",
        ] {
            assert!(parse("t", bad).is_err(), "{bad:?} accepted");
        }
        // Comments are dropped by re-printing.
        let p = parse("t", "frequency > 3 -- note").expect("comment");
        assert_eq!(p.sql, "frequency > 3");
    }
}
