//! `huaxiang funnel STEP…`: conversion through a sequence of events, table
//! `funnel_results`.
//!
//! A step is an event type with optional property filters,
//! `type[prop=value,…]` (e.g. `product_view[channel=app]`); the definitions
//! (attempts, windows, step orders, furthest-step counting) are those of
//! [`huaxiang_behavior::funnel`].

use std::collections::HashMap;

use huaxiang_behavior::{Breakdown, Funnel, FunnelReport, Prop, Step, StepOrder, funnel};
use huaxiang_store::Workspace;
use huaxiang_store::builder::TableBuilder;
use huaxiang_store::sql::SqlEngine;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::events::{Range, load};
use crate::read::{query, quote, texts};

pub const TABLE: &str = "funnel_results";

/// What to group a funnel by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum By {
    /// A property of the attempt's first event: channel, device, category, product.
    Prop(Prop),
    /// Membership of a saved segment (`in` / `out`).
    Segment(String),
    /// The value of a tag.
    Tag(String),
}

impl By {
    /// `channel`, `device`, `category`, `product`, `segment:NAME` or `tag:ID`.
    pub fn parse(s: &str) -> Result<By> {
        if let Some(name) = s.strip_prefix("segment:") {
            return Ok(By::Segment(name.to_string()));
        }
        if let Some(id) = s.strip_prefix("tag:") {
            return Ok(By::Tag(id.to_string()));
        }
        Prop::parse(s).map(By::Prop).ok_or_else(|| {
            Error::Invalid(format!(
                "未知分组 / unknown breakdown `{s}`: use channel, device, category, product, segment:NAME or tag:ID"
            ))
        })
    }

    fn label(&self) -> String {
        match self {
            By::Prop(p) => p.name().to_string(),
            By::Segment(s) => format!("segment:{s}"),
            By::Tag(t) => format!("tag:{t}"),
        }
    }
}

/// Parses `type` or `type[prop=value,…]`.
pub fn parse_step(s: &str) -> Result<Step> {
    let s = s.trim();
    let bad = || {
        Error::Invalid(format!(
            "步骤格式错误 / bad funnel step `{s}`: write an event type, optionally with filters, e.g. product_view[channel=app]"
        ))
    };
    let Some(open) = s.find('[') else {
        if s.is_empty() || s.contains(']') {
            return Err(bad());
        }
        return Ok(Step::new(s));
    };
    let inner = s[open + 1..].strip_suffix(']').ok_or_else(bad)?;
    let kind = s[..open].trim();
    if kind.is_empty() {
        return Err(bad());
    }
    let mut step = Step::new(kind);
    for f in inner.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let (p, v) = f.split_once('=').ok_or_else(bad)?;
        step = step.with_filter(p.trim(), v.trim());
    }
    Ok(step)
}

/// Parses a duration such as `30m`, `24h`, `7d` (a bare number is days) into milliseconds.
pub fn parse_window(s: &str) -> Result<i64> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c),
        _ => (s, 'd'),
    };
    let n: f64 = num
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n > 0.0)
        .ok_or_else(|| Error::Invalid(format!("时间窗口格式错误 / bad window `{s}`: use e.g. 30m, 24h or 7d")))?;
    let unit_ms = match unit {
        's' => 1_000.0,
        'm' => 60_000.0,
        'h' => 3_600_000.0,
        'd' => 86_400_000.0,
        'w' => 7.0 * 86_400_000.0,
        _ => {
            return Err(Error::Invalid(format!(
                "时间窗口单位 / unknown window unit in `{s}`: use s, m, h, d or w"
            )));
        }
    };
    Ok((n * unit_ms).round() as i64)
}

/// A funnel request.
#[derive(Debug, Clone)]
pub struct Request {
    pub steps: Vec<Step>,
    pub window_ms: i64,
    pub order: StepOrder,
    pub by: Option<By>,
    pub range: Range,
}

/// The report with the key its rows carry in `funnel_results`.
#[derive(Debug, Clone, Serialize)]
pub struct Output {
    pub funnel: String,
    #[serde(flatten)]
    pub report: FunnelReport,
}

fn key(req: &Request) -> String {
    let steps: Vec<String> = req.steps.iter().map(Step::label).collect();
    let order = match req.order {
        StepOrder::Sequential => "sequential",
        StepOrder::Strict => "strict",
        StepOrder::Any => "any",
    };
    let mut k = format!("{} | {order} | {}s", steps.join(" > "), req.window_ms / 1000);
    if let Some(b) = &req.by {
        k.push_str(&format!(" | by {}", b.label()));
    }
    if let Some(d) = req.range.from {
        k.push_str(&format!(" | from {d}"));
    }
    if let Some(d) = req.range.to {
        k.push_str(&format!(" | to {d}"));
    }
    k
}

