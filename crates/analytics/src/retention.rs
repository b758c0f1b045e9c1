//! `huaxiang retention`: cohorts by the week or month of each person's first
//! order (or signup) × the share of them who ordered again in each later
//! period; table `retention`.
//!
//! Activity is a paid order. A cohort's period 0 is its first period (100%
//! by definition when the cohort is by first order); a period after the data's
//! end is NULL, never 0, and the period holding the data's end is marked
//! `partial`.

use huaxiang_behavior::{ActorTimes, Period, RetentionConfig, RetentionReport, Zone, retention};
use huaxiang_store::Workspace;
use huaxiang_store::builder::TableBuilder;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::read::{millis, query, require, texts};

pub const TABLE: &str = "retention";

/// What starts a cohort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Basis {
    /// The first paid order.
    Order,
    /// The earliest signup of the person's records.
    Signup,
}

impl Basis {
    pub fn parse(s: &str) -> Result<Basis> {
        match s {
            "order" | "first_order" => Ok(Basis::Order),
            "signup" => Ok(Basis::Signup),
            _ => Err(Error::Invalid(format!(
                "--by 只能是 order 或 signup / --by must be order or signup, not `{s}`"
            ))),
        }
    }
}

/// Parses `week` or `month`.
pub fn parse_period(s: &str) -> Result<Period> {
    match s {
        "week" => Ok(Period::Week),
        "month" => Ok(Period::Month),
        _ => Err(Error::Invalid(format!(
            "--period 只能是 week 或 month / --period must be week or month, not `{s}`"
        ))),
    }
}

#[derive(Debug, Clone)]
pub struct Request {
    pub basis: Basis,
    pub period: Period,
    pub periods: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub basis: Basis,
    #[serde(flatten)]
    pub report: RetentionReport,
}

/// Paid-order times per person, and the persons' signup times.
pub async fn person_orders(ws: &Workspace, engine: &SqlEngine) -> Result<(Vec<String>, ActorTimes, Vec<Option<i64>>)> {
    require(ws, "orders", "ingest orders first")?;
    require(ws, "identity_links", "run `huaxiang build` first")?;
    let (cte, joins, person) = crate::read::record_person("o");
    let batches = query(
        engine,
        &format!(
            "WITH {cte} SELECT {person} AS person_id, o.order_time FROM orders o {joins} \
             WHERE o.status = 'paid' AND o.order_time IS NOT NULL AND {person} IS NOT NULL"
        ),
    )
    .await?;
    let persons = texts(&batches, "person_id")?;
    let times = millis(&batches, "order_time")?;
    let mut ids: std::collections::HashMap<String, u32> = std::collections::HashMap::new();
    let mut names: Vec<String> = Vec::new();
    // Every person of the workspace, buyers or not, with the earliest signup.
    let signup_sql = if ws.tables().exists("person_attributes") {
        "SELECT person_id, first_signup_time FROM person_attributes"
    } else {
        "SELECT person_id, CAST(NULL AS TIMESTAMP) AS first_signup_time FROM persons"
    };
    let sb = query(engine, signup_sql).await?;
    let sp = texts(&sb, "person_id")?;
    let st = millis(&sb, "first_signup_time")?;
    let mut signup = Vec::new();
    for (p, t) in sp.into_iter().zip(st) {
        if let Some(p) = p
            && !ids.contains_key(&p)
        {
            ids.insert(p.clone(), names.len() as u32);
            names.push(p);
            signup.push(t);
        }
    }
    let mut pairs = Vec::with_capacity(times.len());
    for (p, t) in persons.into_iter().zip(times) {
        let (Some(p), Some(t)) = (p, t) else { continue };
        let id = match ids.get(&p) {
            Some(&id) => id,
            None => {
                let id = names.len() as u32;
                ids.insert(p.clone(), id);
                names.push(p);
                signup.push(None);
                id
            }
        };
        pairs.push((id, t));
    }
    let times = ActorTimes::from_pairs(names.len(), pairs)?;
    Ok((names, times, signup))
}

pub async fn run(ws: &Workspace, req: &Request) -> Result<Output> {
    let engine = SqlEngine::new(ws, false).await?;
    let (_, orders, signup) = person_orders(ws, &engine).await?;
    let first: Vec<Option<i64>> = match req.basis {
        Basis::Order => (0..signup.len()).map(|a| orders.get(a).first().copied()).collect(),
        Basis::Signup => signup,
    };
    let config = RetentionConfig {
        period: req.period,
        periods: req.periods,
        zone: Zone::named(ws.time_zone()?.name())?,
        data_end_ms: None,
    };
    let report = retention(&first, &orders, &config)?;
    let out = Output {
        basis: req.basis,
        report,
    };
    write(ws, req, &out).await?;
    Ok(out)
}

fn key(req: &Request) -> String {
    let basis = match req.basis {
        Basis::Order => "first_order",
        Basis::Signup => "signup",
    };
    let period = match req.period {
        Period::Week => "week",
        Period::Month => "month",
    };
    format!("{basis} by {period}")
}

async fn write(ws: &Workspace, req: &Request, out: &Output) -> Result<()> {
    let k = key(req);
    let mut rows = Vec::new();
    for c in &out.report.cohorts {
        for (offset, cell) in c.cells.iter().enumerate() {
            rows.push((c, offset, cell));
        }
    }
    let batch = TableBuilder::new()
        .text("basis", rows.iter().map(|_| Some(k.as_str())))
        .text("cohort", rows.iter().map(|(c, _, _)| Some(c.cohort.as_str())))
        .text("cohort_start", rows.iter().map(|(c, _, _)| Some(c.start.as_str())))
        .int("cohort_size", rows.iter().map(|(c, _, _)| c.size as i64))
        .int("period", rows.iter().map(|(_, o, _)| *o as i64))
        .opt_int(
            "active",
            rows.iter().map(|(_, _, x)| x.as_ref().map(|x| x.active as i64)),
        )
        .float(
            "rate",
            rows.iter()
                .map(|(_, _, x)| x.as_ref().map(|x| x.rate).unwrap_or(f64::NAN)),
        )
        .boolean("partial", rows.iter().map(|(_, _, x)| x.as_ref().map(|x| x.partial)))
        .batch()?;
    crate::results::replace(ws, TABLE, "basis", &k, batch).await
}
