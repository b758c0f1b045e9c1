//! `huaxiang experiment ID`: the readout of one experiment of the workspace.

use std::sync::Arc;

use arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use huaxiang_experiments::{Analysis, analyse, cuped};
use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::read::{floats, query, quote, texts};

/// The raw table of assignments and outcomes.
pub const SOURCE: &str = "experiment";
/// One row per (experiment, variant) of the latest readout of each experiment.
pub const TABLE: &str = "experiment_results";

/// What to compute.
#[derive(Debug, Clone)]
pub struct Request {
    pub experiment: String,
    /// The control variant (default: the first variant in name order, e.g. `A`).
    pub control: Option<String>,
    /// The planned split, one share per variant in the order control, treatment.
    pub split: Option<Vec<f64>>,
    pub confidence: f64,
    /// A numeric column of `features` used as the CUPED pre-period covariate.
    pub covariate: Option<String>,
}

/// The readout and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct Readout {
    pub experiment: String,
    #[serde(flatten)]
    pub analysis: Analysis,
    /// Assignment rows read, and rows that named the same customer twice.
    pub rows: u64,
    pub duplicate_assignments: u64,
    pub covariate: Option<String>,
}

/// Reads the experiment's assignments, analyses them and writes `experiment_results`.
pub async fn run(ws: &Workspace, req: &Request) -> Result<Readout> {
    if !ws.tables().exists(SOURCE) {
        return Err(Error::Invalid(
            "尚无实验数据 / no `experiment` table: ingest one with `huaxiang ingest --table experiment …`".into(),
        ));
    }
    let engine = SqlEngine::new(ws, false).await?;
    let id = quote(&req.experiment);
    // One row per (customer, variant); a customer listed twice in one variant counts once.
    let counts = query(
        &engine,
        &format!(
            "SELECT variant, count(*) AS users, sum(conv) AS conversions, sum(n) AS rows FROM \
             (SELECT customer_id, variant, max(CASE WHEN converted THEN 1 ELSE 0 END) AS conv, count(*) AS n \
              FROM experiment WHERE experiment_id = {id} GROUP BY customer_id, variant) \
             GROUP BY variant ORDER BY variant"
        ),
    )
    .await?;
    let (users, conv, n) = (
        floats(&counts, "users")?,
        floats(&counts, "conversions")?,
        floats(&counts, "rows")?,
    );
    let mut arms: Vec<(String, u64, u64)> = Vec::new();
    for (j, v) in texts(&counts, "variant")?.into_iter().enumerate() {
        arms.push((v.unwrap_or_else(|| "(none)".into()), users[j] as u64, conv[j] as u64));
    }
    let rows = n.iter().map(|&n| n as u64).sum::<u64>();
    if arms.is_empty() {
        let known = query(&engine, "SELECT DISTINCT experiment_id FROM experiment ORDER BY 1").await?;
        let ids: Vec<String> = texts(&known, "experiment_id")?.into_iter().flatten().collect();
        return Err(Error::Invalid(format!(
            "没有实验 / no experiment `{}`; the table has: {}",
            req.experiment,
            ids.join(", ")
        )));
    }
    if let Some(c) = &req.control {
        let Some(pos) = arms.iter().position(|a| &a.0 == c) else {
            return Err(Error::Invalid(format!(
                "实验中没有组 / experiment `{}` has no variant `{c}` (variants: {})",
                req.experiment,
                arms.iter().map(|a| a.0.as_str()).collect::<Vec<_>>().join(", ")
            )));
        };
        let control = arms.remove(pos);
        arms.insert(0, control);
    }
    let users: u64 = arms.iter().map(|a| a.1).sum();
    let mut analysis = analyse(&arms, req.split.as_deref(), req.confidence)?;
    if let Some(cov) = &req.covariate {
        analysis.cuped = Some(cuped_readout(ws, &engine, req, cov, &analysis).await?);
    }
    let readout = Readout {
        experiment: req.experiment.clone(),
        analysis,
        rows,
        duplicate_assignments: rows.saturating_sub(users),
        covariate: req.covariate.clone(),
    };
    write(ws, &readout).await?;
    Ok(readout)
}

