//! Computing every current tag for every person in one DataFusion plan.
//!
//! The plan starts from the base (features ⋈ attributes), adds the columns of
//! tags whose values are not computed from an expression — RFM, resolved
//! assignments, and manually refreshed tags kept from their last snapshot —
//! and then adds expression tags level by level (a tag's level is above every
//! tag it reads), so one query yields `person_tags`. Bool tags are never NULL
//! (a condition that is unknown for a person does not hold), so segments can
//! negate them safely.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;

use crate::assignments;
use crate::base::{literal, quote};
use crate::definition::{TagDef, TagType, ValueType};
use crate::error::{Error, Result};
use crate::graph::{self, Deps};
use crate::rfm;
use crate::validate::Analysis;

/// A snapshot a manually refreshed tag keeps: its values at `build_id`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kept {
    pub build_id: i64,
    pub version: u32,
}

/// `e` as a value of type `vt`.
fn typed(vt: ValueType, e: &str) -> String {
    match vt {
        ValueType::Bool => format!("coalesce(CAST(({e}) AS BOOLEAN), false)"),
        ValueType::Enum => format!("CAST(({e}) AS VARCHAR)"),
        ValueType::Number => format!("CAST(({e}) AS DOUBLE)"),
    }
}

/// The schema of `person_tags` for `defs`.
pub fn schema(defs: &[&TagDef]) -> SchemaRef {
    let mut fields = vec![Field::new("person_id", DataType::Utf8, false)];
    fields.extend(
        defs.iter()
            .map(|d| Field::new(&d.tag_id, d.value_type.arrow_type(), d.value_type != ValueType::Bool)),
    );
    Arc::new(Schema::new(fields))
}

