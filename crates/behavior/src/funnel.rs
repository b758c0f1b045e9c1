//! Conversion funnels: how many actors go from step 1 through step *k*
//! within a time window.
//!
//! # Definition
//!
//! A funnel is a list of 2 to 64 [`Step`]s (an event type plus optional
//! equality filters on `channel`, `device`, `category`, `product`, all of
//! which must hold), a conversion window (default 7 days) and a
//! [`StepOrder`]. Each actor's events are taken in time order (ties in input
//! order); "after" below means later in that order.
//!
//! **Attempts.** Every event matching step 1 starts an attempt (for
//! [`StepOrder::Any`], every event matching any step does). An attempt
//! started at time `t0` only uses events with `time − t0 ≤ window` (the
//! boundary is included).
//!
//! * [`StepOrder::Sequential`] (default, as Mixpanel and PostHog): step
//!   *i + 1* is the **first** event after step *i*'s event that matches step
//!   *i + 1*; other events may come between. (Taking the first match is
//!   optimal: no other choice reaches further.)
//! * [`StepOrder::Strict`]: step *i + 1* must be the very next event of the
//!   actor, of whatever type, after step *i*'s event.
//! * [`StepOrder::Any`]: the attempt reaches step *k* at the earliest time
//!   by which the events from the start event onwards contain steps 1..*k*,
//!   each matched by a different event, in any order.
//!
//! **Counting.** An attempt reaches step *k* when steps 1..*k* are all
//! matched. The actor counts once, at the furthest step any of its attempts
//! reaches; among attempts reaching that step, the earliest counts (its
//! times and its first event are the ones reported). Actors with no step-1
//! event are not in the funnel at all; every actor with a step-1 event
//! enters it, in every order mode.
//!
//! **Report** (per breakdown group and overall, step *k*):
//! * `actors`: actors whose furthest step is ≥ *k*;
//! * `conversion_from_first = actors_k / actors_1`,
//!   `conversion_from_previous = actors_k / actors_{k−1}` (1 at step 1);
//! * `dropoff = actors_{k−1} − actors_k` and `dropoff_rate =
//!   dropoff / actors_{k−1}` (0 at step 1);
//! * `median_time_from_previous_s`: median over those actors of
//!   `time(step k) − time(step k−1)` in their counted attempt;
//!   `median_time_from_first_s`: median of `time(step k) − start time`. For
//!   the last step that is the median time to convert. In `Any` order the
//!   time of step *k* is the time the attempt reached it.
//!
//! Medians are `PERCENTILE_CONT(0.5)`; rates are `null` when their
//! denominator is 0.
//!
//! **Breakdown.** Each counted actor belongs to exactly one group, so groups
//! add up to the overall row: by a property ([`Breakdown::Prop`]) of the
//! first event of the counted attempt (`(none)` when missing), or by a label
//! the caller supplies per actor name ([`Breakdown::ActorLabels`], for
//! segments or tags; actors without a label go to `(none)`).
//!
//! A sequential funnel in SQL, step by step (`s1` = step-1 events):
//!
//! ```sql
//! -- one row per attempt; step 2 = first matching event after step 1 within the window
//! SELECT s1.actor, s1.rn AS rn1, s1.t AS t1,
//!        (SELECT MIN(e.rn) FROM e WHERE e.actor = s1.actor AND e.kind = 'add_to_cart'
//!           AND e.rn > s1.rn AND e.t <= s1.t + INTERVAL '7 days') AS rn2
//! FROM e AS s1 WHERE s1.kind = 'product_view';
//! -- … repeat for each step, then per actor keep the attempt with the most
//! -- steps, ties by the smallest rn1.
//! ```

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{BehaviorError, Result};
use crate::log::{EventLog, NONE, Prop};
use crate::stats::{median_seconds, rate};

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// Default conversion window: 7 days.
pub const DEFAULT_FUNNEL_WINDOW_MS: i64 = 7 * DAY_MS;

/// Most steps a funnel may have.
pub const MAX_FUNNEL_STEPS: usize = 64;

/// Group label of missing values.
pub const NO_LABEL: &str = "(none)";

/// How steps must follow each other (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepOrder {
    /// In order; other events may come between.
    #[default]
    Sequential,
    /// In order, each step the very next event of the actor.
    Strict,
    /// In any order within the window.
    Any,
}

/// One funnel step: an event type and property filters (`(prop, value)`,
/// all must match; `prop` is `channel`, `device`, `category` or `product`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// Event type.
    pub kind: String,
    /// Equality filters, all required.
    #[serde(default)]
    pub filters: Vec<(String, String)>,
}