/// CUPED with a `features` column of each assigned customer's person.
async fn cuped_readout(
    ws: &Workspace,
    engine: &SqlEngine,
    req: &Request,
    covariate: &str,
    a: &Analysis,
) -> Result<huaxiang_experiments::analysis::Cuped> {
    if !ws.tables().exists("features") {
        return Err(Error::Invalid(
            "CUPED needs the features table: run `huaxiang build` first".into(),
        ));
    }
    let (known, _) = engine.query("SELECT * FROM features LIMIT 0").await?;
    let ok = known
        .field_with_name(covariate)
        .is_ok_and(|f| f.data_type().is_numeric());
    if !ok {
        return Err(Error::Invalid(format!(
            "--covariate `{covariate}` is not a numeric column of features"
        )));
    }
    let (joins, person) = huaxiang_features::persons::person_of("e");
    let sql = format!(
        "WITH {} SELECT e.variant, max(CASE WHEN e.converted THEN 1.0 ELSE 0.0 END) AS y, \
         max(coalesce(CAST(f.\"{covariate}\" AS DOUBLE), 0.0)) AS x \
         FROM experiment e {joins} LEFT JOIN features f ON f.person_id = {person} \
         WHERE e.experiment_id = {} AND e.variant IN ({}, {}) GROUP BY e.customer_id, e.variant",
        huaxiang_features::persons::UNIQUE_RECORDS_CTE,
        quote(&req.experiment),
        quote(&a.control),
        quote(&a.treatment),
    );
    let batches = query(engine, &sql).await?;
    let (y, x) = (floats(&batches, "y")?, floats(&batches, "x")?);
    let t: Vec<bool> = texts(&batches, "variant")?
        .iter()
        .map(|v| v.as_deref() == Some(a.treatment.as_str()))
        .collect();
    Ok(cuped(&y, &x, &t, req.confidence)?)
}

/// Replaces this experiment's rows of `experiment_results`, keeping the others.
async fn write(ws: &Workspace, r: &Readout) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    crate::results::replace(ws, TABLE, "experiment_id", &r.experiment, batch(r, &now)?).await
}

fn schema() -> Arc<Schema> {
    let t = |n: &str| Field::new(n, DataType::Utf8, true);
    let f = |n: &str| Field::new(n, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        t("experiment_id"),
        t("variant"),
        Field::new("users", DataType::Int64, true),
        Field::new("conversions", DataType::Int64, true),
        f("rate"),
        f("lift_abs"),
        f("lift_abs_ci_low"),
        f("lift_abs_ci_high"),
        f("lift_rel"),
        f("p_value"),
        f("prob_b_beats_a"),
        f("srm_p_value"),
        t("computed_at"),
    ]))
}

fn batch(r: &Readout, now: &str) -> Result<RecordBatch> {
    let a = &r.analysis;
    let n = a.variants.len();
    let s = schema();
    // Lift columns belong to the treatment row; the control row has them empty.
    let per_treatment = |v: f64| -> Vec<Option<f64>> {
        a.variants
            .iter()
            .map(|x| (x.variant == a.treatment).then_some(v).filter(|v| v.is_finite()))
            .collect()
    };
    let batch = RecordBatch::try_new(
        s.clone(),
        vec![
            Arc::new(StringArray::from(vec![r.experiment.as_str(); n])),
            Arc::new(StringArray::from(
                a.variants.iter().map(|v| v.variant.as_str()).collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(
                a.variants.iter().map(|v| v.users as i64).collect::<Vec<_>>(),
            )),
            Arc::new(Int64Array::from(
                a.variants.iter().map(|v| v.conversions as i64).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(
                a.variants.iter().map(|v| v.rate).collect::<Vec<_>>(),
            )),
            Arc::new(Float64Array::from(per_treatment(a.lift_abs))),
            Arc::new(Float64Array::from(per_treatment(a.lift_abs_ci[0]))),
            Arc::new(Float64Array::from(per_treatment(a.lift_abs_ci[1]))),
            Arc::new(Float64Array::from(per_treatment(a.lift_rel))),
            Arc::new(Float64Array::from(per_treatment(a.p_value))),
            Arc::new(Float64Array::from(per_treatment(a.prob_b_beats_a))),
            Arc::new(Float64Array::from(vec![a.srm_p_value; n])),
            Arc::new(StringArray::from(vec![now; n])),
        ],
    )?;
    Ok(batch)
}
