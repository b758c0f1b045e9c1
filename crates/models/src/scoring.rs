//! Scoring: every current model over the current features, written to
//! `predictions` with each person's reasons, then the one-row-per-person
//! `model_scores` that tags and segments read, and the score-band tags.

use huaxiang_store::Workspace;
use huaxiang_tags::{TagSpec, TagType, ValueType};
use serde::Serialize;
use serde_json::json;

use crate::error::Result;
use crate::frame::Frame;
use crate::output::{TableBuilder, meta};
use crate::predict::Target;
use crate::registry::{Registry, load_model};

/// `predictions(person_id, model, version, score, percentile, reasons, …)`.
pub const PREDICTIONS: &str = "predictions";
/// One row per person: cluster, every model's score and percentile, CLV.
pub const MODEL_SCORES: &str = huaxiang_tags::base::MODEL_SCORES;
/// Reasons kept per person.
pub const REASONS: usize = 3;

/// What scoring did for one model.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub model: String,
    pub version: u32,
    pub persons: usize,
    pub flagged: usize,
}

/// Scores every current workspace model on `frame` (the current features)
/// and overwrites `predictions`.
pub async fn score_all(ws: &Workspace, frame: &Frame) -> Result<Vec<Scored>> {
    let reg = Registry::load(ws)?;
    let mut b_person = Vec::new();
    let mut b_model = Vec::new();
    let mut b_version = Vec::new();
    let mut b_score = Vec::new();
    let mut b_pct = Vec::new();
    let mut b_flag = Vec::new();
    let mut b_reasons = Vec::new();
    let mut b_zh = Vec::new();
    let mut b_en = Vec::new();
    let mut out = Vec::new();
    let frequency = frame.numeric("frequency");
    for entry in reg.current().into_iter().filter(|e| e.scores_workspace()) {
        let model = load_model(ws, entry)?;
        let keep: Vec<usize> = match Target::of_registered(&entry.target) {
            Some(Target::Repurchase) => (0..frame.len())
                .filter(|&i| frequency.is_some_and(|f| f[i] >= 1.0))
                .collect(),
            Some(Target::Conversion) => (0..frame.len())
                .filter(|&i| frequency.is_some_and(|f| f[i].is_nan() || f[i] == 0.0))
                .collect(),
            _ => (0..frame.len()).collect(),
        };
        let part = frame.select_rows(&keep);
        let data = part.dataset(None)?;
        let data = with_model_columns(&data, &model.feature_names)?;
        let scores = model.score(&data)?;
        let explanations = explain_parallel(&model, &data)?;
        for (i, ex) in explanations.iter().enumerate() {
            b_person.push(part.ids[i].clone());
            b_model.push(entry.name.clone());
            b_version.push(i64::from(entry.version));
            b_score.push(scores.scores[i]);
            b_pct.push(scores.percentiles[i]);
            b_flag.push(i64::from(scores.flagged[i]));
            b_reasons.push(serde_json::to_string(&ex.reasons)?);
            b_zh.push(ex.reasons.iter().map(|r| r.zh.as_str()).collect::<Vec<_>>().join("；"));
            b_en.push(ex.reasons.iter().map(|r| r.en.as_str()).collect::<Vec<_>>().join("; "));
        }
        out.push(Scored {
            model: entry.name.clone(),
            version: entry.version,
            persons: keep.len(),
            flagged: scores.flagged.iter().filter(|f| **f).count(),
        });
    }
    TableBuilder::new()
        .text("person_id", b_person.iter().map(Some))
        .text("model", b_model.iter().map(Some))
        .int("version", b_version)
        .float("score", b_score)
        .float("percentile", b_pct)
        .int("flagged", b_flag)
        .text("reasons", b_reasons.iter().map(Some))
        .text("reasons_zh", b_zh.iter().map(Some))
        .text("reasons_en", b_en.iter().map(Some))
        .overwrite(ws, PREDICTIONS, meta([("models", json!(out))]))
        .await?;
    Ok(out)
}

