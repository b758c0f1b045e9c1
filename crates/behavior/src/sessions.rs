//! Sessions: an actor's events cut wherever the actor was idle too long.
//!
//! Definition (reproducible in SQL with `LAG` and a running `SUM`):
//!
//! 1. Take each actor's events in time order (ties in input order).
//! 2. The first event opens session 1. Every later event opens a new session
//!    when `time − previous time > timeout` (default 30 minutes), strictly
//!    greater: a gap of exactly 30 minutes stays in the same session.
//! 3. Sessions are numbered per actor from 1 in time order; the session key
//!    is `{actor}-{number}`. In the [`Sessions`] vector (and
//!    [`Sessions::event_session`]) they are indexed by actor id, then number.
//!
//! Per session: `start` / `end` are the first and last event times,
//! `duration_s = (end − start) / 1000` (a one-event session lasts 0 s),
//! `depth` is the number of events, `entry` / `exit` the event types of the
//! first and last event, `channel` and `device` those of the first event,
//! and `converted` is true when any event of the session has the conversion
//! type (default `purchase`).
//!
//! The actor key matters: sessions of `customer_id`-else-`anonymous_id`
//! actors break where a user logs in mid-visit; key by device or stitch
//! anonymous ids to customers first (see the crate docs).
//!
//! ```sql
//! WITH e AS (
//!   SELECT *, CASE WHEN event_time - LAG(event_time) OVER w > INTERVAL '30 minutes'
//!                    OR LAG(event_time) OVER w IS NULL THEN 1 ELSE 0 END AS is_new
//!   FROM events WINDOW w AS (PARTITION BY actor ORDER BY event_time, event_id))
//! SELECT *, SUM(is_new) OVER (PARTITION BY actor ORDER BY event_time, event_id) AS session_number
//! FROM e;
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{BehaviorError, Result};
use crate::log::{EventLog, Prop};
use crate::stats::{median, rate};

/// Default inactivity timeout: 30 minutes.
pub const DEFAULT_SESSION_TIMEOUT_MS: i64 = 30 * 60 * 1000;

/// How to cut sessions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SessionConfig {
    /// A gap strictly longer than this (milliseconds) starts a new session.
    pub timeout_ms: i64,
    /// The event type that marks a session as converted.
    pub conversion_kind: String,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            timeout_ms: DEFAULT_SESSION_TIMEOUT_MS,
            conversion_kind: "purchase".to_owned(),
        }
    }
}

impl SessionConfig {
    /// Checks the timeout is positive.
    pub fn validate(&self) -> Result<()> {
        if self.timeout_ms <= 0 {
            return Err(BehaviorError::InvalidParameter {
                name: "timeout_ms",
                reason: format!("must be positive, got {}", self.timeout_ms),
            });
        }
        Ok(())
    }
}

/// One session, by ids (see [`Sessions::records`] for names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Session {
    /// Actor id.
    pub actor: u32,
    /// 1-based number of the session among the actor's sessions.
    pub number: u32,
    /// Time of the first event (Unix ms).
    pub start_ms: i64,
    /// Time of the last event (Unix ms).
    pub end_ms: i64,
    /// Number of events.
    pub depth: u32,
    /// Position of the first event in the log.
    pub first_event: u32,
    /// Position of the last event in the log.
    pub last_event: u32,
    /// The session has an event of the conversion type.
    pub converted: bool,
}

impl Session {
    /// `end − start` in milliseconds.
    pub fn duration_ms(&self) -> i64 {
        self.end_ms - self.start_ms
    }

    /// `end − start` in seconds.
    pub fn duration_s(&self) -> f64 {
        self.duration_ms() as f64 / 1000.0
    }
}

/// A session with names, for printing (`--json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionRecord<'a> {
    /// `{actor}-{number}`.
    pub key: String,
    /// Actor name.
    pub actor: &'a str,
    /// 1-based number among the actor's sessions.
    pub number: u32,
    /// First event time (Unix ms).
    pub start_ms: i64,
    /// Last event time (Unix ms).
    pub end_ms: i64,
    /// `(end − start) / 1000`.
    pub duration_s: f64,
    /// Number of events.
    pub depth: u32,
    /// Type of the first event.
    pub entry: &'a str,
    /// Type of the last event.
    pub exit: &'a str,
    /// Channel of the first event.
    pub channel: Option<&'a str>,
    /// Device of the first event.
    pub device: Option<&'a str>,
    /// Has a conversion event.
    pub converted: bool,
}

