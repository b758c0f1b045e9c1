//! `huaxiang rules`: association rules over the workspace's baskets, the
//! table `association_rules`, and the cross-sell suggestions per person they
//! imply (table `cross_sell`, the `cross_sell` tag).
//!
//! A basket is an order: the distinct products (or categories) of its sale
//! lines. Return lines (a cancellation invoice, a negative quantity) are not
//! purchases and are left out, so a returned item never "goes with" what was
//! kept.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use huaxiang_baskets::{Baskets, Rule, RuleParams};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::read::{query, require, texts};
use huaxiang_store::builder::{TableBuilder, meta};

/// The rules of the latest run.
pub const TABLE: &str = "association_rules";
/// Cross-sell suggestions per person: `(person_id, rank, item, level, confidence, lift, rule_id)`.
pub const CROSS_SELL: &str = huaxiang_models::scoring::CROSS_SELL;

/// What a basket is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Product,
    Category,
}

impl Level {
    pub fn parse(s: &str) -> Result<Level> {
        match s {
            "product" => Ok(Level::Product),
            "category" => Ok(Level::Category),
            _ => Err(Error::Invalid(format!(
                "--level 只能是 product 或 category / --level must be product or category, not `{s}`"
            ))),
        }
    }

    fn column(self) -> &'static str {
        match self {
            Level::Product => "product_id",
            Level::Category => "category",
        }
    }
}

/// What to mine.
#[derive(Debug, Clone)]
pub struct Request {
    pub level: Level,
    pub params: RuleParams,
    /// Cross-sell suggestions kept per person.
    pub cross_sell_top: usize,
}

/// One rule as printed and stored.
#[derive(Debug, Clone, Serialize)]
pub struct RuleRow {
    pub rule_id: u64,
    #[serde(flatten)]
    pub rule: Rule,
}

/// A run's result.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub level: Level,
    pub min_support: f64,
    pub min_confidence: f64,
    pub max_len: Option<usize>,
    pub max_consequent: usize,
    pub baskets: usize,
    pub items: usize,
    pub rules: Vec<RuleRow>,
    /// Persons given at least one cross-sell suggestion (when they were computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cross_sell_persons: Option<usize>,
    pub seconds: Seconds,
}

#[derive(Debug, Clone, Serialize)]
pub struct Seconds {
    pub read: f64,
    pub mine: f64,
    pub write: f64,
}

/// The baskets of the workspace's sale lines at `level`.
pub async fn baskets(ws: &Workspace, engine: &SqlEngine, level: Level) -> Result<Baskets> {
    require(
        ws,
        "order_items",
        "ingest order lines with `huaxiang ingest --table order_items …`",
    )?;
    let (schema, _) = engine.query("SELECT * FROM order_items LIMIT 0").await?;
    let returns = if schema.field_with_name("is_return").is_ok() {
        " AND NOT coalesce(is_return, false)"
    } else {
        ""
    };
    let col = level.column();
    let batches = query(
        engine,
        &format!(
            "SELECT CAST(order_id AS VARCHAR) AS basket, CAST({col} AS VARCHAR) AS item FROM order_items \
             WHERE order_id IS NOT NULL AND {col} IS NOT NULL AND coalesce(qty, 1) > 0{returns}"
        ),
    )
    .await?;
    let keys = texts(&batches, "basket")?;
    let items = texts(&batches, "item")?;
    Ok(Baskets::from_pairs(
        keys.into_iter().zip(items).filter_map(|(k, i)| Some((k?, i?))),
    ))
}

