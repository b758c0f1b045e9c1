use std::path::Path;

use huaxiang_build::BuildOptions;
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Read nothing after the end of this local day (YYYY-MM-DD) / 截止日期
    #[arg(long = "as-of")]
    as_of: Option<String>,
    /// Rebuild every stage even if its inputs did not change / 强制重建
    #[arg(long)]
    force: bool,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let as_of = a.as_of.as_deref().map(huaxiang_core::time::parse_date).transpose()?;
    let report = huaxiang_build::build(&ws, &BuildOptions { as_of, force: a.force }).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    if report.recorded {
        println!("构建 / build #{}  截止 / as of {}", report.build_id, report.as_of);
    } else {
        println!("无变化 / nothing changed  (as of {})", report.as_of);
    }
    for r in report.stages {
        let status = if r.status == "built" {
            "已构建 / built"
        } else {
            "已是最新 / up to date"
        };
        println!(
            "{:<18} {status}  {:.2}s  {}",
            r.stage,
            r.seconds,
            if r.details.is_null() {
                String::new()
            } else {
                r.details.to_string()
            }
        );
    }
    Ok(())
}