impl Step {
    /// A step on event type `kind` without filters.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            filters: Vec::new(),
        }
    }

    /// Adds the filter `prop = value`.
    pub fn with_filter(mut self, prop: impl Into<String>, value: impl Into<String>) -> Self {
        self.filters.push((prop.into(), value.into()));
        self
    }

    /// `kind` or `kind{prop=value,…}`.
    pub fn label(&self) -> String {
        if self.filters.is_empty() {
            return self.kind.clone();
        }
        let filters: Vec<String> = self.filters.iter().map(|(p, v)| format!("{p}={v}")).collect();
        format!("{}{{{}}}", self.kind, filters.join(","))
    }
}

/// A funnel definition (deserializable: `window_ms` and `order` may be
/// left out for the defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    /// The steps, 2 to 64.
    pub steps: Vec<Step>,
    /// Conversion window in milliseconds from the attempt's first event.
    #[serde(default = "default_window")]
    pub window_ms: i64,
    /// Step order rule.
    #[serde(default)]
    pub order: StepOrder,
}

fn default_window() -> i64 {
    DEFAULT_FUNNEL_WINDOW_MS
}

impl Funnel {
    /// A sequential 7-day funnel over event types without filters.
    pub fn new<S: Into<String>>(kinds: impl IntoIterator<Item = S>) -> Self {
        Self {
            steps: kinds.into_iter().map(Step::new).collect(),
            window_ms: DEFAULT_FUNNEL_WINDOW_MS,
            order: StepOrder::default(),
        }
    }

    /// Checks: 2 to 64 steps, non-empty event types, a positive window and
    /// filters on known properties.
    pub fn validate(&self) -> Result<()> {
        if self.steps.len() < 2 || self.steps.len() > MAX_FUNNEL_STEPS {
            return Err(BehaviorError::InvalidParameter {
                name: "steps",
                reason: format!("a funnel needs 2 to {MAX_FUNNEL_STEPS} steps, got {}", self.steps.len()),
            });
        }
        if self.window_ms <= 0 {
            return Err(BehaviorError::InvalidParameter {
                name: "window_ms",
                reason: format!("must be positive, got {}", self.window_ms),
            });
        }
        for (i, step) in self.steps.iter().enumerate() {
            if step.kind.is_empty() {
                return Err(BehaviorError::InvalidParameter {
                    name: "steps",
                    reason: format!("step {} has an empty event type", i + 1),
                });
            }
            parse_filters(&step.filters, &format!("funnel step {}", i + 1))?;
        }
        Ok(())
    }
}

/// Parses `(prop, value)` filters, naming `context` in the error.
pub(crate) fn parse_filters(filters: &[(String, String)], context: &str) -> Result<Vec<(Prop, String)>> {
    filters
        .iter()
        .map(|(p, v)| {
            Prop::parse(p)
                .map(|prop| (prop, v.clone()))
                .ok_or_else(|| BehaviorError::UnknownProperty {
                    context: context.to_owned(),
                    prop: p.clone(),
                })
        })
        .collect()
}

/// Resolves a step (event type + filters) to ids; `None` when the event type
/// or a filter value does not occur in the log (the step matches nothing).
pub(crate) fn compile_matcher(
    log: &EventLog,
    kind: &str,
    filters: &[(Prop, String)],
) -> Option<(u32, Vec<(Prop, u32)>)> {
    let kind = log.kinds().get(kind)?;
    let filters = filters
        .iter()
        .map(|(p, v)| log.prop_dict(*p).get(v).map(|id| (*p, id)))
        .collect::<Option<Vec<_>>>()?;
    Some((kind, filters))
}

/// How to split the funnel into groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Breakdown {
    /// By a property of the first event of each actor's counted attempt.
    Prop(Prop),
    /// By a label per actor name (segment, tag…); unlabelled actors go to
    /// `(none)`.
    ActorLabels(HashMap<String, String>),
}

impl Breakdown {
    fn describe(&self) -> String {
        match self {
            Breakdown::Prop(p) => p.name().to_owned(),
            Breakdown::ActorLabels(_) => "actor_label".to_owned(),
        }
    }
}

/// One actor's counted attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActorFunnel {
    /// Actor id.
    pub actor: u32,
    /// Furthest step reached, 1-based.
    pub furthest: usize,
    /// Log position of the attempt's first event.
    pub start_event: u32,
    /// Time of the attempt's first event.
    pub start_ms: i64,
    /// Time each step 1..=furthest was reached.
    pub reach_ms: Vec<i64>,
}

/// Statistics of one step in one group.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepStats {
    /// 1-based step number.
    pub step: usize,
    /// Step label (`kind` or `kind{prop=value}`).
    pub name: String,
    /// Actors reaching this step.
    pub actors: u64,
    /// `actors / actors at step 1`.
    pub conversion_from_first: Option<f64>,
    /// `actors / actors at the previous step` (1 at step 1).
    pub conversion_from_previous: Option<f64>,
    /// Actors at the previous step that did not reach this one (0 at step 1).
    pub dropoff: u64,
    /// `dropoff / actors at the previous step` (0 at step 1).
    pub dropoff_rate: Option<f64>,
    /// Median seconds from the previous step (`None` at step 1).
    pub median_time_from_previous_s: Option<f64>,
    /// Median seconds from the attempt's first event.
    pub median_time_from_first_s: Option<f64>,
}

