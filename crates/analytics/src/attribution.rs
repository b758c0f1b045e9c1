//! `huaxiang attribution --model M`: credit for the paid orders that follow
//! marketing touches, per channel and campaign; table `attribution`.
//!
//! Journeys are per person: the person's touches (table `touches`) in the
//! lookback window before each paid order. The models and the journey rules
//! are those of [`huaxiang_attribution`]; costs, when given, add ROI.

use std::path::Path;

use huaxiang_attribution::{
    Attribution, ChannelLift, Costs, JourneyBuilder, JourneyParams, LiftParams, Model, attribute, incrementality,
};
use huaxiang_store::Workspace;
use huaxiang_store::builder::TableBuilder;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::read::{floats, millis, query, record_person, require, texts};

pub const TABLE: &str = "attribution";

#[derive(Debug, Clone)]
pub struct Request {
    pub model: Model,
    pub lookback_days: f64,
    /// A CSV of costs: `channel,cost` or `campaign,cost` rows (header required).
    pub costs: Option<std::path::PathBuf>,
    /// Also estimate each channel's incremental orders from the touches as natural experiments.
    pub incrementality: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    #[serde(flatten)]
    pub attribution: Attribution,
    pub lookback_days: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incrementality: Option<Vec<ChannelLift>>,
}

/// Reads a costs CSV with a `cost` column and a `channel` or `campaign` column.
pub fn read_costs(path: &Path) -> Result<Costs> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Invalid(format!("无法读取 / cannot read costs file {}: {e}", path.display())))?;
    let mut lines = text.lines().enumerate();
    let Some((_, head)) = lines.next() else {
        return Err(Error::Invalid(format!("{}: empty costs file", path.display())));
    };
    let cols: Vec<String> = head
        .split(',')
        .map(|c| c.trim().trim_start_matches('\u{feff}').to_lowercase())
        .collect();
    let cost_at = cols.iter().position(|c| c == "cost");
    let key_at = cols
        .iter()
        .position(|c| c == "channel" || c == "campaign" || c == "campaign_id");
    let (Some(cost_at), Some(key_at)) = (cost_at, key_at) else {
        return Err(Error::Invalid(format!(
            "{}: line 1: the header needs a `cost` column and a `channel` or `campaign` column",
            path.display()
        )));
    };
    let by_channel = cols[key_at] == "channel";
    let mut costs = Costs::default();
    for (i, line) in lines {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split(',').map(str::trim).collect();
        let (Some(k), Some(c)) = (f.get(key_at), f.get(cost_at)) else {
            return Err(Error::Invalid(format!(
                "{}: line {}: too few fields",
                path.display(),
                i + 1
            )));
        };
        let cost: f64 = c
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite() && *v >= 0.0)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{}: line {}: field `cost`: `{c}` is not a non-negative number",
                    path.display(),
                    i + 1
                ))
            })?;
        costs = if by_channel {
            costs.channel(k, cost)
        } else {
            costs.campaign(k, cost)
        };
    }
    Ok(costs)
}

