use std::path::Path;

use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let report = huaxiang_quality::report(&ws).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print!("{}", huaxiang_quality::render(&report));
    }
    Ok(())
}