/// A funnel for one group of actors.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelGroup {
    /// Group label (`(all)` for the overall row).
    pub label: String,
    /// Actors entering (reaching step 1).
    pub entered: u64,
    /// Actors reaching the last step.
    pub converted: u64,
    /// `converted / entered`.
    pub conversion_rate: Option<f64>,
    /// Median seconds from the first event to the last step, over converted actors.
    pub median_time_to_convert_s: Option<f64>,
    /// Per step.
    pub steps: Vec<StepStats>,
}

/// The result of [`funnel`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FunnelReport {
    /// Step labels.
    pub steps: Vec<String>,
    /// Order rule used.
    pub order: StepOrder,
    /// Window used, milliseconds.
    pub window_ms: i64,
    /// All actors.
    pub overall: FunnelGroup,
    /// What the groups are by (`channel`, `device`, `actor_label`…), if any.
    pub breakdown: Option<String>,
    /// One per group label, most entered first (ties by label).
    pub groups: Vec<FunnelGroup>,
}

/// A step resolved to ids: its index and its `(property, value id)` filters.
type StepMatcher = (usize, Vec<(Prop, u32)>);

struct Compiled {
    k: usize,
    /// For each kind id, the steps on that kind.
    by_kind: Vec<Vec<StepMatcher>>,
}

impl Compiled {
    fn new(log: &EventLog, funnel: &Funnel) -> Result<Self> {
        let mut by_kind = vec![Vec::new(); log.kinds().len()];
        for (s, step) in funnel.steps.iter().enumerate() {
            let filters = parse_filters(&step.filters, &format!("funnel step {}", s + 1))?;
            if let Some((kind, filters)) = compile_matcher(log, &step.kind, &filters) {
                by_kind[kind as usize].push((s, filters));
            }
        }
        Ok(Self {
            k: funnel.steps.len(),
            by_kind,
        })
    }

    /// Steps matched by event `e` (log position) of type `kind`.
    fn mask(&self, log: &EventLog, kind: u32, e: u32) -> u64 {
        let mut m = 0u64;
        if let Some(steps) = self.by_kind.get(kind as usize) {
            for (s, filters) in steps {
                if filters.iter().all(|&(p, v)| log.prop(p)[e as usize] == v) {
                    m |= 1u64 << s;
                }
            }
        }
        m
    }
}

#[derive(Default)]
struct Scratch {
    masks: Vec<u64>,
    times: Vec<i64>,
    cur: Vec<i64>,
    best_reach: Vec<i64>,
    cands: Vec<Vec<u32>>,
    match_of: Vec<u32>,
    owner: Vec<u32>,
    visited: Vec<bool>,
}

impl Scratch {
    /// Best attempt of one actor: (furthest step, actor-local start index);
    /// reach times in `best_reach`.
    fn evaluate(
        &mut self,
        log: &EventLog,
        compiled: &Compiled,
        funnel: &Funnel,
        events: &[u32],
        times: &[i64],
        kinds: &[u32],
    ) -> Option<(usize, usize)> {
        self.masks.clear();
        self.times.clear();
        self.times.extend_from_slice(times);
        let mut any = 0u64;
        for (&e, &k) in events.iter().zip(kinds) {
            let m = compiled.mask(log, k, e);
            any |= m;
            self.masks.push(m);
        }
        if any & 1 == 0 {
            return None;
        }
        let k = compiled.k;
        self.cur.clear();
        self.cur.resize(k, 0);
        self.best_reach.clear();
        let best = match funnel.order {
            StepOrder::Sequential => self.sequential(k, funnel.window_ms),
            StepOrder::Strict => self.strict(k, funnel.window_ms),
            StepOrder::Any => self.any_order(k, funnel.window_ms),
        };
        (best.0 > 0).then_some(best)
    }

    fn keep(&mut self, reached: usize, start: usize, best: &mut (usize, usize)) -> bool {
        if reached > best.0 {
            *best = (reached, start);
            self.best_reach.clear();
            self.best_reach.extend_from_slice(&self.cur[..reached]);
        }
        best.0 == self.cur.len()
    }

