//! `huaxiang recommend`: product recommendations per person and similar
//! products; `huaxiang recommend evaluate` measures them offline.

use std::path::Path;

use chrono::NaiveDate;
use huaxiang_analytics::recommend;
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// Products per person / 每人推荐数
    #[arg(long, default_value_t = recommend::DEFAULT_TOP)]
    top: usize,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Offline evaluation against a popularity baseline / 离线评估
    Evaluate(EvalArgs),
}

#[derive(clap::Args, Debug)]
struct EvalArgs {
    /// topn: next purchases after a time split; next-item: the next product view within a session / 评估任务
    #[arg(long, default_value = "topn", value_parser = ["topn", "next-item"])]
    task: String,
    /// topn: the split day (default: the last purchase − 60 days) / 切分日期
    #[arg(long)]
    split: Option<NaiveDate>,
    /// next-item: hold out the sessions starting in the last N × 24 hours / 留出天数
    #[arg(long, default_value_t = 1.0)]
    holdout_days: f64,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

fn json_out<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(v)?))
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    match a.command {
        Some(Sub::Evaluate(e)) if e.task == "next-item" => {
            let r = recommend::evaluate_sessions(&ws, e.holdout_days).await?;
            if e.json {
                return json_out(&r);
            }
            crate::output::emit(&format!(
                "会话内下一个商品 / next item in session ({} test sessions, {} predictions, last {} day(s) held out)\n\
                 \x20 model       HR@20 {:.4}  MRR@20 {:.4}\n\
                 \x20 popularity  HR@20 {:.4}  MRR@20 {:.4}\n",
                r.test_sessions,
                r.predictions,
                e.holdout_days,
                r.model.hr,
                r.model.mrr,
                r.popularity.hr,
                r.popularity.mrr
            ))
        }
        Some(Sub::Evaluate(e)) => {
            let r = recommend::evaluate(&ws, e.split).await?;
            if e.json {
                return json_out(&r);
            }
            let (m, p) = (&r.report.model, &r.report.popularity);
            crate::output::emit(&format!(
                "推荐评估 / top-10 evaluation (split {}, {} persons)\n\
                 \x20 model       precision@10 {:.4}  recall@10 {:.4}  NDCG@10 {:.4}\n\
                 \x20 popularity  precision@10 {:.4}  recall@10 {:.4}  NDCG@10 {:.4}\n",
                r.split, m.users, m.precision, m.recall, m.ndcg, p.precision, p.recall, p.ndcg
            ))
        }
        None => {
            let out = recommend::run(&ws, a.top).await?;
            if a.json {
                return json_out(&out);
            }
            crate::output::emit(&format!(
                "推荐 / recommendations: {} persons × up to {} products ({} rows) from {} interactions over {} products\n\
                 表 / tables: recommendations, similar_items\n",
                out.persons, out.top, out.rows, out.interactions, out.products
            ))
        }
    }
}
