//! Recommendations for every person (table `recommendations`), similar
//! products (table `similar_items`) and their offline evaluation
//! (`huaxiang recommend evaluate`).
//!
//! The interactions are the persons' purchases (order lines of paid and
//! refunded orders) and their product views and cart adds; anonymous
//! visitors' views count too (as their own users), since they say which
//! products go together even when nobody is known.

use std::collections::HashMap;

use chrono::NaiveDate;
use huaxiang_recommend::{
    Fit, InteractionKind, Interactions, ItemKnn, NextItemReport, Recommender, Session, TopNReport, evaluate_next_item,
    evaluate_time_split,
};
use huaxiang_store::Workspace;
use huaxiang_store::builder::{TableBuilder, meta};
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::read::{event_actor, millis, query, record_person, require, texts};

pub const TABLE: &str = "recommendations";
pub const SIMILAR: &str = "similar_items";
/// Products kept per person and similar products per product.
pub const DEFAULT_TOP: usize = 10;
/// The default evaluation holds out the last this many days of purchases.
pub const DEFAULT_TEST_DAYS: i64 = 60;

/// The interactions of the workspace and which users are persons.
pub async fn interactions(ws: &Workspace, engine: &SqlEngine) -> Result<Interactions> {
    require(ws, "order_items", "ingest order lines first")?;
    require(ws, "identity_links", "run `huaxiang build` first")?;
    let mut data = Interactions::new();
    let (cte, joins, person) = record_person("o");
    let bought = query(
        engine,
        &format!(
            "WITH {cte} SELECT {person} AS user_id, CAST(i.product_id AS VARCHAR) AS item, o.order_time AS t \
             FROM order_items i JOIN orders o ON o.order_id = i.order_id {joins} \
             WHERE {person} IS NOT NULL AND i.product_id IS NOT NULL AND o.order_time IS NOT NULL \
             AND o.status IN ('paid', 'refunded') AND coalesce(i.qty, 1) > 0"
        ),
    )
    .await?;
    push(&mut data, &bought, |_| Some(InteractionKind::Purchase))?;
    if ws.tables().exists("events") {
        let (cte, joins, actor, _) = event_actor(ws);
        let seen = query(
            engine,
            &format!(
                "WITH {cte} SELECT {actor} AS user_id, CAST(e.product_id AS VARCHAR) AS item, e.event_time AS t, \
                 CAST(e.event_type AS VARCHAR) AS kind FROM events e {joins} \
                 WHERE e.product_id IS NOT NULL AND e.event_time IS NOT NULL \
                 AND e.event_type IN ('product_view', 'add_to_cart')"
            ),
        )
        .await?;
        let kinds = texts(&seen, "kind")?;
        push(&mut data, &seen, |i| match kinds[i].as_deref() {
            Some("add_to_cart") => Some(InteractionKind::Cart),
            Some(_) => Some(InteractionKind::View),
            None => None,
        })?;
    }
    if data.is_empty() {
        return Err(Error::Invalid(
            "没有购买或浏览记录 / no purchases or product views to learn from".into(),
        ));
    }
    Ok(data)
}

fn push(
    data: &mut Interactions,
    b: &[arrow::array::RecordBatch],
    kind: impl Fn(usize) -> Option<InteractionKind>,
) -> Result<()> {
    let users = texts(b, "user_id")?;
    let items = texts(b, "item")?;
    let times = millis(b, "t")?;
    for i in 0..users.len() {
        if let (Some(u), Some(it), Some(t), Some(k)) = (&users[i], &items[i], times[i], kind(i)) {
            data.push(u, it, k, t.div_euclid(1000))?;
        }
    }
    Ok(())
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub persons: usize,
    pub rows: usize,
    pub products: usize,
    pub interactions: usize,
    pub top: usize,
}

/// Fits on everything and writes `recommendations` and `similar_items`.
pub async fn run(ws: &Workspace, top: usize) -> Result<Output> {
    let engine = SqlEngine::new(ws, false).await?;
    let data = interactions(ws, &engine).await?;
    let model = ItemKnn::default().fit(&data)?;
    // Only persons get a list: anonymous users helped learn the similarities.
    let all = model.recommend_all(top);
    let (mut p, mut it, mut rank, mut score) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut persons = 0;
    for (user, list) in &all {
        if user.starts_with("anon:") || user.starts_with("session:") || list.is_empty() {
            continue;
        }
        persons += 1;
        for (r, (item, s)) in list.iter().enumerate() {
            p.push(user.to_string());
            it.push(item.to_string());
            rank.push(r as i64 + 1);
            score.push(f64::from(*s));
        }
    }
    let rows = p.len();
    TableBuilder::new()
        .text("person_id", p.into_iter().map(Some))
        .text("product_id", it.into_iter().map(Some))
        .int("rank", rank)
        .float("score", score)
        .overwrite(ws, TABLE, meta([("model", "item_knn".into())]))
        .await?;
    let (mut a, mut b, mut rank, mut score) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for item in model.items().keys() {
        for (r, (other, s)) in model.similar_items(item, top).into_iter().enumerate() {
            a.push(item.clone());
            b.push(other.to_string());
            rank.push(r as i64 + 1);
            score.push(f64::from(s));
        }
    }
    TableBuilder::new()
        .text("product_id", a.into_iter().map(Some))
        .text("similar_product_id", b.into_iter().map(Some))
        .int("rank", rank)
        .float("score", score)
        .overwrite(ws, SIMILAR, meta([("model", "item_knn".into())]))
        .await?;
    Ok(Output {
        persons,
        rows,
        products: model.items().len(),
        interactions: data.len(),
        top,
    })
}

