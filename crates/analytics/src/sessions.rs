//! Table `sessions`: every actor's events cut by inactivity.
//!
//! One row per session: `session_id` (`{actor}-{n}`, the actor's n-th
//! session), `person_id` (NULL for visitors no person is known for), `actor`,
//! `start_time`, `end_time`, `duration_s`, `depth` (events), `entry_event`,
//! `exit_event`, `channel` and `device` (of the first event) and `converted`
//! (the session holds a `purchase`).

use huaxiang_behavior::{SessionConfig, SessionSummary, Sessions, sessionize};
use huaxiang_store::Workspace;
use huaxiang_store::builder::{TableBuilder, meta};
use serde::Serialize;

use crate::error::Result;
use crate::events::Events;

pub const TABLE: &str = "sessions";

/// The default inactivity timeout, minutes.
pub const DEFAULT_GAP_MINUTES: i64 = 30;

/// A sessionization's headline numbers.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub gap_minutes: i64,
    #[serde(flatten)]
    pub summary: SessionSummary,
    pub persons: usize,
    pub anonymous_actors: usize,
}

/// The sessions of `events` with a `gap_minutes` inactivity timeout.
pub fn compute(events: &Events, gap_minutes: i64) -> Result<Sessions> {
    let config = SessionConfig {
        timeout_ms: gap_minutes.saturating_mul(60_000),
        ..SessionConfig::default()
    };
    Ok(sessionize(&events.log, &config)?)
}

/// Computes and writes `sessions`.
pub async fn run(ws: &Workspace, events: &Events, gap_minutes: i64) -> Result<Output> {
    let sessions = compute(events, gap_minutes)?;
    write(ws, events, &sessions, gap_minutes).await?;
    let persons = events.persons.iter().filter(|p| p.is_some()).count();
    Ok(Output {
        gap_minutes,
        summary: sessions.summary(),
        persons,
        anonymous_actors: events.persons.len() - persons,
    })
}

async fn write(ws: &Workspace, events: &Events, sessions: &Sessions, gap_minutes: i64) -> Result<()> {
    let recs: Vec<_> = sessions.records(&events.log).collect();
    let person = |s: &huaxiang_behavior::Session| events.persons.get(s.actor as usize).cloned().flatten();
    TableBuilder::new()
        .text("session_id", recs.iter().map(|r| Some(r.key.as_str())))
        .text("person_id", sessions.sessions.iter().map(person))
        .text("actor", recs.iter().map(|r| Some(r.actor)))
        .timestamp_ms("start_time", recs.iter().map(|r| Some(r.start_ms)))
        .timestamp_ms("end_time", recs.iter().map(|r| Some(r.end_ms)))
        .float("duration_s", recs.iter().map(|r| r.duration_s))
        .int("depth", recs.iter().map(|r| i64::from(r.depth)))
        .text("entry_event", recs.iter().map(|r| Some(r.entry)))
        .text("exit_event", recs.iter().map(|r| Some(r.exit)))
        .text("channel", recs.iter().map(|r| r.channel))
        .text("device", recs.iter().map(|r| r.device))
        .boolean("converted", recs.iter().map(|r| Some(r.converted)))
        .overwrite(ws, TABLE, meta([("gap_minutes", gap_minutes.into())]))
        .await?;
    Ok(())
}
