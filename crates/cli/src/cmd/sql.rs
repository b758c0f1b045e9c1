use std::path::Path;

use huaxiang_store::Workspace;
use huaxiang_store::sql::{OutputFormat, SqlEngine, format_batches};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Output format / 输出格式
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Show personal data in plain text (needs the key) / 显示明文个人信息
    #[arg(long)]
    reveal: bool,
    /// The query (SELECT, WITH, SHOW, DESCRIBE, EXPLAIN) / 查询语句
    query: String,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    Table,
    Csv,
    Json,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let engine = SqlEngine::new(&ws, a.reveal).await?;
    let (schema, batches) = engine.query(&a.query).await?;
    let f = match a.format {
        Format::Table => OutputFormat::Table,
        Format::Csv => OutputFormat::Csv,
        Format::Json => OutputFormat::Json,
    };
    let text = format_batches(&schema, &batches, f)?;
    crate::output::emit(&format!("{}\n", text.trim_end()))
}
