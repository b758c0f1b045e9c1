//! Paths: what actors do right after (or right before) an anchor event,
//! within a session.
//!
//! # Definition
//!
//! For each session (see [`crate::sessions`]) in event order:
//!
//! 1. The session becomes a list of **steps**: its event types, where
//!    consecutive events of the same type collapse into one step when
//!    `collapse_repeats` is on (the default; `search, search, product_view`
//!    is two steps).
//! 2. The **anchor** is the step holding the session's first event that
//!    matches the anchor event type and filters. Sessions without one are
//!    left out.
//! 3. The path is the next `depth` steps after the anchor ([`Direction::After`])
//!    or the `depth` steps before it ([`Direction::Before`]), `1 ≤ depth ≤ 5`.
//!    When the session runs out first, the path ends with `(end)` (after) or
//!    begins with `(start)` (before); a path that reaches `depth` steps has
//!    no marker. So `search → (end)` is a session that ended at its search.
//!
//! Paths are counted once per session. The top `top` paths are listed by
//! sessions (ties by path text) with `share = sessions / sessions with the
//! anchor`.
//!
//! The Sankey form aggregates **all** paths, not only the top ones: nodes are
//! `"{step}:{type}"` where `step` is the signed distance from the anchor
//! (`0` is the anchor, `1, 2, …` after it, `-1, -2, …` before it), and
//! `links` carry the number of sessions going from one node to the next in
//! time order (`source`, `target` are indices into `nodes`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{BehaviorError, Result};
use crate::funnel::{compile_matcher, parse_filters};
use crate::log::{EventLog, Prop};
use crate::sessions::Sessions;

/// Deepest path.
pub const MAX_PATH_DEPTH: usize = 5;

/// Marker ending an `After` path cut short by the end of the session.
pub const END: &str = "(end)";

/// Marker starting a `Before` path cut short by the start of the session.
pub const START: &str = "(start)";

const MARKER: u32 = u32::MAX;

/// Which side of the anchor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// The steps following the anchor.
    #[default]
    After,
    /// The steps leading to the anchor.
    Before,
}

/// A path query (deserializable: everything but `anchor` may be left out
/// for the defaults of [`PathQuery::after`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathQuery {
    /// Anchor event type.
    pub anchor: String,
    /// Anchor filters `(prop, value)`, all required.
    #[serde(default)]
    pub anchor_filters: Vec<(String, String)>,
    /// After or before the anchor.
    #[serde(default)]
    pub direction: Direction,
    /// Steps per path, 1 to 5.
    #[serde(default = "default_depth")]
    pub depth: usize,
    /// How many paths to list (the Sankey always has all).
    #[serde(default = "default_top")]
    pub top: usize,
    /// Collapse consecutive events of the same type into one step.
    #[serde(default = "default_collapse")]
    pub collapse_repeats: bool,
}

fn default_depth() -> usize {
    3
}

fn default_top() -> usize {
    10
}

fn default_collapse() -> bool {
    true
}

impl PathQuery {
    /// Paths of 3 steps after `anchor`, top 10, repeats collapsed.
    pub fn after(anchor: impl Into<String>) -> Self {
        Self {
            anchor: anchor.into(),
            anchor_filters: Vec::new(),
            direction: Direction::After,
            depth: default_depth(),
            top: default_top(),
            collapse_repeats: default_collapse(),
        }
    }

    /// Paths of 3 steps before `anchor`, top 10, repeats collapsed.
    pub fn before(anchor: impl Into<String>) -> Self {
        Self {
            direction: Direction::Before,
            ..Self::after(anchor)
        }
    }

    /// Checks depth, top, anchor and filter properties.
    pub fn validate(&self) -> Result<()> {
        if self.anchor.is_empty() {
            return Err(BehaviorError::InvalidParameter {
                name: "anchor",
                reason: "must name an event type".to_owned(),
            });
        }
        if self.depth == 0 || self.depth > MAX_PATH_DEPTH {
            return Err(BehaviorError::InvalidParameter {
                name: "depth",
                reason: format!("must be 1 to {MAX_PATH_DEPTH}, got {}", self.depth),
            });
        }
        if self.top == 0 {
            return Err(BehaviorError::InvalidParameter {
                name: "top",
                reason: "must be at least 1".to_owned(),
            });
        }
        parse_filters(&self.anchor_filters, "path anchor")?;
        Ok(())
    }

    fn anchor_label(&self) -> String {
        if self.anchor_filters.is_empty() {
            return self.anchor.clone();
        }
        let f: Vec<String> = self.anchor_filters.iter().map(|(p, v)| format!("{p}={v}")).collect();
        format!("{}{{{}}}", self.anchor, f.join(","))
    }
}