/// Mines the rules and writes `association_rules`; with `cross_sell`, also the
/// per-person suggestions of table `cross_sell` (the build does this every
/// time; the command leaves it to the next build, so mining stays interactive).
pub async fn run(ws: &Workspace, req: &Request, cross_sell_now: bool) -> Result<Output> {
    req.params.validate()?;
    let engine = SqlEngine::new(ws, false).await?;
    let t0 = Instant::now();
    let baskets = baskets(ws, &engine, req.level).await?;
    if baskets.is_empty() {
        return Err(Error::Invalid(
            "order_items 中没有销售行 / order_items has no sale lines".into(),
        ));
    }
    let read = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let rules = huaxiang_baskets::rules(&baskets, &req.params)?;
    let mine = t1.elapsed().as_secs_f64();
    let t2 = Instant::now();
    let rows: Vec<RuleRow> = rules
        .into_iter()
        .enumerate()
        .map(|(i, rule)| RuleRow {
            rule_id: i as u64 + 1,
            rule,
        })
        .collect();
    write_rules(ws, req, &rows).await?;
    let persons = if cross_sell_now {
        Some(cross_sell(ws, &engine, req, &rows).await?)
    } else {
        None
    };
    let write = t2.elapsed().as_secs_f64();
    Ok(Output {
        level: req.level,
        min_support: req.params.min_support,
        min_confidence: req.params.min_confidence,
        max_len: req.params.max_len,
        max_consequent: req.params.max_consequent,
        baskets: baskets.len(),
        items: baskets.n_items(),
        rules: rows,
        cross_sell_persons: persons,
        seconds: Seconds { read, mine, write },
    })
}

/// Items of a rule side as stored: sorted names joined by `,`.
fn side(items: &[String]) -> String {
    items.join(",")
}

async fn write_rules(ws: &Workspace, req: &Request, rows: &[RuleRow]) -> Result<()> {
    let level = match req.level {
        Level::Product => "product",
        Level::Category => "category",
    };
    let finite = |v: f64| if v.is_finite() { v } else { f64::NAN };
    TableBuilder::new()
        .int("rule_id", rows.iter().map(|r| r.rule_id as i64))
        .text("level", rows.iter().map(|_| Some(level)))
        .text("antecedent", rows.iter().map(|r| Some(side(&r.rule.antecedent))))
        .text("consequent", rows.iter().map(|r| Some(side(&r.rule.consequent))))
        .int("antecedent_len", rows.iter().map(|r| r.rule.antecedent.len() as i64))
        .int("consequent_len", rows.iter().map(|r| r.rule.consequent.len() as i64))
        .float("support", rows.iter().map(|r| r.rule.support))
        .float("confidence", rows.iter().map(|r| r.rule.confidence))
        .float("lift", rows.iter().map(|r| r.rule.lift))
        .float("leverage", rows.iter().map(|r| r.rule.leverage))
        // Conviction is +∞ for a rule that always holds; stored as NULL.
        .float("conviction", rows.iter().map(|r| finite(r.rule.conviction)))
        .float("antecedent_support", rows.iter().map(|r| r.rule.antecedent_support))
        .float("consequent_support", rows.iter().map(|r| r.rule.consequent_support))
        .int("baskets", rows.iter().map(|r| r.rule.count as i64))
        .overwrite(
            ws,
            TABLE,
            meta([
                ("level", level.into()),
                ("min_support", req.params.min_support.into()),
                ("min_confidence", req.params.min_confidence.into()),
            ]),
        )
        .await?;
    Ok(())
}