    fn sequential(&mut self, k: usize, window: i64) -> (usize, usize) {
        // occ[s]: indices of the events matching step s. Across attempts in
        // time order the match of every step only moves forward, so one
        // cursor per step suffices: O(events + attempts × steps).
        self.cands.resize_with(k, Vec::new);
        for c in &mut self.cands {
            c.clear();
        }
        for (i, &m) in self.masks.iter().enumerate() {
            let mut m = m;
            while m != 0 {
                let s = m.trailing_zeros() as usize;
                m &= m - 1;
                self.cands[s].push(i as u32);
            }
        }
        self.match_of.clear();
        self.match_of.resize(k, 0); // cursor per step
        let mut best = (0, 0);
        for a in 0..self.cands[0].len() {
            let i = self.cands[0][a] as usize;
            let t0 = self.times[i];
            self.cur[0] = t0;
            let (mut reached, mut pos) = (1, i);
            while reached < k {
                let occ = &self.cands[reached];
                let cursor = &mut self.match_of[reached];
                while (*cursor as usize) < occ.len() && occ[*cursor as usize] as usize <= pos {
                    *cursor += 1;
                }
                let Some(&j) = occ.get(*cursor as usize) else {
                    break;
                };
                let j = j as usize;
                if self.times[j] - t0 > window {
                    break;
                }
                self.cur[reached] = self.times[j];
                pos = j;
                reached += 1;
            }
            if self.keep(reached, i, &mut best) {
                break;
            }
        }
        best
    }

    fn strict(&mut self, k: usize, window: i64) -> (usize, usize) {
        let n = self.masks.len();
        let mut best = (0, 0);
        for i in 0..n {
            if self.masks[i] & 1 == 0 {
                continue;
            }
            let t0 = self.times[i];
            self.cur[0] = t0;
            let mut reached = 1;
            while reached < k {
                let j = i + reached;
                if j >= n || self.masks[j] >> reached & 1 == 0 || self.times[j] - t0 > window {
                    break;
                }
                self.cur[reached] = self.times[j];
                reached += 1;
            }
            if self.keep(reached, i, &mut best) {
                break;
            }
        }
        best
    }

    fn any_order(&mut self, k: usize, window: i64) -> (usize, usize) {
        let n = self.masks.len();
        self.owner.clear();
        self.owner.resize(n, NONE);
        self.cands.resize_with(k, Vec::new);
        self.match_of.clear();
        self.match_of.resize(k, NONE);
        self.visited.clear();
        self.visited.resize(k, false);
        let mut best = (0, 0);
        for i in 0..n {
            if self.masks[i] == 0 {
                continue;
            }
            let t0 = self.times[i];
            for c in &mut self.cands {
                c.clear();
            }
            let mut reached = 0;
            let mut j = i;
            while j < n && reached < k && self.times[j] - t0 <= window {
                let mut m = self.masks[j];
                if m != 0 {
                    while m != 0 {
                        let s = m.trailing_zeros() as usize;
                        m &= m - 1;
                        // The first k candidates of a step are enough for a
                        // matching of at most k steps to exist.
                        if self.cands[s].len() < k {
                            self.cands[s].push(j as u32);
                        }
                    }
                    while reached < k {
                        self.visited.fill(false);
                        self.visited[reached] = true;
                        if augment(
                            reached,
                            &self.cands,
                            &mut self.match_of,
                            &mut self.owner,
                            &mut self.visited,
                        ) {
                            self.cur[reached] = self.times[j];
                            reached += 1;
                        } else {
                            break;
                        }
                    }
                }
                j += 1;
            }
            for s in 0..k {
                let e = self.match_of[s];
                if e != NONE {
                    self.owner[e as usize] = NONE;
                    self.match_of[s] = NONE;
                }
            }
            // The attempt starts at its first event even when step 1 comes later.
            if reached > 0 && self.keep(reached, i, &mut best) {
                break;
            }
        }
        best
    }
}

/// Kuhn's augmenting path from step `s` (bipartite steps ↔ events).
fn augment(s: usize, cands: &[Vec<u32>], match_of: &mut [u32], owner: &mut [u32], visited: &mut [bool]) -> bool {
    for &c in &cands[s] {
        if owner[c as usize] == NONE {
            owner[c as usize] = s as u32;
            match_of[s] = c;
            return true;
        }
    }
    for &c in &cands[s] {
        let o = owner[c as usize] as usize;
        if !visited[o] {
            visited[o] = true;
            if augment(o, cands, match_of, owner, visited) {
                owner[c as usize] = s as u32;
                match_of[s] = c;
                return true;
            }
        }
    }
    false
}

/// Each entering actor's counted attempt (actors without a step-1 event are
/// left out), in actor id order.
pub fn funnel_actors(log: &EventLog, funnel: &Funnel) -> Result<Vec<ActorFunnel>> {
    funnel.validate()?;
    let compiled = Compiled::new(log, funnel)?;
    let index = log.by_actor();
    let mut scratch = Scratch::default();
    let mut out = Vec::new();
    for actor in 0..index.actors() as u32 {
        let events = index.events(actor);
        let times = index.times(actor);
        let found = scratch.evaluate(log, &compiled, funnel, events, times, index.kinds(actor));
        if let Some((furthest, start)) = found {
            out.push(ActorFunnel {
                actor,
                furthest,
                start_event: events[start],
                start_ms: times[start],
                reach_ms: scratch.best_reach.clone(),
            });
        }
    }
    Ok(out)
}