/// The persons' touches and paid orders.
async fn builder(ws: &Workspace, engine: &SqlEngine) -> Result<JourneyBuilder> {
    require(
        ws,
        "touches",
        "ingest marketing touches with `huaxiang ingest --table touches …`",
    )?;
    require(ws, "orders", "ingest orders first")?;
    require(ws, "identity_links", "run `huaxiang build` first")?;
    let (cte, joins, person) = record_person("t");
    let touches = query(
        engine,
        &format!(
            "WITH {cte} SELECT {person} AS person_id, t.touch_time, t.channel, t.campaign_id FROM touches t {joins} \
             WHERE {person} IS NOT NULL AND t.touch_time IS NOT NULL AND t.channel IS NOT NULL"
        ),
    )
    .await?;
    let (cte, joins, person) = record_person("o");
    let orders = query(
        engine,
        &format!(
            "WITH {cte} SELECT {person} AS person_id, o.order_time, o.amount FROM orders o {joins} \
             WHERE {person} IS NOT NULL AND o.order_time IS NOT NULL AND o.status = 'paid'"
        ),
    )
    .await?;
    let mut b = JourneyBuilder::new();
    let (p, t, ch, ca) = (
        texts(&touches, "person_id")?,
        millis(&touches, "touch_time")?,
        texts(&touches, "channel")?,
        texts(&touches, "campaign_id")?,
    );
    for i in 0..p.len() {
        if let (Some(p), Some(t), Some(ch)) = (&p[i], t[i], &ch[i]) {
            b.add_touch(p, t.div_euclid(1000), ch, ca[i].as_deref().unwrap_or(""))?;
        }
    }
    let (p, t, v) = (
        texts(&orders, "person_id")?,
        millis(&orders, "order_time")?,
        floats(&orders, "amount")?,
    );
    for i in 0..p.len() {
        if let (Some(p), Some(t)) = (&p[i], t[i]) {
            b.add_conversion(p, t.div_euclid(1000), if v[i].is_finite() { v[i] } else { 0.0 })?;
        }
    }
    Ok(b)
}

pub async fn run(ws: &Workspace, req: &Request) -> Result<Output> {
    req.model.validate()?;
    let costs = req.costs.as_deref().map(read_costs).transpose()?;
    let engine = SqlEngine::new(ws, false).await?;
    let b = builder(ws, &engine).await?;
    let params = JourneyParams::default().lookback_days(req.lookback_days);
    let journeys = b.build(&params)?;
    let mut attribution = attribute(&journeys, &req.model)?;
    if let Some(c) = &costs {
        attribution = attribution.with_costs(c)?;
    }
    let lift = if req.incrementality {
        let p = LiftParams {
            days: req.lookback_days,
            ..LiftParams::default()
        };
        Some(incrementality(&b, &p)?)
    } else {
        None
    };
    let out = Output {
        attribution,
        lookback_days: req.lookback_days,
        incrementality: lift,
    };
    write(ws, req, &out).await?;
    Ok(out)
}

async fn write(ws: &Workspace, req: &Request, out: &Output) -> Result<()> {
    let model = req.model.to_string();
    let a = &out.attribution;
    let n = a.channels.len() + a.campaigns.len();
    let level = a
        .channels
        .iter()
        .map(|_| "channel")
        .chain(a.campaigns.iter().map(|_| "campaign"));
    let opt = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let batch = TableBuilder::new()
        .text("model", (0..n).map(|_| Some(model.as_str())))
        .text("level", level.map(Some))
        .text(
            "channel",
            a.channels
                .iter()
                .map(|c| Some(c.channel.as_str()))
                .chain(a.campaigns.iter().map(|c| Some(c.channel.as_str()))),
        )
        .text(
            "campaign",
            a.channels
                .iter()
                .map(|_| None)
                .chain(a.campaigns.iter().map(|c| Some(c.campaign.as_str()))),
        )
        .float(
            "conversions",
            a.channels
                .iter()
                .map(|c| c.conversions)
                .chain(a.campaigns.iter().map(|c| c.conversions)),
        )
        .float(
            "revenue",
            a.channels
                .iter()
                .map(|c| c.revenue)
                .chain(a.campaigns.iter().map(|c| c.revenue)),
        )
        .int(
            "touches",
            a.channels
                .iter()
                .map(|c| c.touches as i64)
                .chain(a.campaigns.iter().map(|c| c.touches as i64)),
        )
        .float(
            "cost",
            a.channels
                .iter()
                .map(|c| opt(c.cost))
                .chain(a.campaigns.iter().map(|c| opt(c.cost))),
        )
        .float(
            "roi",
            a.channels
                .iter()
                .map(|c| opt(c.roi))
                .chain(a.campaigns.iter().map(|c| opt(c.roi))),
        )
        .float("lookback_days", (0..n).map(|_| out.lookback_days))
        .batch()?;
    crate::results::replace(ws, TABLE, "model", &model, batch).await
}
