//! Lifetime value of every person: BG/NBD and Gamma-Gamma fitted on the
//! workspace's paid orders up to the as-of day, written to `clv`.

use huaxiang_clv::{ClvParams, CustomerSummary, Transactions};
use huaxiang_core::build::{BuildContext, micros_sql};
use huaxiang_store::Workspace;
use serde_json::{Value, json};

use crate::error::{Error, Result};
use crate::frame::{Frame, Values};
use crate::output::{TableBuilder, meta, query};

/// `clv(person_id, p_alive, expected_orders, expected_spend, horizon_days, …)`.
pub const TABLE: &str = "clv";
/// The default horizon of the predictions.
pub const HORIZON_DAYS: i64 = 180;

/// Fits on the paid orders up to the end of `ctx.as_of` and writes `clv`
/// for every person of the `features` table. Returns the fitted parameters
/// and counts.
pub async fn run(ws: &Workspace, ctx: &BuildContext, horizon_days: i64) -> Result<Value> {
    if !ws.tables().exists("orders") {
        return Ok(json!({"skipped": "no orders / 尚无订单"}));
    }
    let frame = crate::cluster::read_features(ws).await?;
    let (joins, person) = huaxiang_features::persons::person_of("o");
    let sql = format!(
        "WITH {} SELECT {person} AS person_id, substr(CAST(o.order_time AS VARCHAR), 1, 10) AS day, \
         sum(o.amount) AS amount FROM orders o {joins} \
         WHERE o.status = 'paid' AND o.order_time < {} AND {person} IS NOT NULL AND o.amount IS NOT NULL \
         GROUP BY 1, 2",
        huaxiang_features::persons::UNIQUE_RECORDS_CTE,
        micros_sql(ctx.cutoff_micros()),
    );
    let orders = Frame::from_batches(&query(ws, &sql).await?, "person_id")?;
    let (Some((_, Values::Text(days))), Some(amounts)) = (orders.columns.first(), orders.numeric("amount")) else {
        return Ok(json!({"skipped": "no paid orders / 尚无已支付订单"}));
    };
    let mut rows = Vec::with_capacity(orders.len());
    for ((p, d), a) in orders.ids.iter().zip(days).zip(amounts) {
        let day = d
            .as_deref()
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            .ok_or_else(|| Error::Invalid(format!("order day `{d:?}` of person {p} is not a date")))?;
        rows.push((p.as_str(), day, *a));
    }
    let transactions = Transactions::from_daily_amounts(rows)?;
    // The observation ends with the as-of day, at midnight that starts the next
    // day; counted in days, as lifetimes does for an observation end instant,
    // that is the next day's date (a first order on the as-of day has been
    // observed for one day, not zero).
    let observed_until = ctx.as_of.succ_opt().unwrap_or(ctx.as_of);
    let summary = transactions.summarise(observed_until)?;
    let model = ClvParams::default().fit(&summary)?;
    // Everyone without a paid order is scored with the population parameters,
    // aged by the days since signup.
    let bought: std::collections::HashSet<&str> = summary.iter().map(|c| c.customer_id.as_str()).collect();
    let tenure = frame.numeric("tenure_days");
    let mut customers: Vec<CustomerSummary> = summary.iter().cloned().collect();
    for (i, id) in frame.ids.iter().enumerate() {
        if !bought.contains(id.as_str()) {
            let age = tenure.map_or(0.0, |t| t[i]);
            let age = if age.is_finite() && age > 0.0 { age as u32 } else { 0 };
            customers.push(CustomerSummary::without_purchases(id.clone(), age));
        }
    }
    let predictions = model.predict(&customers, horizon_days as f64)?;
    let spend: Vec<f64> = predictions
        .iter()
        .map(|p| p.expected_spend.unwrap_or(f64::NAN))
        .collect();
    let pct = huaxiang_predict::model::percentiles(
        &spend
            .iter()
            .map(|s| if s.is_nan() { 0.0 } else { *s })
            .collect::<Vec<_>>(),
    );
    let params = model.parameters();
    let as_of = ctx.as_of.to_string();
    TableBuilder::new()
        .text("person_id", predictions.iter().map(|p| Some(p.customer_id)))
        .float("p_alive", predictions.iter().map(|p| p.p_alive))
        .float("expected_orders", predictions.iter().map(|p| p.expected_orders))
        .float("expected_spend", spend.iter().copied())
        .float(
            "expected_average_value",
            predictions.iter().map(|p| p.expected_average_value.unwrap_or(f64::NAN)),
        )
        .float("percentile", pct)
        .int("horizon_days", predictions.iter().map(|_| horizon_days))
        .text("as_of", predictions.iter().map(|_| Some(as_of.as_str())))
        .overwrite(
            ws,
            TABLE,
            meta([("as_of", json!(as_of)), ("parameters", serde_json::to_value(&params)?)]),
        )
        .await?;
    Ok(json!({
        "persons": predictions.len(),
        "buyers": summary.len(),
        "repeat_buyers": summary.n_repeat_customers(),
        "horizon_days": horizon_days,
        "parameters": params,
    }))
}