/// Headline numbers over all sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionSummary {
    /// Number of sessions.
    pub sessions: u64,
    /// Actors with at least one session.
    pub actors: u64,
    /// Events covered.
    pub events: u64,
    /// Median session duration in seconds.
    pub median_duration_s: Option<f64>,
    /// Mean events per session.
    pub mean_depth: Option<f64>,
    /// Median events per session.
    pub median_depth: Option<f64>,
    /// Share of one-event sessions.
    pub bounce_rate: Option<f64>,
    /// Share of converted sessions.
    pub conversion_rate: Option<f64>,
}

/// The result of [`sessionize`].
#[derive(Debug, Clone, Serialize)]
pub struct Sessions {
    /// The configuration used.
    pub config: SessionConfig,
    /// All sessions, by actor id then number.
    pub sessions: Vec<Session>,
    /// For each event (log position), the index of its session in `sessions`.
    pub event_session: Vec<u32>,
}

impl Sessions {
    /// Number of sessions.
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// True when there is no session (empty log).
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// The session of event `event`.
    pub fn of_event(&self, event: usize) -> Option<&Session> {
        self.event_session
            .get(event)
            .and_then(|&s| self.sessions.get(s as usize))
    }

    /// The session of `index` with names resolved through `log` (which must
    /// be the log the sessions were computed from).
    pub fn record<'a>(&self, log: &'a EventLog, index: usize) -> Option<SessionRecord<'a>> {
        let s = self.sessions.get(index)?;
        let actor = log.actors().name(s.actor).unwrap_or("");
        let first = s.first_event as usize;
        Some(SessionRecord {
            key: format!("{actor}-{}", s.number),
            actor,
            number: s.number,
            start_ms: s.start_ms,
            end_ms: s.end_ms,
            duration_s: s.duration_s(),
            depth: s.depth,
            entry: log.kind_name(first),
            exit: log.kind_name(s.last_event as usize),
            channel: log.prop_name(Prop::Channel, first),
            device: log.prop_name(Prop::Device, first),
            converted: s.converted,
        })
    }

    /// All sessions with names.
    pub fn records<'a>(&'a self, log: &'a EventLog) -> impl Iterator<Item = SessionRecord<'a>> {
        (0..self.sessions.len()).filter_map(move |i| self.record(log, i))
    }

    /// Headline numbers.
    pub fn summary(&self) -> SessionSummary {
        let n = self.sessions.len() as u64;
        let mut durations: Vec<i64> = self.sessions.iter().map(Session::duration_ms).collect();
        let mut depths: Vec<i64> = self.sessions.iter().map(|s| i64::from(s.depth)).collect();
        let events: u64 = self.sessions.iter().map(|s| u64::from(s.depth)).sum();
        let actors = self.sessions.iter().filter(|s| s.number == 1).count() as u64;
        let bounces = self.sessions.iter().filter(|s| s.depth == 1).count() as u64;
        let converted = self.sessions.iter().filter(|s| s.converted).count() as u64;
        SessionSummary {
            sessions: n,
            actors,
            events,
            median_duration_s: median(&mut durations).map(|ms| ms / 1000.0),
            mean_depth: (n > 0).then(|| events as f64 / n as f64),
            median_depth: median(&mut depths),
            bounce_rate: rate(bounces, n),
            conversion_rate: rate(converted, n),
        }
    }
}