/// The model's columns of `data`; a one-hot level the current data lacks
/// (nobody has it today) is a column of zeros, anything else missing is an error.
fn with_model_columns(data: &huaxiang_ml::Dataset, names: &[String]) -> Result<huaxiang_ml::Dataset> {
    let mut cols = Vec::with_capacity(names.len());
    for n in names {
        match data.column_index(n) {
            Some(j) => cols.push(data.column(j)),
            None if n.contains('=') => cols.push(vec![0.0; data.n_rows()]),
            None => {
                return Err(crate::error::Error::UnknownColumn {
                    column: n.clone(),
                    available: data.columns().join(", "),
                });
            }
        }
    }
    let ids = data.ids().map(<[String]>::to_vec).unwrap_or_default();
    Ok(huaxiang_ml::Dataset::from_columns(names.to_vec(), &cols)?.with_ids(ids)?)
}

/// Explanations of every row, computed on all cores (TreeSHAP is the costly part of scoring).
fn explain_parallel(
    model: &huaxiang_predict::Model,
    data: &huaxiang_ml::Dataset,
) -> Result<Vec<huaxiang_predict::Explanation>> {
    let n = data.n_rows();
    let threads = std::thread::available_parallelism().map_or(1, |t| t.get()).min(8);
    if n < 2_000 || threads == 1 {
        return Ok(model.explain(data, REASONS)?);
    }
    let chunk = n.div_ceil(threads);
    let parts: Vec<Vec<usize>> = (0..threads)
        .map(|t| (t * chunk..((t + 1) * chunk).min(n)).collect())
        .filter(|p: &Vec<usize>| !p.is_empty())
        .collect();
    let results: Vec<Result<Vec<huaxiang_predict::Explanation>>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .iter()
            .map(|idx| {
                s.spawn(move || -> Result<Vec<huaxiang_predict::Explanation>> {
                    let d = data.select_rows(idx)?;
                    Ok(model.explain(&d, REASONS)?)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(crate::error::Error::Invalid("an explanation thread panicked".into())))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(n);
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// The lifecycle stage per person (huaxiang-analytics), joined when present.
pub const LIFECYCLE: &str = "lifecycle";
/// Cross-sell products per person from the association rules (huaxiang-analytics).
pub const CROSS_SELL: &str = "cross_sell";
/// Text features per person from the tickets (huaxiang-analytics' `text` stage).
pub const PERSON_TEXT: &str = "person_text";

/// Rewrites `model_scores` from `clusters`, `predictions`, `clv`, `lifecycle`
/// and `cross_sell` (one row per person of `features`) and makes sure the
/// score-band tags exist.
pub async fn refresh_model_scores(ws: &Workspace) -> Result<Vec<String>> {
    let tables = ws.tables();
    let reg = Registry::load(ws)?;
    let models: Vec<String> = if tables.exists(PREDICTIONS) {
        reg.current()
            .into_iter()
            .filter(|e| e.scores_workspace())
            .map(|e| e.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    let has_clusters = tables.exists(crate::cluster::TABLE);
    let has_clv = tables.exists(crate::clv::TABLE);
    let mut select = vec!["f.person_id".to_string()];
    let mut joins = Vec::new();
    if has_clusters {
        select.extend([
            "c.cluster AS cluster".to_string(),
            "c.name_zh AS cluster_name_zh".to_string(),
            "c.name_en AS cluster_name_en".to_string(),
        ]);
        joins.push("LEFT JOIN clusters c ON c.person_id = f.person_id".to_string());
    }
    for (i, m) in models.iter().enumerate() {
        select.push(format!("p{i}.score AS {m}_score"));
        select.push(format!("p{i}.percentile AS {m}_percentile"));
        joins.push(format!(
            "LEFT JOIN (SELECT person_id, score, percentile FROM predictions WHERE model = '{m}') p{i} \
             ON p{i}.person_id = f.person_id"
        ));
    }
    if has_clv {
        select.extend([
            "v.p_alive AS clv_p_alive".to_string(),
            "v.expected_orders AS clv_expected_orders".to_string(),
            "v.expected_spend AS clv_expected_spend".to_string(),
            "v.percentile AS clv_percentile".to_string(),
        ]);
        joins.push("LEFT JOIN clv v ON v.person_id = f.person_id".to_string());
    }
    // The behaviour analyses' per-person outputs (written by huaxiang-analytics).
    let has_lifecycle = tables.exists(LIFECYCLE);
    if has_lifecycle {
        select.push("l.stage AS lifecycle_stage".to_string());
        joins.push(format!("LEFT JOIN {LIFECYCLE} l ON l.person_id = f.person_id"));
    }
    let has_cross_sell = tables.exists(CROSS_SELL);
    if has_cross_sell {
        select.push("x.item AS cross_sell_product".to_string());
        joins.push(format!(
            "LEFT JOIN (SELECT person_id, item FROM {CROSS_SELL} WHERE rank = 1) x ON x.person_id = f.person_id"
        ));
    }
    let has_text = tables.exists(PERSON_TEXT);
    if has_text {
        select.extend([
            "pt.negative_ticket_text_share AS negative_ticket_text_share".to_string(),
            "pt.negative_tickets_90d AS negative_tickets_90d".to_string(),
            "pt.top_complaint_topic AS top_complaint_topic".to_string(),
        ]);
        joins.push(format!("LEFT JOIN {PERSON_TEXT} pt ON pt.person_id = f.person_id"));
    }
    if select.len() == 1 {
        return Ok(Vec::new());
    }
    let sql = format!("SELECT {} FROM features f {}", select.join(", "), joins.join(" "));
    let engine = huaxiang_store::sql::SqlEngine::new(ws, false).await?;
    let df = engine.context().sql(&sql).await?;
    let schema = huaxiang_features::output::stored_schema(df.schema().as_arrow());
    let batches = df.collect().await?;
    let batches = batches
        .iter()
        .map(|b| huaxiang_features::output::to_stored(b, &schema))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    tables.overwrite(MODEL_SCORES, schema, batches, meta([])).await?;
    let mut added = Vec::new();
    for m in &models {
        let id = format!("{m}_band");
        let expr = format!(
            "CASE WHEN {m}_percentile >= 90 THEN '高' WHEN {m}_percentile >= 70 THEN '中' WHEN {m}_percentile IS NOT NULL THEN '低' END"
        );
        if ensure_tag(ws, &id, &format!("{m} 分档"), &format!("{m} score band"), &expr).await? {
            added.push(id);
        }
    }
    if has_clv
        && ensure_tag(
            ws,
            "clv_band",
            "客户价值分档",
            "CLV band",
            "CASE WHEN clv_percentile >= 80 THEN '高价值' WHEN clv_percentile >= 40 THEN '中价值' WHEN clv_percentile IS NOT NULL THEN '低价值' END",
        )
        .await?
    {
        added.push("clv_band".into());
    }
    if has_clusters && ensure_tag(ws, "cluster_segment", "聚类分群", "Cluster segment", "cluster_name_zh").await? {
        added.push("cluster_segment".into());
    }
    if has_lifecycle && ensure_tag(ws, "lifecycle", "生命周期阶段", "Lifecycle stage", "lifecycle_stage").await? {
        added.push("lifecycle".into());
    }
    if has_cross_sell
        && ensure_tag(
            ws,
            "cross_sell",
            "交叉销售推荐商品",
            "Cross-sell product",
            "cross_sell_product",
        )
        .await?
    {
        added.push("cross_sell".into());
    }
    // At least one ticket classified negative in the 90 days ending with the as-of day.
    if has_text
        && ensure_tag_of(
            ws,
            "negative_sentiment",
            "负面情绪客户",
            "Negative-sentiment customers",
            "coalesce(negative_tickets_90d, 0) >= 1",
            ValueType::Bool,
            "近 90 天至少一条工单被判为负面 / at least one ticket classified negative in the last 90 days",
        )
        .await?
    {
        added.push("negative_sentiment".into());
    }
    Ok(added)
}

/// Adds the model tag `id` unless a tag of that id exists.
async fn ensure_tag(ws: &Workspace, id: &str, zh: &str, en: &str, expr: &str) -> Result<bool> {
    let description = format!("模型输出分档 / model output band: {expr}");
    ensure_tag_of(ws, id, zh, en, expr, ValueType::Enum, &description).await
}

/// Adds the model tag `id` of `value_type` unless a tag of that id exists.
async fn ensure_tag_of(
    ws: &Workspace,
    id: &str,
    zh: &str,
    en: &str,
    expr: &str,
    value_type: ValueType,
    description: &str,
) -> Result<bool> {
    let cat = huaxiang_tags::Catalog::load(ws)?;
    if cat.get(id).is_some() {
        return Ok(false);
    }
    let spec = TagSpec {
        name_zh: Some(zh.to_string()),
        name_en: Some(en.to_string()),
        description: Some(description.to_string()),
        owner: Some("huaxiang".into()),
        tag_type: Some(TagType::Model),
        value_type: Some(value_type),
        expression: Some(expr.to_string()),
        ..TagSpec::default()
    };
    huaxiang_tags::manage::add(ws, id, spec).await?;
    Ok(true)
}
