//! Checking definitions against the data: every column an expression names
//! exists, tags do not read each other in a cycle, and the expression, planned
//! by DataFusion against the real columns, has the tag's value type.
//!
//! The same analysis orders the computation at build time ([`Analysis::levels`]).

use std::collections::{BTreeMap, BTreeSet};

use arrow::datatypes::DataType;
use datafusion::common::tree_node::TreeNode;
use datafusion::logical_expr::LogicalPlan;
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::base::{Columns, quote};
use crate::catalog::Catalog;
use crate::definition::{TagDef, ValueType};
use crate::error::{Error, Result};
use crate::expr::{self, Parsed};
use crate::graph::{self, Deps};

/// What the current definitions read, and the order they are computed in.
#[derive(Debug, Clone)]
pub struct Analysis {
    /// Parsed expressions of rule and model tags.
    pub parsed: BTreeMap<String, Parsed>,
    /// Tag id → the tag ids it reads.
    pub deps: Deps,
    /// The base columns (`None` when `features` does not exist and no tag needs it).
    pub columns: Option<Columns>,
}

impl Analysis {
    /// The columns `id` reads that are not tags (features and attributes).
    pub fn base_columns(&self, id: &str) -> Vec<String> {
        let tags = &self.deps;
        self.parsed
            .get(id)
            .map(|p| p.columns.iter().filter(|c| !tags.contains_key(*c)).cloned().collect())
            .unwrap_or_default()
    }
}

/// Parses the expressions of the current definitions of `cat` and finds the
/// tags each reads. `strict`: an expression that does not parse is an error
/// (else it reads nothing, for status displays of a damaged catalog).
pub fn parse_all(cat: &Catalog, strict: bool) -> Result<(BTreeMap<String, Parsed>, Deps)> {
    let current = cat.current();
    let ids: BTreeSet<&str> = current.iter().map(|t| t.tag_id.as_str()).collect();
    let mut parsed = BTreeMap::new();
    let mut deps: Deps = BTreeMap::new();
    for t in &current {
        let mut d = BTreeSet::new();
        if let (true, Some(text)) = (t.tag_type.has_expression(), &t.expression) {
            match expr::parse(&t.tag_id, text) {
                Ok(p) => {
                    d.extend(p.columns.iter().filter(|c| ids.contains(c.as_str())).cloned());
                    parsed.insert(t.tag_id.clone(), p);
                }
                Err(e) if strict => return Err(e),
                Err(_) => {}
            }
        }
        deps.insert(t.tag_id.clone(), d);
    }
    Ok((parsed, deps))
}

/// Analyses the current definitions of `cat`. Every tag is parsed and the
/// graph is checked for cycles; the columns and types of `targets` (all tags
/// when `None`) are checked by planning their expressions.
pub async fn analyse(
    ws: &Workspace,
    engine: &SqlEngine,
    cat: &Catalog,
    targets: Option<&BTreeSet<String>>,
) -> Result<Analysis> {
    let current = cat.current();
    let ids: BTreeSet<&str> = current.iter().map(|t| t.tag_id.as_str()).collect();
    let (parsed, deps) = parse_all(cat, true)?;
    graph::levels(&deps)?;
    let checked: Vec<&TagDef> = current
        .iter()
        .copied()
        .filter(|t| targets.is_none_or(|s| s.contains(&t.tag_id)))
        .collect();
    let columns = if ws.tables().exists(crate::base::FEATURES) {
        Some(Columns::read(ws, engine).await?)
    } else if checked.iter().any(|t| parsed.contains_key(&t.tag_id)) {
        return Err(Error::NoFeatures);
    } else {
        None
    };
    let analysis = Analysis { parsed, deps, columns };
    let Some(columns) = &analysis.columns else {
        return Ok(analysis);
    };
    for t in &checked {
        if columns.origin(&t.tag_id).is_some() {
            return Err(Error::Definition {
                tag: t.tag_id.clone(),
                message: format!(
                    "与特征或属性列同名 / `{}` is already a feature or attribute column; choose another id",
                    t.tag_id
                ),
            });
        }
        if let Some(p) = analysis.parsed.get(&t.tag_id) {
            for c in &p.columns {
                if !ids.contains(c.as_str()) && columns.origin(c).is_none() {
                    return Err(Error::UnknownColumn {
                        tag: t.tag_id.clone(),
                        column: c.clone(),
                        hint: suggestion(c, columns.names().chain(ids.iter().copied())),
                    });
                }
            }
        }
    }
    type_check(engine, columns, &current, &analysis.parsed, &checked).await?;
    Ok(analysis)
}