/// Cuts every actor's events into sessions (see the module docs).
pub fn sessionize(log: &EventLog, config: &SessionConfig) -> Result<Sessions> {
    config.validate()?;
    let conversion = log.kinds().get(&config.conversion_kind);
    let index = log.by_actor();
    let mut sessions: Vec<Session> = Vec::with_capacity(log.len() / 4 + 1);
    let mut event_session = vec![0u32; log.len()];

    for actor in 0..index.actors() as u32 {
        let events = index.events(actor);
        let times = index.times(actor);
        let kinds = index.kinds(actor);
        let mut number = 0u32;
        let mut prev = i64::MIN;
        for ((&e, &t), &k) in events.iter().zip(times).zip(kinds) {
            if number == 0 || t - prev > config.timeout_ms {
                number += 1;
                sessions.push(Session {
                    actor,
                    number,
                    start_ms: t,
                    end_ms: t,
                    depth: 0,
                    first_event: e,
                    last_event: e,
                    converted: false,
                });
            }
            let id = sessions.len() - 1;
            let s = &mut sessions[id];
            s.end_ms = t;
            s.depth += 1;
            s.last_event = e;
            s.converted |= Some(k) == conversion;
            event_session[e as usize] = id as u32;
            prev = t;
        }
    }
    Ok(Sessions {
        config: config.clone(),
        sessions,
        event_session,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{EventLogBuilder, EventRow};

    const MIN: i64 = 60_000;

    fn row<'a>(actor: &'a str, t: i64, kind: &'a str, channel: &'a str) -> EventRow<'a> {
        EventRow {
            actor,
            time_ms: t,
            kind,
            channel: Some(channel),
            device: Some("ios"),
            ..EventRow::default()
        }
    }

    #[test]
    fn gap_of_exactly_the_timeout_stays_in_the_session() {
        let mut b = EventLogBuilder::new();
        b.push(row("u", 0, "page_view", "app"));
        b.push(row("u", 30 * MIN, "product_view", "web")); // gap = 30 min: same session
        b.push(row("u", 60 * MIN + 1, "purchase", "web")); // gap = 30 min + 1 ms: new
        b.push(row("u", 61 * MIN, "page_view", "web"));
        let log = b.build();
        let s = sessionize(&log, &SessionConfig::default()).expect("valid config");
        assert_eq!(s.len(), 2);
        assert_eq!(s.event_session, [0, 0, 1, 1]);
        let first = s.record(&log, 0).expect("session 0");
        assert_eq!(first.key, "u-1");
        assert_eq!(first.depth, 2);
        assert_eq!(first.duration_s, 1800.0);
        assert_eq!((first.entry, first.exit), ("page_view", "product_view"));
        assert_eq!(first.channel, Some("app"), "channel of the first event");
        assert!(!first.converted);
        let second = s.record(&log, 1).expect("session 1");
        assert_eq!(second.key, "u-2");
        assert_eq!(second.start_ms, 60 * MIN + 1);
        assert!(second.converted);
    }

    #[test]
    fn unsorted_input_and_several_actors() {
        let mut b = EventLogBuilder::new();
        b.push_simple("b", 100 * MIN, "x");
        b.push_simple("a", 5 * MIN, "y");
        b.push_simple("b", 0, "z");
        b.push_simple("a", 0, "x");
        let log = b.build();
        let cfg = SessionConfig {
            timeout_ms: 10 * MIN,
            conversion_kind: "y".into(),
        };
        let s = sessionize(&log, &cfg).expect("valid config");
        // actor b (id 0) has two sessions, actor a (id 1) one.
        let keys: Vec<String> = s.records(&log).map(|r| r.key).collect();
        assert_eq!(keys, ["b-1", "b-2", "a-1"]);
        assert_eq!(s.event_session, [1, 2, 0, 2]);
        assert_eq!(s.record(&log, 2).expect("a-1").entry, "x");
        let sum = s.summary();
        assert_eq!((sum.sessions, sum.actors, sum.events), (3, 2, 4));
        assert_eq!(sum.bounce_rate, Some(2.0 / 3.0));
        assert_eq!(sum.conversion_rate, Some(1.0 / 3.0));
        assert_eq!(sum.median_duration_s, Some(0.0));
    }

    #[test]
    fn rejects_non_positive_timeout() {
        let log = EventLogBuilder::new().build();
        let cfg = SessionConfig {
            timeout_ms: 0,
            ..SessionConfig::default()
        };
        let err = sessionize(&log, &cfg).expect_err("zero timeout");
        assert!(err.to_string().contains("`timeout_ms`"));
    }
}
