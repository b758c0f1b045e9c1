//! `huaxiang sessions`, `funnel`, `paths`, `retention` and `lifecycle`:
//! behaviour analyses over the workspace's events and orders. Each prints a
//! readable summary (or one JSON object with `--json`) and writes its table.

use std::fmt::Write as _;
use std::path::Path;

use chrono::NaiveDate;
use huaxiang_analytics::events::Range;
use huaxiang_analytics::{funnel, lifecycle, paths, retention, sessions};
use huaxiang_behavior::{LifecycleRules, PathQuery, StepOrder};
use huaxiang_store::Workspace;

use crate::output::emit;

fn json_out<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    emit(&format!("{}\n", serde_json::to_string_pretty(v)?))
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_else(|| "-".into())
}

fn secs(v: Option<f64>) -> String {
    match v {
        None => "-".into(),
        Some(s) if s < 120.0 => format!("{s:.0}s"),
        Some(s) if s < 7200.0 => format!("{:.1}m", s / 60.0),
        Some(s) if s < 172_800.0 => format!("{:.1}h", s / 3600.0),
        Some(s) => format!("{:.1}d", s / 86_400.0),
    }
}

/// The time range options every event analysis takes.
#[derive(clap::Args, Debug)]
pub struct RangeArgs {
    /// First day of the events read (workspace time zone) / 起始日期
    #[arg(long)]
    from: Option<NaiveDate>,
    /// Last day of the events read, inclusive / 截止日期（含）
    #[arg(long)]
    to: Option<NaiveDate>,
}

impl RangeArgs {
    fn range(&self) -> anyhow::Result<Range> {
        if let (Some(f), Some(t)) = (self.from, self.to) {
            anyhow::ensure!(f <= t, "--from {f} 晚于 --to {t} / --from is after --to");
        }
        Ok(Range {
            from: self.from,
            to: self.to,
        })
    }
}