/// One listed path.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathCount {
    /// Event types in time order, without the anchor (may start with
    /// `(start)` or end with `(end)`).
    pub steps: Vec<String>,
    /// The path with the anchor, joined by ` → `.
    pub path: String,
    /// Sessions following it.
    pub sessions: u64,
    /// `sessions / sessions with the anchor`.
    pub share: f64,
}

/// A Sankey node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SankeyNode {
    /// `"{step}:{kind}"`.
    pub name: String,
    /// Signed distance from the anchor.
    pub step: i32,
    /// Event type or marker.
    pub kind: String,
}

/// A Sankey link between nodes (indices into `nodes`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SankeyLink {
    /// Source node index (earlier in time).
    pub source: usize,
    /// Target node index.
    pub target: usize,
    /// Sessions.
    pub value: u64,
}

/// Nodes and links of all paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
pub struct Sankey {
    /// Nodes by step, then flow (descending), then name.
    pub nodes: Vec<SankeyNode>,
    /// Links by source, then target.
    pub links: Vec<SankeyLink>,
}

/// The result of [`paths`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathReport {
    /// Anchor label.
    pub anchor: String,
    /// Direction.
    pub direction: Direction,
    /// Depth.
    pub depth: usize,
    /// Whether repeats were collapsed.
    pub collapse_repeats: bool,
    /// Sessions in total.
    pub sessions: u64,
    /// Sessions containing the anchor.
    pub sessions_with_anchor: u64,
    /// Number of different paths.
    pub distinct_paths: u64,
    /// The most frequent paths.
    pub top: Vec<PathCount>,
    /// All paths as a Sankey diagram.
    pub sankey: Sankey,
}

/// Counts the paths around the anchor in every session (see the module docs).
/// `sessions` must come from [`crate::sessionize`] on the same `log`.
pub fn paths(log: &EventLog, sessions: &Sessions, query: &PathQuery) -> Result<PathReport> {
    query.validate()?;
    let filters: Vec<(Prop, String)> = parse_filters(&query.anchor_filters, "path anchor")?;
    let matcher = compile_matcher(log, &query.anchor, &filters);
    let index = log.by_actor();
    let order = index.order();
    let kind = index.kind_in_order();
    check_sessions(sessions, order)?;
    let mut counts: HashMap<Vec<u32>, u64> = HashMap::new();
    let mut with_anchor = 0u64;
    let mut steps: Vec<u32> = Vec::new();
    let mut path: Vec<u32> = Vec::with_capacity(query.depth);

    if let Some((anchor_kind, anchor_filters)) = &matcher {
        // `p` is a position in the index order: sessions are consecutive runs.
        let is_anchor = |p: usize| {
            kind[p] == *anchor_kind
                && anchor_filters
                    .iter()
                    .all(|&(prop, v)| log.prop(prop)[order[p] as usize] == v)
        };
        let mut start = 0;
        for session in &sessions.sessions {
            let end = start + session.depth as usize;
            // Steps of the session and the anchor's step.
            steps.clear();
            let mut anchor = None;
            for (p, &k) in kind.iter().enumerate().take(end).skip(start) {
                if !(query.collapse_repeats && steps.last() == Some(&k)) {
                    steps.push(k);
                }
                if anchor.is_none() && is_anchor(p) {
                    anchor = Some(steps.len() - 1);
                }
            }
            start = end;
            let Some(a) = anchor else { continue };
            with_anchor += 1;
            path.clear();
            match query.direction {
                Direction::After => path.extend(steps[a + 1..].iter().take(query.depth)),
                Direction::Before => path.extend(steps[..a].iter().rev().take(query.depth)),
            }
            if path.len() < query.depth {
                path.push(MARKER);
            }
            *counts.entry(path.clone()).or_insert(0) += 1;
        }
    }

    let marker = match query.direction {
        Direction::After => END,
        Direction::Before => START,
    };
    let name = |k: u32| -> String {
        if k == MARKER {
            marker.to_owned()
        } else {
            log.kinds().name(k).unwrap_or("").to_owned()
        }
    };
    let anchor_label = query.anchor_label();

    // Top paths, in time order.
    let mut listed: Vec<(Vec<String>, u64)> = counts
        .iter()
        .map(|(p, &c)| {
            let mut names: Vec<String> = p.iter().map(|&k| name(k)).collect();
            if query.direction == Direction::Before {
                names.reverse();
            }
            (names, c)
        })
        .collect();
    listed.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let distinct_paths = listed.len() as u64;
    let top = listed
        .into_iter()
        .take(query.top)
        .map(|(steps, c)| {
            let mut all: Vec<&str> = steps.iter().map(String::as_str).collect();
            match query.direction {
                Direction::After => all.insert(0, &anchor_label),
                Direction::Before => all.push(&anchor_label),
            }
            PathCount {
                path: all.join(" → "),
                steps,
                sessions: c,
                share: c as f64 / with_anchor as f64,
            }
        })
        .collect();

    let sankey = build_sankey(&counts, query.direction, &anchor_label, &name);
    Ok(PathReport {
        anchor: anchor_label,
        direction: query.direction,
        depth: query.depth,
        collapse_repeats: query.collapse_repeats,
        sessions: sessions.len() as u64,
        sessions_with_anchor: with_anchor,
        distinct_paths,
        top,
        sankey,
    })
}

