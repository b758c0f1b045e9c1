//! `huaxiang attribution --model M`: credit for orders per marketing channel
//! and campaign.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use huaxiang_analytics::attribution::{Request, run as attribute};
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// first, last, linear, time_decay[:half-life days], position[:first,last], markov[:order], shapley / 归因模型
    #[arg(long, default_value = "shapley")]
    model: String,
    /// Touches at most this many days before an order count / 回溯天数
    #[arg(long, default_value_t = 3.0)]
    lookback_days: f64,
    /// A CSV of costs (`channel,cost` or `campaign,cost`) for ROI / 成本文件
    #[arg(long)]
    costs: Option<PathBuf>,
    /// Also estimate each channel's incremental orders (touches as natural experiments) / 增量估计
    #[arg(long)]
    incrementality: bool,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let model = a
        .model
        .parse()
        .map_err(|e| anyhow::anyhow!("--model `{}`: {e}", a.model))?;
    let req = Request {
        model,
        lookback_days: a.lookback_days,
        costs: a.costs,
        incrementality: a.incrementality,
    };
    let out = attribute(&ws, &req).await?;
    if a.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
    }
    let x = &out.attribution;
    let mut t = String::new();
    writeln!(
        t,
        "归因 / attribution ({}, touches within {} days): {} conversions after touches, {} without",
        req.model, out.lookback_days, x.conversions_with_touches, x.conversions_without_touches
    )?;
    writeln!(
        t,
        "{:<12} {:>12} {:>14} {:>9} {:>9}",
        "channel", "conversions", "revenue", "touches", "roi"
    )?;
    for c in &x.channels {
        writeln!(
            t,
            "{:<12} {:>12.1} {:>14.2} {:>9} {:>9}",
            c.channel,
            c.conversions,
            c.revenue,
            c.touches,
            c.roi.map(|r| format!("{r:.2}")).unwrap_or_else(|| "-".into())
        )?;
    }
    if let Some(lift) = &out.incrementality {
        writeln!(
            t,
            "增量 / incrementality ({} days after a touch vs the person's own base rate):",
            out.lookback_days
        )?;
        for l in lift {
            writeln!(
                t,
                "  {:<12} {:>9} touches  {:>9.1} incremental orders  {:.4} per touch",
                l.channel, l.touches, l.incremental_conversions, l.incremental_per_touch
            )?;
        }
    }
    writeln!(t, "表 / table: attribution")?;
    crate::output::emit(&t)
}