/// Labels per person for a segment or tag breakdown.
async fn actor_labels(ws: &Workspace, engine: &SqlEngine, by: &By) -> Result<HashMap<String, String>> {
    let sql = match by {
        By::Prop(_) => return Ok(HashMap::new()),
        By::Segment(name) => {
            let members = huaxiang_segments::history::MEMBERS;
            crate::read::require(ws, members, "save a segment and run `huaxiang build`")?;
            format!(
                "SELECT person_id, 'in' AS label FROM {members} WHERE segment = {s} \
                 AND build_id = (SELECT max(build_id) FROM {members} WHERE segment = {s})",
                s = quote(name)
            )
        }
        By::Tag(id) => {
            crate::read::require(ws, "tag_values", "run `huaxiang build` first")?;
            format!(
                "SELECT person_id, CAST(value AS VARCHAR) AS label FROM tag_values WHERE tag_id = {} \
                 AND build_id = (SELECT max(build_id) FROM tag_values WHERE tag_id = {})",
                quote(id),
                quote(id)
            )
        }
    };
    let batches = query(engine, &sql).await?;
    let persons = texts(&batches, "person_id")?;
    let labels = texts(&batches, "label")?;
    let map: HashMap<String, String> = persons
        .into_iter()
        .zip(labels)
        .filter_map(|(p, l)| Some((p?, l?)))
        .collect();
    if map.is_empty() {
        return Err(Error::Invalid(format!("没有成员 / `{}` has no members", by.label())));
    }
    Ok(map)
}

/// Runs the funnel and stores its rows.
pub async fn run(ws: &Workspace, req: &Request) -> Result<Output> {
    let engine = SqlEngine::new(ws, false).await?;
    let events = load(ws, &engine, req.range).await?;
    let f = Funnel {
        steps: req.steps.clone(),
        window_ms: req.window_ms,
        order: req.order,
    };
    f.validate()?;
    let breakdown = match &req.by {
        None => None,
        Some(By::Prop(p)) => Some(Breakdown::Prop(*p)),
        Some(by) => {
            // Persons' labels keyed by actor name (an actor is its person id).
            let mut labels = actor_labels(ws, &engine, by).await?;
            if matches!(by, By::Segment(_)) {
                for p in events.persons.iter().flatten() {
                    labels.entry(p.clone()).or_insert_with(|| "out".to_string());
                }
            }
            Some(Breakdown::ActorLabels(labels))
        }
    };
    let report = funnel(&events.log, &f, breakdown.as_ref())?;
    let out = Output {
        funnel: key(req),
        report,
    };
    write(ws, &out).await?;
    Ok(out)
}

async fn write(ws: &Workspace, out: &Output) -> Result<()> {
    let now = chrono::Utc::now().to_rfc3339();
    let r = &out.report;
    let groups: Vec<&huaxiang_behavior::FunnelGroup> = std::iter::once(&r.overall).chain(r.groups.iter()).collect();
    let rows: Vec<(&str, &huaxiang_behavior::StepStats)> = groups
        .iter()
        .flat_map(|g| g.steps.iter().map(move |s| (g.label.as_str(), s)))
        .collect();
    let opt = |v: Option<f64>| v.unwrap_or(f64::NAN);
    let batch = TableBuilder::new()
        .text("funnel", rows.iter().map(|_| Some(out.funnel.as_str())))
        .text("breakdown", rows.iter().map(|_| r.breakdown.as_deref()))
        .text("group", rows.iter().map(|(g, _)| Some(*g)))
        .int("step", rows.iter().map(|(_, s)| s.step as i64))
        .text("name", rows.iter().map(|(_, s)| Some(s.name.as_str())))
        .int("actors", rows.iter().map(|(_, s)| s.actors as i64))
        .float(
            "conversion_from_first",
            rows.iter().map(|(_, s)| opt(s.conversion_from_first)),
        )
        .float(
            "conversion_from_previous",
            rows.iter().map(|(_, s)| opt(s.conversion_from_previous)),
        )
        .int("dropoff", rows.iter().map(|(_, s)| s.dropoff as i64))
        .float("dropoff_rate", rows.iter().map(|(_, s)| opt(s.dropoff_rate)))
        .float(
            "median_time_from_previous_s",
            rows.iter().map(|(_, s)| opt(s.median_time_from_previous_s)),
        )
        .float(
            "median_time_from_first_s",
            rows.iter().map(|(_, s)| opt(s.median_time_from_first_s)),
        )
        .text("computed_at", rows.iter().map(|_| Some(now.as_str())))
        .batch()?;
    crate::results::replace(ws, TABLE, "funnel", &out.funnel, batch).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_with_and_without_filters() {
        assert_eq!(parse_step("purchase").expect("plain"), Step::new("purchase"));
        let s = parse_step("product_view[channel=app, device=ios]").expect("filters");
        assert_eq!(s.kind, "product_view");
        assert_eq!(
            s.filters,
            vec![("channel".into(), "app".into()), ("device".into(), "ios".into())]
        );
        assert!(parse_step("view[channel]").is_err());
        assert!(parse_step("[channel=app]").is_err());
        assert!(parse_step("view[channel=app").is_err());
    }

    #[test]
    fn windows_parse_units() {
        assert_eq!(parse_window("30m").expect("m"), 1_800_000);
        assert_eq!(parse_window("7d").expect("d"), 604_800_000);
        assert_eq!(parse_window("2").expect("days"), 172_800_000);
        assert!(parse_window("0d").is_err());
        assert!(parse_window("3y").is_err());
    }

    #[test]
    fn breakdowns_parse() {
        assert_eq!(By::parse("channel").expect("prop"), By::Prop(Prop::Channel));
        assert_eq!(By::parse("tag:rfm_group").expect("tag"), By::Tag("rfm_group".into()));
        assert!(By::parse("colour").is_err());
    }
}