#[derive(clap::Args, Debug)]
pub struct SessionsArgs {
    /// Inactivity that ends a session, minutes / 会话超时（分钟）
    #[arg(long, default_value_t = sessions::DEFAULT_GAP_MINUTES)]
    gap_minutes: i64,
    #[command(flatten)]
    range: RangeArgs,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run_sessions(ws: &Path, a: SessionsArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let engine = huaxiang_store::sql::SqlEngine::new(&ws, false).await?;
    let events = huaxiang_analytics::events::load(&ws, &engine, a.range.range()?).await?;
    let out = sessions::run(&ws, &events, a.gap_minutes).await?;
    if a.json {
        return json_out(&out);
    }
    let s = &out.summary;
    let mut t = String::new();
    writeln!(
        t,
        "会话 / sessions: {} (gap {} min) from {} events of {} actors ({} persons, {} anonymous)",
        s.sessions, out.gap_minutes, s.events, s.actors, out.persons, out.anonymous_actors
    )?;
    writeln!(
        t,
        "  median duration {} · mean depth {:.2} · bounce {} · converted {}",
        secs(s.median_duration_s),
        s.mean_depth.unwrap_or(0.0),
        pct(s.bounce_rate),
        pct(s.conversion_rate)
    )?;
    writeln!(t, "表 / table: {}", sessions::TABLE)?;
    emit(&t)
}

#[derive(clap::Args, Debug)]
pub struct FunnelArgs {
    /// Steps: event types, optionally filtered, e.g. product_view[channel=app] add_to_cart purchase / 漏斗步骤
    #[arg(required = true, num_args = 2..)]
    steps: Vec<String>,
    /// Conversion window from the first step: 30m, 24h, 7d … / 转化窗口
    #[arg(long, default_value = "7d")]
    window: String,
    /// Step order: sequential (others may come between), strict (consecutive), any / 步骤顺序
    #[arg(long, default_value = "sequential", value_parser = ["sequential", "strict", "any"])]
    order: String,
    /// Breakdown: channel, device, category, product, segment:NAME or tag:ID / 分组
    #[arg(long)]
    by: Option<String>,
    #[command(flatten)]
    range: RangeArgs,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run_funnel(ws: &Path, a: FunnelArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let steps = a
        .steps
        .iter()
        .map(|s| funnel::parse_step(s))
        .collect::<Result<Vec<_>, _>>()?;
    let order = match a.order.as_str() {
        "strict" => StepOrder::Strict,
        "any" => StepOrder::Any,
        _ => StepOrder::Sequential,
    };
    let req = funnel::Request {
        steps,
        window_ms: funnel::parse_window(&a.window)?,
        order,
        by: a.by.as_deref().map(funnel::By::parse).transpose()?,
        range: a.range.range()?,
    };
    let out = funnel::run(&ws, &req).await?;
    if a.json {
        return json_out(&out);
    }
    let r = &out.report;
    let mut t = String::new();
    writeln!(t, "漏斗 / funnel: {}", out.funnel)?;
    for g in std::iter::once(&r.overall).chain(r.groups.iter()) {
        writeln!(
            t,
            "[{}] entered {} · converted {} ({}) · median time to convert {}",
            g.label,
            g.entered,
            g.converted,
            pct(g.conversion_rate),
            secs(g.median_time_to_convert_s)
        )?;
        for s in &g.steps {
            writeln!(
                t,
                "  {}. {:<28} {:>9}  {:>7} of first  {:>7} of previous  drop-off {:>7} ({})  median {}",
                s.step,
                s.name,
                s.actors,
                pct(s.conversion_from_first),
                pct(s.conversion_from_previous),
                s.dropoff,
                pct(s.dropoff_rate),
                secs(s.median_time_from_previous_s)
            )?;
        }
    }
    writeln!(t, "表 / table: {}", funnel::TABLE)?;
    emit(&t)
}

#[derive(clap::Args, Debug)]
pub struct PathsArgs {
    /// The anchor event type, optionally filtered, e.g. search or product_view[channel=app] / 锚点事件
    #[arg(long)]
    event: String,
    /// after or before the anchor / 方向
    #[arg(long, default_value = "after")]
    direction: String,
    /// Steps per path, 1 to 5 / 路径深度
    #[arg(long, default_value_t = 3)]
    depth: usize,
    /// Paths listed / 列出条数
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Keep consecutive repeats of one event type as separate steps / 保留连续重复事件
    #[arg(long)]
    keep_repeats: bool,
    /// Inactivity that ends a session, minutes / 会话超时（分钟）
    #[arg(long, default_value_t = sessions::DEFAULT_GAP_MINUTES)]
    gap_minutes: i64,
    #[command(flatten)]
    range: RangeArgs,
    /// Print one JSON object (with the Sankey nodes and links) / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run_paths(ws: &Path, a: PathsArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let anchor = funnel::parse_step(&a.event)?;
    let query = PathQuery {
        anchor: anchor.kind,
        anchor_filters: anchor.filters,
        direction: paths::parse_direction(&a.direction)?,
        depth: a.depth,
        top: a.top,
        collapse_repeats: !a.keep_repeats,
    };
    let req = paths::Request {
        query,
        gap_minutes: a.gap_minutes,
        range: a.range.range()?,
    };
    let out = paths::run(&ws, &req).await?;
    if a.json {
        return json_out(&out);
    }
    let r = &out.report;
    let mut t = String::new();
    writeln!(
        t,
        "路径 / paths {}: {} of {} sessions hold the anchor; {} distinct paths",
        out.query, r.sessions_with_anchor, r.sessions, r.distinct_paths
    )?;
    for (i, p) in r.top.iter().enumerate() {
        writeln!(
            t,
            "  {:>2}. {:>8} ({:>5.1}%)  {}",
            i + 1,
            p.sessions,
            p.share * 100.0,
            p.path
        )?;
    }
    writeln!(t, "表 / tables: {}, {}", paths::TABLE, paths::LINKS)?;
    emit(&t)
}

#[derive(clap::Args, Debug)]
pub struct RetentionArgs {
    /// Cohorts by first order or signup / 分组依据
    #[arg(long, default_value = "order", value_parser = ["order", "signup"])]
    by: String,
    /// week or month / 周期
    #[arg(long, default_value = "month", value_parser = ["week", "month"])]
    period: String,
    /// Highest period offset shown / 观察期数
    #[arg(long, default_value_t = 12)]
    periods: u32,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run_retention(ws: &Path, a: RetentionArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let req = retention::Request {
        basis: retention::Basis::parse(&a.by)?,
        period: retention::parse_period(&a.period)?,
        periods: a.periods,
    };
    let out = retention::run(&ws, &req).await?;
    if a.json {
        return json_out(&out);
    }
    let r = &out.report;
    let mut t = String::new();
    writeln!(
        t,
        "留存 / retention: cohorts by first {} per {} ({})",
        a.by, a.period, r.zone
    )?;
    let mut head = format!("{:<10} {:>7}", "cohort", "size");
    for o in 0..=r.periods {
        head.push_str(&format!(" {:>6}", format!("+{o}")));
    }
    writeln!(t, "{head}")?;
    for c in &r.cohorts {
        let mut line = format!("{:<10} {:>7}", c.cohort, c.size);
        for cell in &c.cells {
            match cell {
                Some(x) => line.push_str(&format!(
                    " {:>5.1}{}",
                    x.rate * 100.0,
                    if x.partial { "*" } else { "%" }
                )),
                None => line.push_str(&format!(" {:>6}", "")),
            }
        }
        writeln!(t, "{line}")?;
    }
    let mut avg = format!("{:<10} {:>7}", "average", "");
    for v in &r.average {
        avg.push_str(&format!(
            " {:>6}",
            v.map(|v| format!("{:.1}%", v * 100.0)).unwrap_or_default()
        ));
    }
    writeln!(t, "{avg}")?;
    writeln!(t, "(* the period holding the data's end, not fully observed)")?;
    writeln!(t, "表 / table: {}", retention::TABLE)?;
    emit(&t)
}

#[derive(clap::Args, Debug)]
pub struct LifecycleArgs {
    /// The day evaluated (default: the workspace's as-of day) / 评估日期
    #[arg(long)]
    as_of: Option<NaiveDate>,
    /// A first order at most this many days old is `new` / 新客天数
    #[arg(long, default_value_t = 30)]
    new_days: u32,
    /// A latest order at most this many days old is `active` or `returning` / 活跃天数
    #[arg(long, default_value_t = 90)]
    active_days: u32,
    /// A gap longer than this before the latest order makes it `returning` / 回流间隔
    #[arg(long, default_value_t = 90)]
    returning_gap_days: u32,
    /// A latest order older than this is `churned` / 流失天数
    #[arg(long, default_value_t = 180)]
    churn_days: u32,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run_lifecycle(ws: &Path, a: LifecycleArgs) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let as_of = match a.as_of {
        Some(d) => d,
        None => huaxiang_build::builds::context(&ws, None).await?.as_of,
    };
    let rules = LifecycleRules {
        new_days: a.new_days,
        active_days: a.active_days,
        returning_gap_days: a.returning_gap_days,
        churn_days: a.churn_days,
    };
    let out = lifecycle::run(&ws, as_of, &rules).await?;
    huaxiang_models::scoring::refresh_model_scores(&ws).await?;
    if a.json {
        return json_out(&out);
    }
    let mut t = String::new();
    writeln!(t, "生命周期 / lifecycle as of {}:", out.as_of)?;
    let c = serde_json::to_value(out.counts)?;
    if let Some(m) = c.as_object() {
        for (k, v) in m {
            writeln!(t, "  {:<10} {:<6} {}", k, lifecycle::stage_zh(k), v)?;
        }
    }
    writeln!(
        t,
        "表 / table: {} (tag `lifecycle` at the next build)",
        lifecycle::TABLE
    )?;
    emit(&t)
}
