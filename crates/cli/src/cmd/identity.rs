use std::path::Path;

use anyhow::bail;
use huaxiang_identity::{Override, RecordKey};
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Why records were joined (a record id or a person id) / 解释合并原因
    Explain {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Declare two records the same person (SOURCE:RECORD_ID) / 手动合并
    Merge { a: String, b: String },
    /// Declare two records different persons (SOURCE:RECORD_ID) / 手动拆分
    Unmerge { a: String, b: String },
}

fn key(s: &str) -> anyhow::Result<RecordKey> {
    match s.split_once(':') {
        Some((src, id)) if !src.is_empty() && !id.is_empty() => Ok(RecordKey::new(src, id)),
        _ => bail!("`{s}` is not SOURCE:RECORD_ID (for example customers:C00000001)"),
    }
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    match a.command {
        Sub::Explain { id, json } => {
            let v = huaxiang_build::explain(&ws, &id).await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(());
            }
            for p in v.as_array().into_iter().flatten() {
                println!("person / 客户 {}", p["person_id"].as_str().unwrap_or(""));
                for r in p["records"].as_array().into_iter().flatten() {
                    println!(
                        "  record / 记录 {}:{}  rule {}  score {:.3}",
                        r["source"].as_str().unwrap_or(""),
                        r["record_id"].as_str().unwrap_or(""),
                        r["rule"].as_str().unwrap_or(""),
                        r["score"].as_f64().unwrap_or(0.0)
                    );
                }
                for e in p["evidence"].as_array().into_iter().flatten() {
                    let fields: Vec<String> = e["fields"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|f| {
                            format!(
                                "{}={}({:+.1})",
                                f["field"].as_str().unwrap_or(""),
                                f["level"].as_str().unwrap_or(""),
                                f["weight"].as_f64().unwrap_or(0.0)
                            )
                        })
                        .collect();
                    println!(
                        "  link / 关联 {} ~ {}  {}  p={:.4}  {}",
                        e["a"].as_str().unwrap_or(""),
                        e["b"].as_str().unwrap_or(""),
                        e["rule"].as_str().unwrap_or(""),
                        e["score"].as_f64().unwrap_or(0.0),
                        fields.join(" ")
                    );
                }
            }
        }
        Sub::Merge { a, b } => {
            huaxiang_build::overrides::add(
                &ws,
                Override::Merge {
                    a: key(&a)?,
                    b: key(&b)?,
                },
            )?;
            println!("已记录合并 / merge recorded: {a} = {b}; it applies from the next `huaxiang build`");
        }
        Sub::Unmerge { a, b } => {
            huaxiang_build::overrides::add(
                &ws,
                Override::Unmerge {
                    a: key(&a)?,
                    b: key(&b)?,
                },
            )?;
            println!("已记录拆分 / unmerge recorded: {a} ≠ {b}; it applies from the next `huaxiang build`");
        }
    }
    Ok(())
}