/// For every person, the consequents of the rules whose antecedent they
/// bought and whose consequent they did not, best confidence first (then
/// lift), `cross_sell_top` of them.
async fn cross_sell(ws: &Workspace, engine: &SqlEngine, req: &Request, rows: &[RuleRow]) -> Result<usize> {
    let single: Vec<&RuleRow> = rows.iter().filter(|r| r.rule.consequent.len() == 1).collect();
    if !ws.tables().exists("orders") || !ws.tables().exists("identity_links") {
        return Ok(0);
    }
    let col = req.level.column();
    let (cte, joins, person) = crate::read::record_person("o");
    let batches = query(
        engine,
        &format!(
            "WITH {cte} SELECT DISTINCT {person} AS person_id, CAST(i.{col} AS VARCHAR) AS item \
             FROM order_items i JOIN orders o ON o.order_id = i.order_id {joins} \
             WHERE {person} IS NOT NULL AND i.{col} IS NOT NULL AND coalesce(i.qty, 1) > 0"
        ),
    )
    .await?;
    let persons = texts(&batches, "person_id")?;
    let items = texts(&batches, "item")?;
    let mut owned: HashMap<String, HashSet<String>> = HashMap::new();
    for (p, i) in persons.into_iter().zip(items) {
        if let (Some(p), Some(i)) = (p, i) {
            owned.entry(p).or_default().insert(i);
        }
    }
    let mut ids: Vec<&String> = owned.keys().collect();
    ids.sort();
    // One suggestion per row: (person, rank, rule).
    let mut out: Vec<(&String, i64, &RuleRow)> = Vec::new();
    let mut reached = 0usize;
    for p in ids {
        let have = &owned[p];
        let mut picks: Vec<&RuleRow> = single
            .iter()
            .copied()
            .filter(|r| r.rule.antecedent.iter().all(|a| have.contains(a)) && !have.contains(&r.rule.consequent[0]))
            .collect();
        picks.sort_by(|a, b| {
            b.rule
                .confidence
                .total_cmp(&a.rule.confidence)
                .then(b.rule.lift.total_cmp(&a.rule.lift))
                .then(a.rule_id.cmp(&b.rule_id))
        });
        let mut seen = HashSet::new();
        let mut rank = 0;
        for r in picks {
            if rank >= req.cross_sell_top || !seen.insert(&r.rule.consequent[0]) {
                continue;
            }
            rank += 1;
            out.push((p, rank as i64, r));
        }
        if rank > 0 {
            reached += 1;
        }
    }
    let level = match req.level {
        Level::Product => "product",
        Level::Category => "category",
    };
    TableBuilder::new()
        .text("person_id", out.iter().map(|(p, _, _)| Some(p.as_str())))
        .int("rank", out.iter().map(|(_, k, _)| *k))
        .text("item", out.iter().map(|(_, _, r)| Some(r.rule.consequent[0].as_str())))
        .text("level", out.iter().map(|_| Some(level)))
        .float("confidence", out.iter().map(|(_, _, r)| r.rule.confidence))
        .float("lift", out.iter().map(|(_, _, r)| r.rule.lift))
        .int("rule_id", out.iter().map(|(_, _, r)| r.rule_id as i64))
        .overwrite(ws, CROSS_SELL, meta([("level", level.into())]))
        .await?;
    Ok(reached)
}

/// The settings of the last `huaxiang rules`, which every build re-runs so
/// the rules and the cross-sell suggestions never go stale.
pub const SETTINGS_FILE: &str = "rules.json";

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct Settings {
    level: String,
    min_support: f64,
    min_confidence: f64,
    max_len: Option<usize>,
    max_consequent: usize,
    min_lift: Option<f64>,
    cross_sell_top: usize,
}

/// Saves `req` as the rules the build keeps fresh.
pub fn save_settings(ws: &Workspace, req: &Request) -> Result<()> {
    let s = Settings {
        level: match req.level {
            Level::Product => "product".into(),
            Level::Category => "category".into(),
        },
        min_support: req.params.min_support,
        min_confidence: req.params.min_confidence,
        max_len: req.params.max_len,
        max_consequent: req.params.max_consequent,
        min_lift: req.params.min_lift,
        cross_sell_top: req.cross_sell_top,
    };
    let path = ws.meta_dir().join(SETTINGS_FILE);
    let text = serde_json::to_string_pretty(&s).map_err(|e| Error::Invalid(format!("rules settings: {e}")))?;
    std::fs::write(&path, text).map_err(|e| Error::Invalid(format!("cannot write {}: {e}", path.display())))?;
    Ok(())
}

/// The saved rules request, if `huaxiang rules` ran in this workspace.
pub fn load_settings(ws: &Workspace) -> Result<Option<Request>> {
    let path = ws.meta_dir().join(SETTINGS_FILE);
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let s: Settings = serde_json::from_str(&text).map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    let mut params = RuleParams::new(s.min_support, s.min_confidence).with_max_consequent(s.max_consequent);
    if let Some(n) = s.max_len {
        params = params.with_max_len(n);
    }
    if let Some(l) = s.min_lift {
        params = params.with_min_lift(l);
    }
    Ok(Some(Request {
        level: Level::parse(&s.level)?,
        params,
        cross_sell_top: s.cross_sell_top,
    }))
}