/// The funnel report, overall and per breakdown group (see the module docs).
pub fn funnel(log: &EventLog, funnel: &Funnel, breakdown: Option<&Breakdown>) -> Result<FunnelReport> {
    let actors = funnel_actors(log, funnel)?;
    let names: Vec<String> = funnel.steps.iter().map(Step::label).collect();
    let overall = aggregate("(all)", actors.iter(), &names);
    let mut groups = Vec::new();
    if let Some(b) = breakdown {
        let mut members: HashMap<&str, Vec<&ActorFunnel>> = HashMap::new();
        for a in &actors {
            let label = match b {
                Breakdown::Prop(p) => log.prop_name(*p, a.start_event as usize),
                Breakdown::ActorLabels(labels) => log
                    .actors()
                    .name(a.actor)
                    .and_then(|name| labels.get(name))
                    .map(String::as_str),
            };
            members.entry(label.unwrap_or(NO_LABEL)).or_default().push(a);
        }
        groups = members
            .into_iter()
            .map(|(label, m)| aggregate(label, m.into_iter(), &names))
            .collect();
        groups.sort_by(|a, b| b.entered.cmp(&a.entered).then(a.label.cmp(&b.label)));
    }
    Ok(FunnelReport {
        steps: names,
        order: funnel.order,
        window_ms: funnel.window_ms,
        overall,
        breakdown: breakdown.map(Breakdown::describe),
        groups,
    })
}

