//! `huaxiang experiment`: A/B readouts and sample sizes.

use std::fmt::Write as _;
use std::path::Path;

use huaxiang_analytics::experiment::{Request, run as readout};
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Experiment id of the `experiment` table (omit with --baseline) / 实验 ID
    id: Option<String>,
    /// The control variant (default: the first by name, e.g. A) / 对照组
    #[arg(long)]
    control: Option<String>,
    /// Planned split, control first, e.g. 50,50 (default: equal) / 计划分流比例
    #[arg(long, value_delimiter = ',')]
    split: Vec<f64>,
    /// Confidence level of the intervals / 置信水平
    #[arg(long, default_value_t = 0.95)]
    confidence: f64,
    /// A numeric feature as the CUPED pre-period covariate (e.g. frequency) / CUPED 协变量
    #[arg(long)]
    covariate: Option<String>,
    /// Sample size: the baseline conversion rate (e.g. 0.08) / 样本量计算：基线转化率
    #[arg(long)]
    baseline: Option<f64>,
    /// Sample size: the minimum relative lift to detect (e.g. 0.1 = +10%) / 最小可检测相对提升
    #[arg(long, default_value_t = 0.1)]
    mde: f64,
    /// Sample size: significance level / 显著性水平
    #[arg(long, default_value_t = 0.05)]
    alpha: f64,
    /// Sample size: power / 检验功效
    #[arg(long, default_value_t = 0.8)]
    power: f64,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    if let Some(baseline) = a.baseline {
        let n = huaxiang_experiments::sample_size(baseline, a.mde, a.alpha, a.power)?;
        if a.json {
            let v = serde_json::json!({"baseline": baseline, "mde_rel": a.mde, "alpha": a.alpha, "power": a.power, "users_per_variant": n});
            return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&v)?));
        }
        return crate::output::emit(&format!(
            "样本量 / sample size: {n} users per variant to detect {:+.1}% on a {:.2}% baseline (α = {}, power = {})\n",
            a.mde * 100.0,
            baseline * 100.0,
            a.alpha,
            a.power
        ));
    }
    let Some(id) = a.id else {
        anyhow::bail!("需要实验 ID 或 --baseline / give an experiment id, or --baseline for a sample size");
    };
    let ws = Workspace::open(ws)?;
    let req = Request {
        experiment: id,
        control: a.control,
        split: (!a.split.is_empty()).then_some(a.split),
        confidence: a.confidence,
        covariate: a.covariate,
    };
    let r = readout(&ws, &req).await?;
    if a.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&r)?));
    }
    let x = &r.analysis;
    let mut t = String::new();
    writeln!(
        t,
        "实验 / experiment {} · control {} vs {}",
        r.experiment, x.control, x.treatment
    )?;
    for v in &x.variants {
        writeln!(
            t,
            "  {:<10} {:>8} users  {:>7} conversions  rate {:.4}",
            v.variant, v.users, v.conversions, v.rate
        )?;
    }
    let pct = x.confidence * 100.0;
    writeln!(
        t,
        "提升 / lift: {:+.4} ({pct:.0}% CI {:+.4} … {:+.4}); relative {:+.2}% ({:+.2}% … {:+.2}%)",
        x.lift_abs,
        x.lift_abs_ci[0],
        x.lift_abs_ci[1],
        x.lift_rel * 100.0,
        x.lift_rel_ci[0] * 100.0,
        x.lift_rel_ci[1] * 100.0
    )?;
    writeln!(
        t,
        "检验 / z-test: z = {:.3}, p = {:.4}{} · P(B > A) = {:.4}",
        x.z,
        x.p_value,
        if x.significant { " (significant)" } else { "" },
        x.prob_b_beats_a
    )?;
    writeln!(
        t,
        "样本比例 / sample ratio: χ² = {:.3}, p = {:.4}",
        x.srm.chi2, x.srm_p_value
    )?;
    if let Some(c) = &x.cuped {
        writeln!(
            t,
            "CUPED ({}): lift {:+.4} ({:+.4} … {:+.4}), p = {:.4}, variance −{:.1}%",
            r.covariate.as_deref().unwrap_or("-"),
            c.lift_abs,
            c.lift_abs_ci[0],
            c.lift_abs_ci[1],
            c.p_value,
            c.variance_reduction * 100.0
        )?;
    }
    for w in &x.warnings {
        writeln!(t, "警告 / warning: {w}")?;
    }
    writeln!(t, "表 / table: experiment_results")?;
    crate::output::emit(&t)
}
