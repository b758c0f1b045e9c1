use std::path::{Path, PathBuf};

use anyhow::Context;
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Directory to create the workspace in (default: the -w directory) / 目录
    dir: Option<PathBuf>,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let dir = a.dir.unwrap_or_else(|| ws.to_path_buf());
    Workspace::init(&dir).with_context(|| format!("initialising {}", dir.display()))?;
    println!("已创建工作区 / created workspace {}", dir.display());
    println!(
        "  配置 / configuration: {}",
        dir.join(huaxiang_core::config::CONFIG_FILE).display()
    );
    println!(
        "  next: huaxiang -w {} ingest --table customers --source shop customers.csv",
        dir.display()
    );
    Ok(())
}
