//! `huaxiang paths --event TYPE`: the most frequent sequences of events after
//! (or before) an event within sessions, tables `paths` (the top sequences)
//! and `path_links` (every step-to-step flow, the links of a Sankey chart).

use huaxiang_behavior::{Direction, PathQuery, PathReport, paths};
use huaxiang_store::Workspace;
use huaxiang_store::builder::TableBuilder;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::events::{Range, load};

pub const TABLE: &str = "paths";
pub const LINKS: &str = "path_links";

/// A path request.
#[derive(Debug, Clone)]
pub struct Request {
    pub query: PathQuery,
    pub gap_minutes: i64,
    pub range: Range,
}

/// Parses `after` or `before`.
pub fn parse_direction(s: &str) -> Result<Direction> {
    match s {
        "after" => Ok(Direction::After),
        "before" => Ok(Direction::Before),
        _ => Err(Error::Invalid(format!(
            "--direction 只能是 after 或 before / --direction must be after or before, not `{s}`"
        ))),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub query: String,
    #[serde(flatten)]
    pub report: PathReport,
}

fn key(q: &PathQuery, range: Range) -> String {
    let dir = match q.direction {
        Direction::After => "after",
        Direction::Before => "before",
    };
    let mut anchor = q.anchor.clone();
    if !q.anchor_filters.is_empty() {
        let f: Vec<String> = q.anchor_filters.iter().map(|(p, v)| format!("{p}={v}")).collect();
        anchor = format!("{anchor}[{}]", f.join(","));
    }
    let mut k = format!("{dir} {anchor} | depth {}", q.depth);
    if let Some(d) = range.from {
        k.push_str(&format!(" | from {d}"));
    }
    if let Some(d) = range.to {
        k.push_str(&format!(" | to {d}"));
    }
    k
}

/// Counts the paths and stores them.
pub async fn run(ws: &Workspace, req: &Request) -> Result<Output> {
    req.query.validate()?;
    let engine = SqlEngine::new(ws, false).await?;
    let events = load(ws, &engine, req.range).await?;
    let sessions = crate::sessions::compute(&events, req.gap_minutes)?;
    let report = paths(&events.log, &sessions, &req.query)?;
    let out = Output {
        query: key(&req.query, req.range),
        report,
    };
    write(ws, &out).await?;
    Ok(out)
}

async fn write(ws: &Workspace, out: &Output) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    let top = &out.report.top;
    let batch = TableBuilder::new()
        .text("query", top.iter().map(|_| Some(out.query.as_str())))
        .int("rank", (1..=top.len()).map(|r| r as i64))
        .text("path", top.iter().map(|p| Some(p.path.as_str())))
        .int("steps", top.iter().map(|p| p.steps.len() as i64))
        .int("sessions", top.iter().map(|p| p.sessions as i64))
        .float("share", top.iter().map(|p| p.share))
        .text("computed_at", top.iter().map(|_| Some(now.as_str())))
        .batch()?;
    crate::results::replace(ws, TABLE, "query", &out.query, batch).await?;
    let s = &out.report.sankey;
    let name = |i: usize| s.nodes.get(i).map(|n| n.name.as_str());
    let step = |i: usize| s.nodes.get(i).map(|n| i64::from(n.step)).unwrap_or_default();
    let links = TableBuilder::new()
        .text("query", s.links.iter().map(|_| Some(out.query.as_str())))
        .text("source", s.links.iter().map(|l| name(l.source)))
        .text("target", s.links.iter().map(|l| name(l.target)))
        .int("source_step", s.links.iter().map(|l| step(l.source)))
        .int("sessions", s.links.iter().map(|l| l.value as i64))
        .batch()?;
    crate::results::replace(ws, LINKS, "query", &out.query, links).await
}