/// The query computing `(person_id, <one column per tag of defs>)`.
pub fn query(ws: &Workspace, defs: &[&TagDef], analysis: &Analysis, kept: &BTreeMap<String, Kept>) -> Result<String> {
    let columns = analysis.columns.as_ref().ok_or(Error::NoFeatures)?;
    let mut ctes = vec![format!("hx_base AS ({})", columns.sql())];
    let is_kept = |d: &TagDef| kept.contains_key(&d.tag_id);
    let rfm_tags: Vec<&TagDef> = defs
        .iter()
        .copied()
        .filter(|d| d.tag_type == TagType::Rfm && !is_kept(d))
        .collect();
    let assigned: Vec<&TagDef> = defs
        .iter()
        .copied()
        .filter(|d| d.tag_type.is_assigned() && !is_kept(d))
        .collect();
    let computed: Vec<&TagDef> = defs
        .iter()
        .copied()
        .filter(|d| d.tag_type.has_expression() && !is_kept(d))
        .collect();
    if !rfm_tags.is_empty() {
        ctes.push(format!("hx_rfm AS ({})", rfm::sql("hx_base")));
    }
    // Values given per (tag, person): resolved assignments and kept snapshots.
    let mut given = Vec::new();
    let assigned_ids: Vec<&str> = assigned.iter().map(|d| d.tag_id.as_str()).collect();
    let mut resolved = false;
    if !assigned.is_empty()
        && let Some(c) = assignments::resolution_ctes(ws, &assigned_ids)
    {
        ctes.push(c);
        given.push("SELECT tag_id, person_id, value FROM hx_assigned".to_string());
        resolved = true;
    }
    if !kept.is_empty() {
        if !ws.tables().exists(crate::snapshot::VALUES) {
            return Err(Error::Internal("kept tag values without a tag_values table".into()));
        }
        let conds: Vec<String> = kept
            .iter()
            .map(|(id, k)| {
                format!(
                    "(tag_id = {} AND build_id = {} AND version = {})",
                    literal(id),
                    k.build_id,
                    k.version
                )
            })
            .collect();
        given.push(format!(
            "SELECT tag_id, person_id, value FROM {} WHERE {}",
            crate::snapshot::VALUES,
            conds.join(" OR ")
        ));
    }
    let pivoted: Vec<&TagDef> = defs
        .iter()
        .copied()
        .filter(|d| is_kept(d) || (resolved && d.tag_type.is_assigned()))
        .collect();
    if !pivoted.is_empty() {
        let cols: Vec<String> = pivoted
            .iter()
            .map(|d| {
                format!(
                    "max(CASE WHEN tag_id = {} THEN value END) AS {}",
                    literal(&d.tag_id),
                    quote(&d.tag_id)
                )
            })
            .collect();
        ctes.push(format!(
            "hx_pivot AS (SELECT person_id, {} FROM ({}) hx_given GROUP BY person_id)",
            cols.join(", "),
            given.join(" UNION ALL ")
        ));
    }
    // Level 0: the base plus every tag that is not computed from an expression.
    let mut l0 = vec!["hx_b.*".to_string()];
    let mut joins = String::new();
    if !rfm_tags.is_empty() {
        joins.push_str(" LEFT JOIN hx_rfm ON hx_rfm.person_id = hx_b.person_id");
    }
    if !pivoted.is_empty() {
        joins.push_str(" LEFT JOIN hx_pivot ON hx_pivot.person_id = hx_b.person_id");
    }
    for d in defs {
        let id = quote(&d.tag_id);
        if pivoted.iter().any(|p| p.tag_id == d.tag_id) {
            l0.push(format!("{} AS {id}", typed(d.value_type, &format!("hx_pivot.{id}"))));
        } else if rfm_tags.iter().any(|p| p.tag_id == d.tag_id) {
            l0.push(format!("{} AS {id}", typed(d.value_type, &format!("hx_rfm.{id}"))));
        } else if d.tag_type.is_assigned() {
            l0.push(format!("{} AS {id}", typed(d.value_type, "NULL")));
        }
    }
    ctes.push(format!("hx_l0 AS (SELECT {} FROM hx_base hx_b{joins})", l0.join(", ")));
    // Expression tags, level by level.
    let deps: Deps = computed
        .iter()
        .map(|d| {
            (
                d.tag_id.clone(),
                analysis.deps.get(&d.tag_id).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let levels = graph::levels(&deps)?;
    for (i, level) in levels.iter().enumerate() {
        let mut cols = vec!["*".to_string()];
        for id in level {
            let (Some(d), Some(p)) = (computed.iter().find(|d| &d.tag_id == id), analysis.parsed.get(id)) else {
                return Err(Error::Internal(format!("tag `{id}` has no parsed expression")));
            };
            cols.push(format!("{} AS {}", typed(d.value_type, &p.sql), quote(id)));
        }
        ctes.push(format!("hx_l{} AS (SELECT {} FROM hx_l{i})", i + 1, cols.join(", ")));
    }
    let out: Vec<String> = defs.iter().map(|d| quote(&d.tag_id)).collect();
    let sep = if out.is_empty() { "" } else { ", " };
    Ok(format!(
        "WITH {} SELECT person_id{sep}{} FROM hx_l{}",
        ctes.join(", "),
        out.join(", "),
        levels.len()
    ))
}

/// Runs [`query`] and returns `person_tags` with its declared column types.
pub async fn evaluate(
    ws: &Workspace,
    engine: &SqlEngine,
    defs: &[&TagDef],
    analysis: &Analysis,
    kept: &BTreeMap<String, Kept>,
) -> Result<(SchemaRef, Vec<RecordBatch>)> {
    let sql = query(ws, defs, analysis, kept)?;
    let (_, batches) = engine
        .query(&sql)
        .await
        .map_err(|e| Error::Evaluate { message: e.to_string() })?;
    let schema = schema(defs);
    let mut out = Vec::with_capacity(batches.len());
    for b in batches {
        if b.num_rows() == 0 {
            continue;
        }
        let cols = b
            .columns()
            .iter()
            .zip(schema.fields())
            .map(|(c, f)| arrow::compute::cast(c, f.data_type()))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        out.push(RecordBatch::try_new(schema.clone(), cols)?);
    }
    Ok((schema, out))
}
