//! Table `lifecycle` and the `lifecycle` tag: where each person stands on the
//! build's as-of day, by the rules of [`huaxiang_behavior::LifecycleRules`]
//! (prospect, new, active, returning, dormant, churned) over paid orders.

use chrono::NaiveDate;
use huaxiang_behavior::{LifecycleRules, StageCounts, lifecycle};
use huaxiang_store::Workspace;
use huaxiang_store::builder::{TableBuilder, meta};
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::Result;

pub const TABLE: &str = huaxiang_models::scoring::LIFECYCLE;

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub as_of: NaiveDate,
    pub rules: LifecycleRules,
    pub counts: StageCounts,
}

/// The Chinese name of a stage.
pub fn stage_zh(stage: &str) -> &'static str {
    match stage {
        "prospect" => "潜在客户",
        "new" => "新客",
        "active" => "活跃",
        "returning" => "回流",
        "dormant" => "沉睡",
        "churned" => "流失",
        _ => "",
    }
}

/// Stages as of the end of `as_of` (the workspace's zone), written to `lifecycle`.
pub async fn run(ws: &Workspace, as_of: NaiveDate, rules: &LifecycleRules) -> Result<Output> {
    rules.validate()?;
    let engine = SqlEngine::new(ws, false).await?;
    let (names, orders, signup) = crate::retention::person_orders(ws, &engine).await?;
    let tz = ws.time_zone()?;
    // The last millisecond of the as-of day: orders up to the end of that day count.
    let end = huaxiang_core::time::day_end_micros(as_of, tz) / 1000 - 1;
    let lc = lifecycle(&orders, &signup, end, rules)?;
    let rows: Vec<(usize, &str)> = lc
        .stages
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.map(|s| (i, s.as_str())))
        .collect();
    let last = |i: usize| orders.get(i).iter().rev().find(|&&t| t <= end).copied();
    let count = |i: usize| orders.get(i).iter().filter(|&&t| t <= end).count() as i64;
    TableBuilder::new()
        .text("person_id", rows.iter().map(|(i, _)| Some(names[*i].as_str())))
        .text("stage", rows.iter().map(|(_, s)| Some(*s)))
        .text("stage_zh", rows.iter().map(|(_, s)| Some(stage_zh(s))))
        .timestamp_ms(
            "first_order",
            rows.iter()
                .map(|(i, _)| orders.get(*i).first().copied().filter(|&t| t <= end)),
        )
        .timestamp_ms("last_order", rows.iter().map(|(i, _)| last(*i)))
        .int("orders", rows.iter().map(|(i, _)| count(*i)))
        .overwrite(ws, TABLE, meta([("as_of", as_of.to_string().into())]))
        .await?;
    Ok(Output {
        as_of,
        rules: *rules,
        counts: lc.counts,
    })
}
