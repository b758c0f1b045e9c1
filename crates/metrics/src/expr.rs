//! SQL expressions written by users (measures, filters, `--where`), parsed
//! rather than pasted.
//!
//! Every expression that goes into a generated query is parsed as exactly one
//! SQL expression, checked for the names it uses, and written back from the
//! syntax tree. So an unknown column is reported against the metric or flag
//! that used it before anything runs, a trailing comment or a stray `)` cannot
//! change the query around it, and the SQL shown to the user is the SQL that
//! ran.

use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{Expr, Ident, SelectItem, visit_expressions, visit_expressions_mut};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;

/// Quotes `tag:<id>` references outside string literals and quoted names, so
/// users can write `tag:vip = true` for `"tag:vip" = true`.
pub fn quote_tag_refs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    let mut i = 0;
    let word = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            // Copy a literal or quoted name through its closing quote (doubled quotes escape).
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            continue;
        }
        let at_word_start = i == 0 || !word(chars[i - 1]);
        let rest: String = chars[i..chars.len().min(i + 4)].iter().collect();
        if at_word_start && rest.eq_ignore_ascii_case("tag:") && chars.get(i + 4).is_some_and(|c| word(*c)) {
            let mut j = i + 4;
            while j < chars.len() && word(chars[j]) {
                j += 1;
            }
            let id: String = chars[i + 4..j].iter().collect();
            out.push_str(&format!("\"tag:{id}\""));
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Parses `text` as one expression (nothing may follow it).
pub fn parse(text: &str) -> Result<Expr, String> {
    let dialect = GenericDialect {};
    let mut p = Parser::new(&dialect).try_with_sql(text).map_err(|e| e.to_string())?;
    let expr = p.parse_expr().map_err(|e| e.to_string())?;
    let next = p.peek_token().token;
    if next != Token::EOF {
        return Err(format!("unexpected `{next}` after the expression"));
    }
    no_subqueries(&expr)?;
    Ok(expr)
}

/// Parses a SELECT list whose items all have an alias: `count(*) AS orders, …`.
pub fn parse_aliased_list(text: &str) -> Result<Vec<(String, Expr)>, String> {
    let dialect = GenericDialect {};
    let mut p = Parser::new(&dialect).try_with_sql(text).map_err(|e| e.to_string())?;
    let items = p
        .parse_comma_separated(|p| p.parse_select_item())
        .map_err(|e| e.to_string())?;
    let next = p.peek_token().token;
    if next != Token::EOF {
        return Err(format!("unexpected `{next}` after the list"));
    }
    let mut out = Vec::new();
    for item in items {
        match item {
            SelectItem::ExprWithAlias { expr, alias } => {
                no_subqueries(&expr)?;
                out.push((name_of(&alias), expr));
            }
            other => return Err(format!("`{other}` needs a name: write `<expression> AS <name>`")),
        }
    }
    Ok(out)
}

fn no_subqueries(expr: &Expr) -> Result<(), String> {
    let found = visit_expressions(expr, |e| match e {
        Expr::Subquery(_) | Expr::Exists { .. } | Expr::InSubquery { .. } => ControlFlow::Break(()),
        _ => ControlFlow::Continue(()),
    });
    if found.is_break() {
        return Err("subqueries are not allowed here".to_string());
    }
    Ok(())
}

/// An identifier as the SQL engine sees it: unquoted names are lower-cased.
pub fn name_of(ident: &Ident) -> String {
    if ident.quote_style.is_some() {
        ident.value.clone()
    } else {
        ident.value.to_lowercase()
    }
}

/// The column names `expr` refers to, in order of appearance, without repeats.
/// Qualified names (`a.b`) are refused: expressions see one row set.
pub fn columns(expr: &Expr) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    let mut err = None;
    let _ = visit_expressions(expr, |e| {
        match e {
            Expr::Identifier(i) => {
                let n = name_of(i);
                if !out.contains(&n) {
                    out.push(n);
                }
            }
            Expr::CompoundIdentifier(parts) => {
                let whole: Vec<String> = parts.iter().map(|p| p.value.clone()).collect();
                err = Some(format!("`{}`: write a plain column name", whole.join(".")));
                return ControlFlow::Break(());
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    match err {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// Replaces every column name through `map`, which returns the new (quoted)
/// name or an error message.
pub fn rename(expr: &mut Expr, mut map: impl FnMut(&Ident) -> Result<String, String>) -> Result<(), String> {
    let mut err = None;
    let _ = visit_expressions_mut(expr, |e| {
        match e {
            Expr::Identifier(i) => match map(i) {
                Ok(n) => *i = Ident::with_quote('"', n),
                Err(m) => {
                    err = Some(m);
                    return ControlFlow::Break(());
                }
            },
            Expr::CompoundIdentifier(parts) => {
                let whole: Vec<String> = parts.iter().map(|p| p.value.clone()).collect();
                err = Some(format!("`{}`: write a plain name", whole.join(".")));
                return ControlFlow::Break(());
            }
            _ => {}
        }
        ControlFlow::Continue(())
    });
    match err {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_one_expression_and_lists_its_columns() {
        let e = parse("sum(amount) / NULLIF(count(DISTINCT Person_Id), 0)").expect("parse");
        assert_eq!(columns(&e).expect("cols"), vec!["amount", "person_id"]);
        let e = parse("avg(CASE WHEN \"Rating\" <= 2 THEN 1.0 ELSE 0.0 END)").expect("parse");
        assert_eq!(columns(&e).expect("cols"), vec!["Rating"]);
        assert!(columns(&parse("count(*)").expect("count")).expect("none").is_empty());
    }

    #[test]
    fn refuses_trailing_text_subqueries_and_qualified_names() {
        assert!(parse("sum(amount)) FROM orders --").is_err());
        assert!(parse("sum(amount) -- x\n, 1").is_err());
        assert!(parse("amount > (SELECT 1)").is_err());
        assert!(parse("person_id IN (SELECT person_id FROM persons)").is_err());
        assert!(parse("sum(").is_err());
        let e = parse("o.amount").expect("parses");
        assert!(columns(&e).is_err());
    }

    #[test]
    fn renames_and_prints_back() {
        let mut e = parse("城市 = '上海' AND vip AND NOT coupon_used = 1").expect("parse");
        rename(&mut e, |i| match i.value.as_str() {
            "城市" => Ok("city".to_string()),
            "vip" => Ok("tag:vip".to_string()),
            other => Ok(other.to_string()),
        })
        .expect("rename");
        assert_eq!(
            e.to_string(),
            "\"city\" = '上海' AND \"tag:vip\" AND NOT \"coupon_used\" = 1"
        );
        let mut e = parse("nope = 1").expect("parse");
        assert_eq!(rename(&mut e, |_| Err("unknown".into())), Err("unknown".to_string()));
    }

    #[test]
    fn tag_references_are_quoted_outside_literals() {
        assert_eq!(quote_tag_refs("tag:vip = true"), "\"tag:vip\" = true");
        assert_eq!(
            quote_tag_refs("tag:rfm_group = 'tag:x' AND \"tag:y\" AND mytag:z"),
            "\"tag:rfm_group\" = 'tag:x' AND \"tag:y\" AND mytag:z"
        );
        assert_eq!(quote_tag_refs("city = 'it''s tag:a'"), "city = 'it''s tag:a'");
    }

    #[test]
    fn aliased_lists() {
        let l = parse_aliased_list("count(*) AS orders, sum(amount) AS spend").expect("list");
        assert_eq!(
            l.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
            vec!["orders", "spend"]
        );
        assert!(parse_aliased_list("count(*)").is_err());
        assert!(parse_aliased_list("count(*) AS n FROM x").is_err());
    }
}