/// ` (did you mean `x`?)` for the closest known name, if one is close.
fn suggestion<'a>(name: &str, known: impl Iterator<Item = &'a str>) -> String {
    let best = known
        .map(|k| (strsim::jaro_winkler(name, k), k))
        .filter(|(s, _)| *s >= 0.85)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, k)) => format!(" (是否指 / did you mean `{k}`?)"),
        None => String::new(),
    }
}

/// Plans each checked expression over the base plus one typed placeholder
/// column per tag, and compares the result type with the tag's value type.
async fn type_check(
    engine: &SqlEngine,
    columns: &Columns,
    current: &[&TagDef],
    parsed: &BTreeMap<String, Parsed>,
    checked: &[&TagDef],
) -> Result<()> {
    let ctx = engine.context();
    let placeholders: Vec<String> = current
        .iter()
        .map(|t| format!("CAST(NULL AS {}) AS {}", t.value_type.sql_type(), quote(&t.tag_id)))
        .collect();
    let sql = format!(
        "SELECT hx_base.*, {} FROM ({}) hx_base",
        placeholders.join(", "),
        columns.sql()
    );
    let view = ctx.sql(&sql).await?.into_view();
    ctx.deregister_table("hx_tag_check")?;
    ctx.register_table("hx_tag_check", view)?;
    for t in checked {
        let Some(p) = parsed.get(&t.tag_id) else {
            continue;
        };
        let type_err = |message: String| Error::Type {
            tag: t.tag_id.clone(),
            message,
        };
        let df = ctx
            .sql(&format!("SELECT ({}) AS hx_value FROM hx_tag_check", p.sql))
            .await
            .map_err(|e| type_err(clean(&e.to_string())))?;
        let grouped = df
            .logical_plan()
            .exists(|n| Ok(matches!(n, LogicalPlan::Aggregate(_) | LogicalPlan::Window(_))))?;
        if grouped {
            return Err(type_err(
                "不能使用聚合或窗口函数 / aggregate and window functions are not allowed: a tag is computed from \
                 one person's row (use a feature for aggregates)"
                    .into(),
            ));
        }
        let dt = df.schema().field(0).data_type().clone();
        let fits = match t.value_type {
            ValueType::Bool => dt == DataType::Boolean,
            ValueType::Enum => matches!(dt, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8),
            ValueType::Number => dt.is_numeric(),
        };
        if !fits {
            let want = match t.value_type {
                ValueType::Bool => "a boolean condition (e.g. `frequency >= 3`)",
                ValueType::Enum => "text labels (e.g. `CASE WHEN … THEN 'a' ELSE 'b' END`)",
                ValueType::Number => "a number",
            };
            return Err(type_err(format!(
                "{} 标签需要{} / a {} tag needs {want}, but the expression gives {dt}",
                t.value_type,
                match t.value_type {
                    ValueType::Bool => "布尔条件",
                    ValueType::Enum => "文本取值",
                    ValueType::Number => "数值",
                },
                t.value_type
            )));
        }
        if t.value_type == ValueType::Enum && !t.allowed_values.is_empty() {
            let extra: Vec<&String> = p.labels.iter().filter(|l| !t.allowed_values.contains(l)).collect();
            if !extra.is_empty() {
                return Err(type_err(format!(
                    "取值不在列表中 / the expression can give {} which is not among the allowed values ({})",
                    extra.iter().map(|s| format!("'{s}'")).collect::<Vec<_>>().join(", "),
                    t.allowed_values.join(", ")
                )));
            }
        }
    }
    ctx.deregister_table("hx_tag_check")?;
    Ok(())
}

/// DataFusion messages without their internal prefixes.
fn clean(msg: &str) -> String {
    let mut m = msg.trim();
    for p in [
        "Error during planning: ",
        "Schema error: ",
        "SQL error: ",
        "Optimizer rule",
    ] {
        if let Some(r) = m.strip_prefix(p) {
            m = r;
        }
    }
    m.to_string()
}