fn aggregate<'a>(label: &str, actors: impl Iterator<Item = &'a ActorFunnel>, names: &[String]) -> FunnelGroup {
    let k = names.len();
    let mut reached = vec![0u64; k];
    let mut from_prev: Vec<Vec<i64>> = vec![Vec::new(); k];
    let mut from_first: Vec<Vec<i64>> = vec![Vec::new(); k];
    for a in actors {
        for s in 0..a.furthest {
            reached[s] += 1;
            from_first[s].push(a.reach_ms[s] - a.start_ms);
            if s > 0 {
                from_prev[s].push(a.reach_ms[s] - a.reach_ms[s - 1]);
            }
        }
    }
    let entered = reached[0];
    let steps: Vec<StepStats> = (0..k)
        .map(|s| {
            let prev = if s == 0 { reached[0] } else { reached[s - 1] };
            let dropoff = prev - reached[s];
            StepStats {
                step: s + 1,
                name: names[s].clone(),
                actors: reached[s],
                conversion_from_first: rate(reached[s], entered),
                conversion_from_previous: rate(reached[s], prev),
                dropoff,
                dropoff_rate: rate(dropoff, prev),
                median_time_from_previous_s: if s == 0 {
                    None
                } else {
                    median_seconds(&mut from_prev[s])
                },
                median_time_from_first_s: median_seconds(&mut from_first[s]),
            }
        })
        .collect();
    let converted = reached[k - 1];
    FunnelGroup {
        label: label.to_owned(),
        entered,
        converted,
        conversion_rate: rate(converted, entered),
        median_time_to_convert_s: steps[k - 1].median_time_from_first_s,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::{EventLogBuilder, EventRow};

    const H: i64 = 3_600_000;

    fn log_of(events: &[(&str, i64, &str)]) -> EventLog {
        let mut b = EventLogBuilder::new();
        for &(actor, t, kind) in events {
            b.push_simple(actor, t, kind);
        }
        b.build()
    }

    fn furthest(log: &EventLog, f: &Funnel) -> Vec<(String, usize)> {
        funnel_actors(log, f)
            .expect("valid funnel")
            .into_iter()
            .map(|a| {
                let name = log.actors().name(a.actor).expect("known actor").to_owned();
                (name, a.furthest)
            })
            .collect()
    }

    fn abc(order: StepOrder) -> Funnel {
        Funnel {
            order,
            ..Funnel::new(["a", "b", "c"])
        }
    }

    #[test]
    fn sequential_allows_other_events_between_strict_does_not() {
        let log = log_of(&[
            ("u", 0, "a"),
            ("u", H, "x"),
            ("u", 2 * H, "b"),
            ("u", 3 * H, "c"),
            ("v", 0, "a"),
            ("v", H, "b"),
            ("v", 2 * H, "c"),
        ]);
        assert_eq!(
            furthest(&log, &abc(StepOrder::Sequential)),
            [("u".into(), 3), ("v".into(), 3)]
        );
        assert_eq!(
            furthest(&log, &abc(StepOrder::Strict)),
            [("u".into(), 1), ("v".into(), 3)]
        );
    }

    #[test]
    fn any_order_accepts_steps_out_of_order() {
        // b before a: sequential stops at step 1 (c after a does not help).
        let log = log_of(&[("u", 0, "b"), ("u", H, "a"), ("u", 2 * H, "c")]);
        assert_eq!(furthest(&log, &abc(StepOrder::Sequential)), [("u".into(), 1)]);
        assert_eq!(furthest(&log, &abc(StepOrder::Strict)), [("u".into(), 1)]);
        let any = funnel_actors(&log, &abc(StepOrder::Any)).expect("valid funnel");
        assert_eq!(any.len(), 1);
        assert_eq!(any[0].furthest, 3);
        assert_eq!(any[0].start_ms, 0, "the attempt starts at its first event (b)");
        assert_eq!(any[0].reach_ms, [H, H, 2 * H]);
    }

    #[test]
    fn any_order_matches_steps_to_distinct_events() {
        // Step 1: any page_view; step 2: page_view on app. Greedy would give
        // the app event to step 1; a matching gives it to step 2.
        let mut b = EventLogBuilder::new();
        for (t, channel) in [(0, "app"), (H, "web")] {
            b.push(EventRow {
                actor: "u",
                time_ms: t,
                kind: "page_view",
                channel: Some(channel),
                ..EventRow::default()
            });
        }
        let log = b.build();
        let mut f = Funnel {
            steps: vec![
                Step::new("page_view"),
                Step::new("page_view").with_filter("channel", "app"),
            ],
            ..Funnel::new(["x", "y"])
        };
        assert_eq!(furthest(&log, &f), [("u".into(), 1)], "sequential: no app view after");
        f.order = StepOrder::Any;
        assert_eq!(furthest(&log, &f), [("u".into(), 2)]);
        // One event never counts for two steps.
        let single = log_of(&[("u", 0, "a")]);
        let twice = Funnel {
            order: StepOrder::Any,
            ..Funnel::new(["a", "a"])
        };
        assert_eq!(furthest(&single, &twice), [("u".into(), 1)]);
    }

    #[test]
    fn window_boundary_is_inclusive_and_measured_from_step_one() {
        let w = DEFAULT_FUNNEL_WINDOW_MS;
        let log = log_of(&[
            ("in", 0, "a"),
            ("in", w, "b"), // exactly the window: counts
            ("out", 0, "a"),
            ("out", w + 1, "b"), // 1 ms late
            ("far", 0, "a"),
            ("far", w - H, "b"),
            ("far", w + H, "c"), // 2 h after b, but 7 d + 1 h after a
        ]);
        for order in [StepOrder::Sequential, StepOrder::Any] {
            assert_eq!(
                furthest(&log, &abc(order)),
                [("in".into(), 2), ("out".into(), 1), ("far".into(), 2)],
                "{order:?}"
            );
        }
    }

    #[test]
    fn actor_counts_at_furthest_step_ties_to_earliest_attempt() {
        let d = 24 * H;
        let log = log_of(&[
            // two attempts reach b; the first (b after 1 h) counts.
            ("tie", 0, "a"),
            ("tie", H, "b"),
            ("tie", 10 * d, "a"),
            ("tie", 10 * d + 2 * H, "b"),
            // the second attempt goes further and counts.
            ("late", 0, "a"),
            ("late", 10 * d, "a"),
            ("late", 10 * d + H, "b"),
            ("late", 10 * d + 3 * H, "c"),
            // repeated step 1 inside one attempt: first a counts as start.
            ("rep", 0, "a"),
            ("rep", H, "a"),
            ("rep", 2 * H, "b"),
        ]);
        let got = funnel_actors(&log, &abc(StepOrder::Sequential)).expect("valid funnel");
        assert_eq!(got.len(), 3);
        assert_eq!((got[0].furthest, got[0].reach_ms.clone()), (2, vec![0, H]));
        assert_eq!(
            (got[1].furthest, got[1].reach_ms.clone()),
            (3, vec![10 * d, 10 * d + H, 10 * d + 3 * H])
        );
        assert_eq!((got[2].furthest, got[2].reach_ms.clone()), (2, vec![0, 2 * H]));

        let report = funnel(&log, &abc(StepOrder::Sequential), None).expect("valid funnel");
        let s = &report.overall.steps;
        assert_eq!(
            s.iter().map(|x| x.actors).collect::<Vec<_>>(),
            [3, 3, 1],
            "each actor once, at its furthest step"
        );
        assert_eq!(s[1].median_time_from_previous_s, Some(3600.0)); // 1 h, 1 h, 2 h
        assert_eq!(s[1].median_time_from_first_s, Some(3600.0)); // 1 h, 1 h, 2 h
        assert_eq!(s[2].median_time_from_previous_s, Some(7200.0));
        assert_eq!(report.overall.median_time_to_convert_s, Some(3.0 * 3600.0));
        assert_eq!(s[2].conversion_from_first, Some(1.0 / 3.0));
        assert_eq!(s[2].conversion_from_previous, Some(1.0 / 3.0));
        assert_eq!((s[2].dropoff, s[2].dropoff_rate), (2, Some(2.0 / 3.0)));
        assert_eq!((s[0].dropoff, s[0].conversion_from_previous), (0, Some(1.0)));
        assert_eq!(report.overall.converted, 1);
    }

    #[test]
    fn non_entering_actors_are_left_out() {
        let log = log_of(&[("u", 0, "b"), ("u", H, "c"), ("v", 0, "a")]);
        let report = funnel(&log, &abc(StepOrder::Any), None).expect("valid funnel");
        assert_eq!(report.overall.entered, 1, "u has no step-1 event");
        let unknown = Funnel::new(["nope", "b"]);
        let r = funnel(&log, &unknown, None).expect("unknown kinds match nothing");
        assert_eq!(r.overall.entered, 0);
        assert_eq!(r.overall.conversion_rate, None);
    }

    #[test]
    fn breakdown_by_first_step_channel_and_by_actor_label() {
        let mut b = EventLogBuilder::new();
        let rows = [
            ("u", 0, "a", "app"),
            ("u", H, "b", "web"),
            ("v", 0, "a", "web"),
            ("w", 0, "a", "app"),
            ("w", H, "b", "app"),
            ("x", 0, "a", ""),
        ];
        for (actor, t, kind, channel) in rows {
            b.push(EventRow {
                actor,
                time_ms: t,
                kind,
                channel: Some(channel),
                ..EventRow::default()
            });
        }
        let log = b.build();
        let f = Funnel::new(["a", "b"]);
        let r = funnel(&log, &f, Some(&Breakdown::Prop(Prop::Channel))).expect("valid funnel");
        assert_eq!(r.breakdown.as_deref(), Some("channel"));
        let rows: Vec<(&str, u64, u64)> = r
            .groups
            .iter()
            .map(|g| (g.label.as_str(), g.entered, g.converted))
            .collect();
        assert_eq!(rows, [("app", 2, 2), ("(none)", 1, 0), ("web", 1, 0)]);
        assert_eq!(r.overall.entered, 4);

        let labels = HashMap::from([("u".to_owned(), "vip".to_owned())]);
        let r = funnel(&log, &f, Some(&Breakdown::ActorLabels(labels))).expect("valid funnel");
        let rows: Vec<(&str, u64, u64)> = r
            .groups
            .iter()
            .map(|g| (g.label.as_str(), g.entered, g.converted))
            .collect();
        assert_eq!(rows, [("(none)", 3, 1), ("vip", 1, 1)]);
    }

    #[test]
    fn step_filters_restrict_matches() {
        let mut b = EventLogBuilder::new();
        for (t, kind, device) in [(0, "a", "ios"), (H, "b", "android"), (2 * H, "b", "ios")] {
            b.push(EventRow {
                actor: "u",
                time_ms: t,
                kind,
                device: Some(device),
                ..EventRow::default()
            });
        }
        let log = b.build();
        let f = Funnel {
            steps: vec![Step::new("a"), Step::new("b").with_filter("device", "ios")],
            ..Funnel::new(["x", "y"])
        };
        let got = funnel_actors(&log, &f).expect("valid funnel");
        assert_eq!(got[0].reach_ms, [0, 2 * H]);
        let r = funnel(&log, &f, None).expect("valid funnel");
        assert_eq!(r.steps, ["a", "b{device=ios}"]);
        // Strict: the android b comes between.
        let strict = Funnel {
            order: StepOrder::Strict,
            ..f
        };
        assert_eq!(funnel_actors(&log, &strict).expect("valid")[0].furthest, 1);
    }

    #[test]
    fn validation_names_the_bad_parameter() {
        let log = log_of(&[("u", 0, "a")]);
        let one = Funnel::new(["a"]);
        let err = funnel(&log, &one, None).expect_err("one step");
        assert!(err.to_string().contains("`steps`"), "{err}");
        let zero = Funnel {
            window_ms: 0,
            ..Funnel::new(["a", "b"])
        };
        let err = funnel(&log, &zero, None).expect_err("zero window");
        assert!(err.to_string().contains("`window_ms`"), "{err}");
        let bad = Funnel {
            steps: vec![Step::new("a"), Step::new("b").with_filter("color", "red")],
            ..Funnel::new(["a", "b"])
        };
        let err = funnel(&log, &bad, None).expect_err("unknown prop");
        assert_eq!(
            err.to_string(),
            "funnel step 2: unknown filter property `color` (expected one of channel, device, category, product)"
        );
    }

    /// Brute-force reference: (furthest, start index, reach times) of the
    /// counted attempt, straight from the definitions.
    fn reference(
        kinds: &[usize],
        times: &[i64],
        steps: &[usize],
        window: i64,
        order: StepOrder,
    ) -> Option<(usize, usize, Vec<i64>)> {
        let n = kinds.len();
        let k = steps.len();
        let mut best: Option<(usize, usize, Vec<i64>)> = None;
        for i in 0..n {
            let in_window = |j: usize| j >= i && times[j] - times[i] <= window;
            let reach: Vec<i64> = match order {
                StepOrder::Sequential | StepOrder::Strict => {
                    if kinds[i] != steps[0] {
                        continue;
                    }
                    let mut reach = vec![times[i]];
                    let mut pos = i;
                    for &step in &steps[1..] {
                        let next = if order == StepOrder::Strict {
                            (pos + 1..n).next().filter(|&j| kinds[j] == step)
                        } else {
                            (pos + 1..n).find(|&j| kinds[j] == step)
                        };
                        match next.filter(|&j| in_window(j)) {
                            Some(j) => {
                                reach.push(times[j]);
                                pos = j;
                            }
                            None => break,
                        }
                    }
                    if order == StepOrder::Sequential {
                        // Taking the first match is optimal: no choice of
                        // later matches reaches further.
                        fn deepest(pos: usize, s: usize, ctx: (&[usize], &[usize], &dyn Fn(usize) -> bool)) -> usize {
                            let (kinds, steps, ok) = ctx;
                            if s == steps.len() {
                                return s;
                            }
                            (pos + 1..kinds.len())
                                .filter(|&j| kinds[j] == steps[s] && ok(j))
                                .map(|j| deepest(j, s + 1, ctx))
                                .max()
                                .unwrap_or(s)
                        }
                        assert_eq!(deepest(i, 1, (kinds, steps, &in_window)), reach.len());
                    }
                    reach
                }
                StepOrder::Any => {
                    if !steps.contains(&kinds[i]) {
                        continue;
                    }
                    // Prefix m is reached at the first j where events i..=j
                    // can be assigned injectively to steps 0..m.
                    fn assignable(steps: &[usize], events: &[usize], used: &mut Vec<bool>) -> bool {
                        let Some((&first, rest)) = steps.split_first() else {
                            return true;
                        };
                        for (e, &kind) in events.iter().enumerate() {
                            if kind == first && !used[e] {
                                used[e] = true;
                                let ok = assignable(rest, events, used);
                                used[e] = false;
                                if ok {
                                    return true;
                                }
                            }
                        }
                        false
                    }
                    let mut reach = Vec::new();
                    for j in i..n {
                        if !in_window(j) {
                            break;
                        }
                        let events = &kinds[i..=j];
                        while reach.len() < k
                            && assignable(&steps[..=reach.len()], events, &mut vec![false; events.len()])
                        {
                            reach.push(times[j]);
                        }
                    }
                    reach
                }
            };
            if !reach.is_empty() && best.as_ref().is_none_or(|b| reach.len() > b.0) {
                best = Some((reach.len(), i, reach));
            }
        }
        best
    }

    #[test]
    fn matches_brute_force_on_random_logs() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut rnd = |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let names = ["a", "b", "c", "x"];
        for case in 0..3000 {
            let n = 1 + rnd(9) as usize;
            let mut times: Vec<i64> = (0..n).map(|_| rnd(20) as i64).collect();
            times.sort_unstable();
            let kinds: Vec<usize> = (0..n).map(|_| rnd(4) as usize).collect();
            let k = 2 + rnd(3) as usize;
            let steps: Vec<usize> = (0..k).map(|_| rnd(3) as usize).collect();
            let window = 1 + rnd(12) as i64;
            let mut b = EventLogBuilder::new();
            for (&t, &kind) in times.iter().zip(&kinds) {
                b.push_simple("u", t, names[kind]);
            }
            let log = b.build();
            for order in [StepOrder::Sequential, StepOrder::Strict, StepOrder::Any] {
                let f = Funnel {
                    steps: steps.iter().map(|&s| Step::new(names[s])).collect(),
                    window_ms: window,
                    order,
                };
                let got = funnel_actors(&log, &f)
                    .expect("valid funnel")
                    .into_iter()
                    .next()
                    .map(|a| (a.furthest, a.start_event as usize, a.reach_ms));
                let want = reference(&kinds, &times, &steps, window, order);
                assert_eq!(
                    got, want,
                    "case {case} {order:?}: kinds {kinds:?} times {times:?} steps {steps:?} window {window}"
                );
            }
        }
    }

    #[test]
    fn definition_deserializes_with_defaults() {
        let f: Funnel = serde_json::from_str(r#"{"steps":[{"kind":"a"},{"kind":"b","filters":[["channel","app"]]}]}"#)
            .expect("valid JSON");
        assert_eq!(f.window_ms, DEFAULT_FUNNEL_WINDOW_MS);
        assert_eq!(f.order, StepOrder::Sequential);
        assert_eq!(f.steps[1].label(), "b{channel=app}");
    }

    #[test]
    fn report_serializes() {
        let log = log_of(&[("u", 0, "a"), ("u", H, "b")]);
        let r = funnel(&log, &Funnel::new(["a", "b"]), None).expect("valid funnel");
        let json = serde_json::to_string(&r).expect("serializable");
        assert!(json.contains("\"order\":\"sequential\""), "{json}");
    }
}