/// The top-N evaluation's report with its split.
#[derive(Debug, Clone, Serialize)]
pub struct TopNOutput {
    pub split: String,
    #[serde(flatten)]
    pub report: TopNReport,
}

/// Trains on what happened before `split` (default: the last purchase −
/// [`DEFAULT_TEST_DAYS`]) and tests on each person's new purchases after it.
pub async fn evaluate(ws: &Workspace, split: Option<NaiveDate>) -> Result<TopNOutput> {
    let engine = SqlEngine::new(ws, false).await?;
    let data = interactions(ws, &engine).await?;
    let t = match split {
        Some(d) => huaxiang_core::time::day_start_micros(d, ws.time_zone()?) / 1_000_000,
        None => {
            let last = data
                .max_purchase_time()
                .ok_or_else(|| Error::Invalid("没有购买记录 / no purchases to evaluate on".into()))?;
            last - DEFAULT_TEST_DAYS * 86_400
        }
    };
    let report = evaluate_time_split(&data, t, 10)?;
    let tz = ws.time_zone()?;
    let split = chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.with_timezone(&tz).to_rfc3339())
        .unwrap_or_default();
    Ok(TopNOutput { split, report })
}

/// Within-session next-item prediction: the sessions starting in the last
/// `holdout_days` × 24 hours of the events are held out.
pub async fn evaluate_sessions(ws: &Workspace, holdout_days: f64) -> Result<NextItemReport> {
    if !(holdout_days.is_finite() && holdout_days > 0.0) {
        return Err(Error::Invalid(format!(
            "--holdout-days must be positive, not {holdout_days}"
        )));
    }
    require(ws, "events", "ingest behaviour events first")?;
    let engine = SqlEngine::new(ws, false).await?;
    let sessions = view_sessions(ws, &engine).await?;
    Ok(evaluate_next_item(&sessions, holdout_days * 86_400.0, 20)?)
}

/// Product views grouped by the source's session id, or, for events without
/// one, by the inactivity sessions of their actor.
async fn view_sessions(ws: &Workspace, engine: &SqlEngine) -> Result<Vec<Session>> {
    let b = query(
        engine,
        "SELECT CAST(session_id AS VARCHAR) AS s, event_time AS t, CAST(product_id AS VARCHAR) AS item FROM events \
         WHERE event_type = 'product_view' AND product_id IS NOT NULL AND event_time IS NOT NULL AND session_id IS NOT NULL",
    )
    .await?;
    let keys = texts(&b, "s")?;
    let times = crate::read::micros(&b, "t")?;
    let items = texts(&b, "item")?;
    let mut by: HashMap<String, usize> = HashMap::new();
    let mut sessions: Vec<Session> = Vec::new();
    for i in 0..keys.len() {
        let (Some(k), Some(t), Some(item)) = (&keys[i], times[i], &items[i]) else {
            continue;
        };
        let at = *by.entry(k.clone()).or_insert_with(|| {
            sessions.push(Session::new(k.clone()));
            sessions.len() - 1
        });
        sessions[at].clicks.push((t as f64 / 1e6, item.clone()));
    }
    if sessions.is_empty() {
        // No session ids: cut the actors' events by inactivity.
        let events = crate::events::load(ws, engine, crate::events::Range::default()).await?;
        let s = crate::sessions::compute(&events, crate::sessions::DEFAULT_GAP_MINUTES)?;
        let log = &events.log;
        let view = log.kinds().get("product_view");
        let product = log.prop(huaxiang_behavior::Prop::Product);
        let names = log.prop_dict(huaxiang_behavior::Prop::Product);
        sessions = (0..s.len()).map(|i| Session::new(i.to_string())).collect();
        for (e, &p) in product.iter().enumerate() {
            if Some(log.kind()[e]) != view {
                continue;
            }
            let (Some(&si), Some(name)) = (s.event_session.get(e), names.name(p)) else {
                continue;
            };
            sessions[si as usize]
                .clicks
                .push((log.time()[e] as f64 / 1e3, name.to_string()));
        }
        sessions.retain(|s| !s.clicks.is_empty());
    }
    for s in &mut sessions {
        s.sort();
    }
    Ok(sessions)
}
