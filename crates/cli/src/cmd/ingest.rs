use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use huaxiang_core::config::{Mapping, SourceConfig, resolve_path};
use huaxiang_ingest::reader::db::DbSource;
use huaxiang_ingest::{IngestReport, IngestRequest, Input};
use huaxiang_store::Workspace;

use crate::progress::CliProgress;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Canonical table: customers, products, orders, order_items, events, tickets, touches, experiment / 目标表
    #[arg(long)]
    table: Option<String>,
    /// Source name stored with every row / 数据源名称
    #[arg(long)]
    source: Option<String>,
    /// Mapping file (TOML) / 映射文件
    #[arg(long)]
    map: Option<PathBuf>,
    /// Rename an input column: FROM=TO (repeatable) / 列重命名
    #[arg(long = "rename", value_name = "FROM=TO")]
    rename: Vec<String>,
    /// Database URL without password (postgres://…, mysql://…) / 数据库地址
    #[arg(long = "from-db")]
    from_db: Option<String>,
    /// SQL query or table name to read with --from-db / 查询
    #[arg(long)]
    query: Option<String>,
    /// Environment variable holding the database password / 密码环境变量
    #[arg(long = "password-env", default_value = "HUAXIANG_DB_PASSWORD")]
    password_env: String,
    /// Print exactly one JSON object: read, accepted, rejected, quarantine / 输出 JSON
    #[arg(long)]
    json: bool,
    /// Files (CSV, JSON Lines, Parquet; optionally .gz). None: every source declared in huaxiang.toml / 文件
    files: Vec<PathBuf>,
}

fn mapping(ws: &Workspace, map: Option<&Path>, renames: &[(String, String)]) -> anyhow::Result<Mapping> {
    let mut m = match map {
        Some(p) => Mapping::load(&resolve_path(ws.dir(), &p.to_string_lossy()))?,
        None => Mapping::default(),
    };
    for (from, to) in renames {
        m.rename.insert(from.clone(), to.clone());
    }
    Ok(m)
}

fn parse_renames(r: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    r.iter()
        .map(|s| match s.split_once('=') {
            Some((a, b)) if !a.trim().is_empty() && !b.trim().is_empty() => {
                Ok((a.trim().to_string(), b.trim().to_string()))
            }
            _ => bail!("--rename `{s}` is not FROM=TO"),
        })
        .collect()
}

fn db_source(url: &str, password_env: Option<&str>, query: &str) -> DbSource {
    let password = password_env
        .and_then(|v| std::env::var(v).ok())
        .filter(|p| !p.is_empty());
    DbSource {
        url: url.to_string(),
        password,
        query: query.to_string(),
    }
}

fn request_from_config(ws: &Workspace, s: &SourceConfig) -> anyhow::Result<IngestRequest> {
    let renames: Vec<(String, String)> = s.rename.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
    let m = mapping(ws, s.map.as_deref().map(Path::new), &renames).with_context(|| format!("source `{}`", s.name))?;
    let mut inputs: Vec<Input> = s.files.iter().map(|f| Input::File(resolve_path(ws.dir(), f))).collect();
    if let (Some(url), Some(q)) = (&s.url, &s.query) {
        inputs.push(Input::Db(db_source(url, s.password_env.as_deref(), q)));
    }
    Ok(IngestRequest {
        table: s.table.clone(),
        source: s.name.clone(),
        mapping: m,
        inputs,
        batch_rows: ws.config().ingest.batch_rows,
    })
}

fn print_report(r: &IngestReport) {
    for i in &r.inputs {
        if i.status == "already ingested" {
            println!(
                "{} → {} [{}]: 已导入过，未新增 / already ingested, nothing added",
                i.input, i.table, i.source
            );
            continue;
        }
        println!(
            "{} → {} [{}]: read {} = accepted {} + rejected {}; fields emptied {}{}",
            i.input,
            i.table,
            i.source,
            i.read,
            i.accepted,
            i.rejected,
            i.fields_emptied,
            if i.derived_orders > 0 {
                format!("; derived orders {}", i.derived_orders)
            } else {
                String::new()
            }
        );
        for (k, v) in &i.notes {
            println!("    {k}: {v}");
        }
    }
    println!(
        "读取 / read {} = 接受 / accepted {} + 拒绝 / rejected {}",
        r.read, r.accepted, r.rejected
    );
    if let Some(q) = &r.quarantine {
        println!("隔离区 / quarantine: {q} (huaxiang sql \"SELECT * FROM quarantine\")");
    }
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let renames = parse_renames(&a.rename)?;
    let mut requests = Vec::new();
    if a.files.is_empty() && a.from_db.is_none() {
        if a.table.is_some() || a.source.is_some() {
            bail!("no input: give files, or --from-db URL --query SQL");
        }
        if ws.config().sources.is_empty() {
            bail!(
                "no input: give files, or declare [[sources]] in {}",
                ws.dir().join("huaxiang.toml").display()
            );
        }
        for s in &ws.config().sources {
            requests.push(request_from_config(&ws, s)?);
        }
    } else {
        let (Some(table), Some(source)) = (a.table.clone(), a.source.clone()) else {
            bail!("--table and --source are required with files or --from-db");
        };
        let m = mapping(&ws, a.map.as_deref(), &renames)?;
        let mut inputs: Vec<Input> = a.files.iter().cloned().map(Input::File).collect();
        if let Some(url) = &a.from_db {
            let Some(q) = &a.query else {
                bail!("--from-db needs --query SQL (or a table name)")
            };
            if huaxiang_core::config::url_has_password(url) {
                bail!(
                    "put the database password in the environment variable {} instead of the URL",
                    a.password_env
                );
            }
            inputs.push(Input::Db(db_source(url, Some(&a.password_env), q)));
        }
        requests.push(IngestRequest {
            table,
            source,
            mapping: m,
            inputs,
            batch_rows: ws.config().ingest.batch_rows,
        });
    }
    let progress = CliProgress::new(a.json);
    let mut total = IngestReport {
        read: 0,
        accepted: 0,
        rejected: 0,
        quarantine: None,
        inputs: Vec::new(),
    };
    for req in &requests {
        let r = huaxiang_ingest::ingest(&ws, req, &progress).await?;
        total.read += r.read;
        total.accepted += r.accepted;
        total.rejected += r.rejected;
        total.quarantine = total.quarantine.or(r.quarantine);
        total.inputs.extend(r.inputs);
    }
    if a.json {
        let v = serde_json::json!({"read": total.read, "accepted": total.accepted, "rejected": total.rejected, "quarantine": total.quarantine});
        println!("{v}");
    } else {
        print_report(&total);
    }
    Ok(())
}
