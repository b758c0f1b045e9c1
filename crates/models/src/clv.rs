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
/// `clv_records(person_id, record_id, p_alive, expected_orders, expected_spend, …)`:
/// the same per customer account.
pub const RECORDS: &str = "clv_records";
/// The default horizon of the predictions.
pub const HORIZON_DAYS: i64 = 180;

/// Separates a person from a record id in the keys of the transactions.
const SEP: char = '\u{1f}';

/// Fits on the paid orders up to the end of `ctx.as_of` and writes `clv`
/// for every person of the `features` table, and `clv_records` for their
/// customer accounts. Returns the fitted parameters and counts.
///
/// The purchasing processes of BG/NBD are the customer accounts, not the
/// persons: a person with an old, lapsed account and a new, busy one has one
/// dead and one living process, which a merged history would blur into one
/// long-lived customer with a gap. So every account (a record with orders, or
/// a signed-up account without any) is fitted and scored on its own history,
/// and a person's expected orders and spend are the sums over their
/// accounts, with the largest P(alive) of their buying accounts. A person
/// with no account at all (a CRM contact) is scored as a new customer aged by
/// the days since their earliest signup, if any.
pub async fn run(ws: &Workspace, ctx: &BuildContext, horizon_days: i64) -> Result<Value> {
    if !ws.tables().exists("orders") {
        return Ok(json!({"skipped": "no orders / 尚无订单"}));
    }
    let frame = crate::cluster::read_features(ws).await?;
    let (joins, person) = huaxiang_features::persons::person_of("o");
    let sql = format!(
        "WITH {} SELECT concat({person}, '{SEP}', CAST(o.customer_id AS VARCHAR)) AS account, \
         substr(CAST(o.order_time AS VARCHAR), 1, 10) AS day, sum(o.amount) AS amount FROM orders o {joins} \
         WHERE o.status = 'paid' AND o.order_time < {} AND {person} IS NOT NULL AND o.amount IS NOT NULL \
         GROUP BY 1, 2",
        huaxiang_features::persons::UNIQUE_RECORDS_CTE,
        micros_sql(ctx.cutoff_micros()),
    );
    let orders = Frame::from_batches(&query(ws, &sql).await?, "account")?;
    let (Some((_, Values::Text(days))), Some(amounts)) = (orders.columns.first(), orders.numeric("amount")) else {
        return Ok(json!({"skipped": "no paid orders / 尚无已支付订单"}));
    };
    let mut rows = Vec::with_capacity(orders.len());
    for ((p, d), a) in orders.ids.iter().zip(days).zip(amounts) {
        let day = d
            .as_deref()
            .and_then(|d| d.parse::<chrono::NaiveDate>().ok())
            .ok_or_else(|| Error::Invalid(format!("order day `{d:?}` of account {p} is not a date")))?;
        rows.push((p.as_str(), day, *a));
    }
    let transactions = Transactions::from_daily_amounts(rows)?;
    // The observation ends with the as-of day, at midnight that starts the next
    // day; counted in days, as lifetimes counts an observation end instant,
    // that is the next day's date (a first order on the as-of day has been
    // observed for one day, not zero).
    let observed_until = ctx.as_of.succ_opt().unwrap_or(ctx.as_of);
    let summary = transactions.summarise(observed_until)?;
    let model = ClvParams::default().fit(&summary)?;
    let bought: std::collections::HashSet<&str> = summary.iter().map(|c| c.customer_id.as_str()).collect();
    let mut accounts: Vec<CustomerSummary> = summary.iter().cloned().collect();
    // Signed-up accounts without a paid order: new customers aged by the days since signup.
    let cutoff = ctx.cutoff_micros();
    let signed = if ws.tables().exists("customers") {
        query(
            ws,
            &format!(
                "SELECT concat(l.person_id, '{SEP}', CAST(l.record_id AS VARCHAR)) AS account, \
             CAST(({} - CAST(c.signup_time AS BIGINT)) / 86400000000 AS DOUBLE) AS age \
             FROM identity_links l JOIN customers c ON c.source = l.source AND c.record_id = l.record_id \
             WHERE c.signup_time IS NOT NULL AND c.signup_time < {}",
                cutoff,
                micros_sql(cutoff)
            ),
        )
        .await?
    } else {
        Vec::new()
    };
    let signed = Frame::from_batches(&signed, "account")?;
    if let Some(ages) = signed.numeric("age") {
        for (id, age) in signed.ids.iter().zip(ages) {
            if !bought.contains(id.as_str()) {
                let age = if age.is_finite() && *age > 0.0 { *age as u32 } else { 0 };
                accounts.push(CustomerSummary::without_purchases(id.clone(), age));
            }
        }
    }
    let has_account: std::collections::HashSet<&str> = accounts
        .iter()
        .filter_map(|a| a.customer_id.split(SEP).next())
        .collect();
    let tenure = frame.numeric("tenure_days");
    let mut contacts = Vec::new();
    for (i, id) in frame.ids.iter().enumerate() {
        if !has_account.contains(id.as_str()) {
            let age = tenure.map_or(0.0, |t| t[i]);
            let age = if age.is_finite() && age > 0.0 { age as u32 } else { 0 };
            contacts.push(CustomerSummary::without_purchases(format!("{id}{SEP}"), age));
        }
    }
    accounts.extend(contacts);
    let scored = model.predict(&accounts, horizon_days as f64)?;
    // Per person: sums over the accounts, the best P(alive) of the buying ones.
    let mut per: std::collections::BTreeMap<&str, PersonClv> = std::collections::BTreeMap::new();
    let mut records: Vec<(&str, &str, f64, f64, f64)> = Vec::with_capacity(scored.len());
    for (acc, p) in accounts.iter().zip(&scored) {
        let (person, record) = acc
            .customer_id
            .split_once(SEP)
            .unwrap_or((acc.customer_id.as_str(), ""));
        let spend = p.expected_spend.unwrap_or(f64::NAN);
        let e = per.entry(person).or_default();
        e.orders += p.expected_orders;
        if !spend.is_nan() {
            e.spend += spend;
            e.spend_known = true;
        }
        if acc.first_date.is_some() {
            e.p_alive_buying = Some(e.p_alive_buying.map_or(p.p_alive, |x: f64| x.max(p.p_alive)));
        }
        e.p_alive_any = e.p_alive_any.max(p.p_alive);
        if !record.is_empty() {
            records.push((person, record, p.p_alive, p.expected_orders, spend));
        }
    }
    let persons: Vec<(&str, &PersonClv)> = per.iter().map(|(k, v)| (*k, v)).collect();
    let spend: Vec<f64> = persons
        .iter()
        .map(|(_, v)| if v.spend_known { v.spend } else { f64::NAN })
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
        .text("person_id", persons.iter().map(|(p, _)| Some(*p)))
        .float(
            "p_alive",
            persons.iter().map(|(_, v)| v.p_alive_buying.unwrap_or(v.p_alive_any)),
        )
        .float("expected_orders", persons.iter().map(|(_, v)| v.orders))
        .float("expected_spend", spend.iter().copied())
        .float(
            "expected_average_value",
            persons
                .iter()
                .zip(&spend)
                .map(|((_, v), s)| if v.orders > 0.0 { s / v.orders } else { f64::NAN }),
        )
        .float("percentile", pct)
        .int("horizon_days", persons.iter().map(|_| horizon_days))
        .text("as_of", persons.iter().map(|_| Some(as_of.as_str())))
        .overwrite(
            ws,
            TABLE,
            meta([("as_of", json!(as_of)), ("parameters", serde_json::to_value(&params)?)]),
        )
        .await?;
    TableBuilder::new()
        .text("person_id", records.iter().map(|r| Some(r.0)))
        .text("record_id", records.iter().map(|r| Some(r.1)))
        .float("p_alive", records.iter().map(|r| r.2))
        .float("expected_orders", records.iter().map(|r| r.3))
        .float("expected_spend", records.iter().map(|r| r.4))
        .int("horizon_days", records.iter().map(|_| horizon_days))
        .text("as_of", records.iter().map(|_| Some(as_of.as_str())))
        .overwrite(ws, RECORDS, meta([("as_of", json!(as_of))]))
        .await?;
    Ok(json!({
        "persons": persons.len(),
        "accounts": records.len(),
        "buying_accounts": summary.len(),
        "repeat_buyers": summary.n_repeat_customers(),
        "horizon_days": horizon_days,
        "parameters": params,
    }))
}

/// One person's sums over their accounts.
#[derive(Default)]
struct PersonClv {
    orders: f64,
    spend: f64,
    spend_known: bool,
    /// The largest P(alive) of the accounts that bought.
    p_alive_buying: Option<f64>,
    p_alive_any: f64,
}