/// Sessions from [`crate::sessionize`] on this log cover the index order in
/// consecutive runs, session after session.
fn check_sessions(sessions: &Sessions, order: &[u32]) -> Result<()> {
    if sessions.event_session.len() != order.len() {
        return Err(BehaviorError::SessionsMismatch(format!(
            "they cover {} events, the log has {}",
            sessions.event_session.len(),
            order.len()
        )));
    }
    let mut start = 0;
    for (i, s) in sessions.sessions.iter().enumerate() {
        let end = start + s.depth as usize;
        let fits = s.depth > 0 && end <= order.len() && order[start] == s.first_event && order[end - 1] == s.last_event;
        if !fits {
            return Err(BehaviorError::SessionsMismatch(format!(
                "session {i} does not match the log's events"
            )));
        }
        start = end;
    }
    if start != order.len() {
        return Err(BehaviorError::SessionsMismatch(format!(
            "they cover {start} events, the log has {}",
            order.len()
        )));
    }
    Ok(())
}

fn build_sankey(
    counts: &HashMap<Vec<u32>, u64>,
    direction: Direction,
    anchor_label: &str,
    name: &dyn Fn(u32) -> String,
) -> Sankey {
    // Node key: (signed step, kind id; the anchor is ANCHOR).
    type Node = (i32, u32);
    const ANCHOR: u32 = MARKER - 1;
    let sign: i32 = match direction {
        Direction::After => 1,
        Direction::Before => -1,
    };
    let mut flow: HashMap<Node, u64> = HashMap::new();
    let mut links: HashMap<(Node, Node), u64> = HashMap::new();
    for (path, &c) in counts {
        let mut prev = (0, ANCHOR);
        *flow.entry(prev).or_insert(0) += c;
        for (i, &k) in path.iter().enumerate() {
            let node = (sign * (i as i32 + 1), k);
            *flow.entry(node).or_insert(0) += c;
            let link = match direction {
                Direction::After => (prev, node),
                Direction::Before => (node, prev),
            };
            *links.entry(link).or_insert(0) += c;
            prev = node;
        }
    }
    let node_name = |k: u32| {
        if k == ANCHOR { anchor_label.to_owned() } else { name(k) }
    };
    let mut nodes: Vec<(Node, u64, String)> = flow.into_iter().map(|(key, f)| (key, f, node_name(key.1))).collect();
    nodes.sort_by(|a, b| a.0.0.cmp(&b.0.0).then(b.1.cmp(&a.1)).then_with(|| a.2.cmp(&b.2)));
    let position: HashMap<Node, usize> = nodes.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
    let mut out_links: Vec<SankeyLink> = links
        .into_iter()
        .filter_map(|((s, t), value)| {
            Some(SankeyLink {
                source: *position.get(&s)?,
                target: *position.get(&t)?,
                value,
            })
        })
        .collect();
    out_links.sort_by_key(|l| (l.source, l.target));
    Sankey {
        nodes: nodes
            .into_iter()
            .map(|((step, _), _, kind)| SankeyNode {
                name: format!("{step}:{kind}"),
                step,
                kind,
            })
            .collect(),
        links: out_links,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{EventLogBuilder, EventRow};
    use crate::sessions::{SessionConfig, sessionize};

    const MIN: i64 = 60_000;

    /// Each inner list is one session of actor `u{i}`, events one minute apart.
    fn log_of(sessions: &[&[&str]]) -> (EventLog, Sessions) {
        let mut b = EventLogBuilder::new();
        for (i, kinds) in sessions.iter().enumerate() {
            let actor = format!("u{i}");
            for (j, k) in kinds.iter().enumerate() {
                b.push_simple(&actor, j as i64 * MIN, k);
            }
        }
        let log = b.build();
        let s = sessionize(&log, &SessionConfig::default()).expect("valid config");
        (log, s)
    }

    fn top(r: &PathReport) -> Vec<(String, u64)> {
        r.top.iter().map(|p| (p.path.clone(), p.sessions)).collect()
    }

    #[test]
    fn after_anchor_with_repeats_collapsed_or_not() {
        let (log, s) = log_of(&[
            &[
                "page_view",
                "search",
                "search",
                "product_view",
                "product_view",
                "add_to_cart",
            ],
            &["search", "product_view"],
            &["page_view"],
        ]);
        let mut q = PathQuery::after("search");
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!((r.sessions, r.sessions_with_anchor), (3, 2));
        assert_eq!(
            top(&r),
            [
                ("search → product_view → (end)".to_owned(), 1),
                ("search → product_view → add_to_cart → (end)".to_owned(), 1),
            ]
        );
        assert_eq!(r.top[0].share, 0.5);

        q.collapse_repeats = false;
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!(
            top(&r),
            [
                ("search → product_view → (end)".to_owned(), 1),
                ("search → search → product_view → product_view".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn before_anchor_in_time_order() {
        let (log, s) = log_of(&[
            &["app_open", "page_view", "search", "purchase"],
            &["search", "purchase"],
        ]);
        let q = PathQuery {
            depth: 1,
            ..PathQuery::before("purchase")
        };
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!(top(&r), [("search → purchase".to_owned(), 2)]);
        let q = PathQuery::before("purchase");
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!(
            top(&r),
            [
                ("(start) → search → purchase".to_owned(), 1),
                ("app_open → page_view → search → purchase".to_owned(), 1),
            ]
        );
    }

    #[test]
    fn first_anchor_occurrence_per_session_and_filters() {
        let mut b = EventLogBuilder::new();
        let rows = [
            ("search", "web"),
            ("page_view", "web"),
            ("search", "app"),
            ("product_view", "app"),
        ];
        for (i, (kind, channel)) in rows.iter().enumerate() {
            b.push(EventRow {
                actor: "u",
                time_ms: i as i64 * MIN,
                kind,
                channel: Some(channel),
                ..EventRow::default()
            });
        }
        let log = b.build();
        let s = sessionize(&log, &SessionConfig::default()).expect("valid config");
        let q = PathQuery {
            depth: 1,
            ..PathQuery::after("search")
        };
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!(top(&r), [("search → page_view".to_owned(), 1)]);
        let q = PathQuery {
            anchor_filters: vec![("channel".into(), "app".into())],
            ..q
        };
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!(top(&r), [("search{channel=app} → product_view".to_owned(), 1)]);
    }

    #[test]
    fn sankey_aggregates_all_paths() {
        let (log, s) = log_of(&[
            &["search", "product_view", "add_to_cart"],
            &["search", "product_view"],
            &["search", "page_view", "search", "product_view"],
        ]);
        let q = PathQuery {
            depth: 2,
            top: 1,
            ..PathQuery::after("search")
        };
        let r = paths(&log, &s, &q).expect("valid query");
        assert_eq!(r.top.len(), 1);
        assert_eq!(r.distinct_paths, 3);
        let names: Vec<&str> = r.sankey.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "0:search",
                "1:product_view",
                "1:page_view",
                "2:(end)",
                "2:add_to_cart",
                "2:search"
            ]
        );
        let links: Vec<(usize, usize, u64)> = r.sankey.links.iter().map(|l| (l.source, l.target, l.value)).collect();
        assert_eq!(links, [(0, 1, 2), (0, 2, 1), (1, 3, 1), (1, 4, 1), (2, 5, 1)]);
    }

    #[test]
    fn sankey_before_flows_forward_in_time() {
        let (log, s) = log_of(&[&["page_view", "purchase"]]);
        let q = PathQuery {
            depth: 2,
            ..PathQuery::before("purchase")
        };
        let r = paths(&log, &s, &q).expect("valid query");
        let names: Vec<&str> = r.sankey.nodes.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(names, ["-2:(start)", "-1:page_view", "0:purchase"]);
        let links: Vec<(usize, usize)> = r.sankey.links.iter().map(|l| (l.source, l.target)).collect();
        assert_eq!(links, [(0, 1), (1, 2)]);
    }

    #[test]
    fn query_deserializes_with_defaults() {
        let q: PathQuery = serde_json::from_str(r#"{"anchor":"search","direction":"before"}"#).expect("valid JSON");
        assert_eq!(q, PathQuery::before("search"));
    }

    #[test]
    fn validation() {
        let (log, s) = log_of(&[&["a"]]);
        let deep = PathQuery {
            depth: 6,
            ..PathQuery::after("a")
        };
        let err = paths(&log, &s, &deep).expect_err("too deep");
        assert!(err.to_string().contains("`depth`"), "{err}");
        let bad = PathQuery {
            anchor_filters: vec![("colour".into(), "x".into())],
            ..PathQuery::after("a")
        };
        assert!(matches!(
            paths(&log, &s, &bad),
            Err(BehaviorError::UnknownProperty { .. })
        ));
        let (other, _) = log_of(&[&["a", "b"]]);
        assert!(matches!(
            paths(&other, &s, &PathQuery::after("a")),
            Err(BehaviorError::SessionsMismatch(_))
        ));
    }
}
