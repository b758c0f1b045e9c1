//! `huaxiang segment`: define audiences, see who entered and left, export
//! them and push them to a webhook.

use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use huaxiang_segments::export::{self, Format};
use huaxiang_segments::population::input_versions;
use huaxiang_segments::push::{self, PushOptions};
use huaxiang_segments::{Preview, Registry, catalog, diff, history, render};
use huaxiang_store::Workspace;
use huaxiang_store::sql::OutputFormat;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Define a segment; shows its member count now, before saving / 新建人群
    Add {
        /// Segment name (letters, digits, _ - .) / 人群名称
        name: String,
        /// SQL condition over features, attributes and tags, e.g. "frequency >= 3 AND city_tier = 1" / 条件
        #[arg(long = "where")]
        condition: String,
        /// What the segment is for / 说明
        #[arg(long)]
        description: Option<String>,
        /// Only show the count, do not save / 只预览，不保存
        #[arg(long)]
        dry_run: bool,
    },
    /// Change a segment's condition or description (a new version) / 修改人群（新版本）
    Edit {
        name: String,
        #[arg(long = "where")]
        condition: Option<String>,
        #[arg(long)]
        description: Option<String>,
        #[arg(long)]
        dry_run: bool,
    },
    /// Every segment with its members at the last build / 人群列表
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: ShowFormat,
    },
    /// One segment: definition, versions, builds / 人群详情
    Show {
        name: String,
        #[arg(long, value_enum, default_value = "table")]
        format: ShowFormat,
    },
    /// Remove a segment (its history stays) / 删除人群
    Remove { name: String },
    /// Who entered and left between two builds (default: the last two) / 人群变化
    Diff {
        name: String,
        /// Earlier build id / 起始构建
        #[arg(long)]
        from: Option<i64>,
        /// Later build id / 结束构建
        #[arg(long)]
        to: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: DataFormat,
    },
    /// Export the members of the latest build / 导出人群
    Export {
        name: String,
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Columns: any feature, attribute or tag, and name, phone, email
        /// (default: person_id,name,phone,email) / 导出列
        #[arg(long)]
        columns: Option<String>,
        /// File to write (required for parquet; default: stdout) / 输出文件
        #[arg(long, short = 'o')]
        output: Option<PathBuf>,
        /// Personal data in plain text (needs the key and an allowed user) / 显示明文
        #[arg(long)]
        reveal: bool,
    },
    /// POST the members of the latest build to a webhook, signed, in batches / 推送人群
    Push {
        name: String,
        /// Webhook URL (http or https) / 接收地址
        #[arg(long)]
        url: String,
        /// Environment variable holding the HMAC secret / 签名密钥所在环境变量
        #[arg(long, default_value = "HUAXIANG_WEBHOOK_SECRET")]
        secret_env: String,
        /// Members per request / 每批人数
        #[arg(long, default_value_t = 500)]
        batch_size: usize,
        /// Columns of each member (default: person_id) / 成员字段
        #[arg(long)]
        columns: Option<String>,
        /// Personal data in plain text (needs the key and an allowed user) / 显示明文
        #[arg(long)]
        reveal: bool,
        /// Send only these batches, e.g. 2,5 (to resend failed ones) / 只发送这些批次
        #[arg(long)]
        only_batches: Option<String>,
        /// Attempts per batch (first one included) / 每批最多尝试次数
        #[arg(long, default_value_t = 5)]
        attempts: u32,
        /// Print the report as JSON / 输出 JSON
        #[arg(long)]
        json: bool,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ShowFormat {
    Table,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum DataFormat {
    Table,
    Csv,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum ExportFormat {
    Csv,
    Parquet,
    Json,
}

fn print_preview(name: &str, p: &Preview) {
    println!(
        "人群 / segment `{name}`: {} 人 / members  ({:.2}% of {} persons / 占全部客户)",
        p.members,
        p.share() * 100.0,
        p.persons
    );
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    match a.command {
        Sub::Add {
            name,
            condition,
            description,
            dry_run,
        } => {
            if dry_run {
                if Registry::load(&ws)?.current(&name).is_some() {
                    return Err(huaxiang_segments::Error::SegmentExists(name).into());
                }
                let preview = huaxiang_segments::preview(&ws, &name, &condition).await?;
                print_preview(&name, &preview);
                println!("试运行，未保存 / dry run: not saved");
                return Ok(());
            }
            let (preview, version) =
                huaxiang_segments::add(&ws, &name, &condition, description.as_deref().unwrap_or("")).await?;
            print_preview(&name, &preview);
            println!(
                "已保存 / saved `{name}` version {version}; 成员在下次构建时记录 / membership is recorded by the next `huaxiang build`"
            );
        }
        Sub::Edit {
            name,
            condition,
            description,
            dry_run,
        } => {
            let mut registry = Registry::load(&ws)?;
            registry.require(&name)?;
            if condition.is_none() && description.is_none() {
                bail!("nothing to change: give --where and/or --description / 请指定 --where 或 --description");
            }
            if let Some(c) = &condition {
                let preview = huaxiang_segments::preview(&ws, &name, c).await?;
                print_preview(&name, &preview);
            }
            if dry_run {
                println!("试运行，未保存 / dry run: not saved");
                return Ok(());
            }
            match registry.edit(&name, condition.as_deref(), description.as_deref())? {
                None => println!("无变化 / nothing changed: `{name}` keeps its current version"),
                Some(d) => {
                    let version = d.version;
                    registry.save(&ws)?;
                    catalog::refresh(&ws).await?;
                    println!(
                        "已保存 / saved `{name}` version {version} (earlier versions are kept); \
                         成员在下次构建时记录 / membership is recorded by the next `huaxiang build`"
                    );
                }
            }
        }
        Sub::List { format } => {
            let list = catalog::summaries(&ws).await?;
            match format {
                ShowFormat::Json => println!("{}", serde_json::to_string_pretty(&list)?),
                ShowFormat::Table if list.is_empty() => {
                    println!("还没有人群 / no segments yet: huaxiang segment add NAME --where …")
                }
                ShowFormat::Table => println!("{}", render::summaries(&list)?),
            }
        }
        Sub::Show { name, format } => {
            let registry = Registry::load(&ws)?;
            let versions = registry.versions(&name);
            if versions.is_empty() {
                return Err(huaxiang_segments::Error::UnknownSegment(name).into());
            }
            let runs: Vec<history::Run> = history::runs(&ws)
                .await?
                .into_iter()
                .filter(|r| r.segment == name)
                .collect();
            let summary = match registry.current(&name) {
                Some(d) => Some(catalog::summarize(d, &runs, &input_versions(&ws).await?)),
                None => None,
            };
            match format {
                ShowFormat::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "name": name,
                        "current": summary,
                        "versions": versions,
                        "builds": runs,
                    }))?
                ),
                ShowFormat::Table => {
                    match &summary {
                        Some(s) => {
                            println!("人群 / segment `{name}`  version {}", s.version);
                            println!("条件 / where: {}", s.condition);
                            if !s.description.is_empty() {
                                println!("说明 / description: {}", s.description);
                            }
                            match (s.members, s.last_build_id) {
                                (Some(m), Some(b)) => println!(
                                    "成员 / members: {m} ({}) at build #{b}, as of {}",
                                    render::percent(m, s.persons.unwrap_or(0)),
                                    s.last_as_of.map(|d| d.to_string()).unwrap_or_default()
                                ),
                                _ => println!("成员 / members: not built yet / 尚未构建"),
                            }
                            match &s.stale_reason {
                                Some(r) => println!("状态 / status: STALE ({r}); run `huaxiang build`"),
                                None => println!("状态 / status: up to date / 最新"),
                            }
                        }
                        None => println!("人群 / segment `{name}`: removed / 已删除"),
                    }
                    println!("\n版本 / versions:\n{}", render::versions(&versions, ws.time_zone()?)?);
                    if !runs.is_empty() {
                        println!("\n构建 / builds:\n{}", render::runs(&runs)?);
                    }
                }
            }
        }
        Sub::Remove { name } => {
            let mut registry = Registry::load(&ws)?;
            let version = registry.remove(&name)?;
            registry.save(&ws)?;
            catalog::refresh(&ws).await?;
            println!("已删除 / removed `{name}` (version {version}); its recorded membership stays in segment_members");
        }
        Sub::Diff { name, from, to, format } => {
            let d = diff::diff(&ws, &name, from, to).await?;
            let headline = render::diff_headline(&d);
            match format {
                DataFormat::Table => {
                    println!("{headline}");
                    if !d.entered.is_empty() || !d.left.is_empty() {
                        write_stdout(&format!("{}\n", render::diff_rows(&d, OutputFormat::Table)?))?;
                    }
                }
                DataFormat::Csv => {
                    eprintln!("{headline}");
                    write_stdout(&render::diff_rows(&d, OutputFormat::Csv)?)?;
                }
                DataFormat::Json => {
                    eprintln!("{headline}");
                    write_stdout(&format!("{}\n", serde_json::to_string_pretty(&d)?))?;
                }
            }
        }
        Sub::Export {
            name,
            format,
            columns,
            output,
            reveal,
        } => {
            let columns = columns.as_deref().map(export::parse_columns).unwrap_or_default();
            let format = match format {
                ExportFormat::Csv => Format::Csv,
                ExportFormat::Json => Format::Json,
                ExportFormat::Parquet => Format::Parquet,
            };
            if format == Format::Parquet && output.is_none() {
                bail!("Parquet is binary: name a file with --output FILE / Parquet 需要 --output 文件");
            }
            let members = export::members(&ws, &name, &columns, reveal).await?;
            warn_if_stale(&ws, &name).await?;
            match export::render(&members, format, output.as_deref())? {
                Some(text) => write_stdout(&text)?,
                None => {
                    let path = output.as_deref().map(|p| p.display().to_string()).unwrap_or_default();
                    println!(
                        "已导出 / exported {} members of `{name}` (build #{}, as of {}) to {path}{}",
                        members.rows(),
                        members.run.build_id,
                        members.run.as_of,
                        if reveal {
                            " — 含明文个人信息 / personal data in plain text"
                        } else {
                            ""
                        }
                    );
                }
            }
        }
        Sub::Push {
            name,
            url,
            secret_env,
            batch_size,
            columns,
            reveal,
            only_batches,
            attempts,
            json,
        } => {
            let secret = std::env::var(&secret_env).unwrap_or_default();
            if secret.is_empty() {
                bail!(
                    "no webhook secret: set the environment variable {secret_env} (or name another with --secret-env) / 请设置签名密钥"
                );
            }
            let mut opts = PushOptions::new(&url, secret.as_bytes());
            opts.batch_size = batch_size;
            opts.max_attempts = attempts;
            if let Some(list) = &only_batches {
                let mut v = Vec::new();
                for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    v.push(
                        part.parse::<usize>()
                            .with_context(|| format!("--only-batches: `{part}` is not a batch number"))?,
                    );
                }
                opts.only_batches = Some(v);
            }
            let columns = match columns.as_deref() {
                Some(c) => export::parse_columns(c),
                None => vec!["person_id".to_string()],
            };
            let members = export::members(&ws, &name, &columns, reveal).await?;
            warn_if_stale(&ws, &name).await?;
            let rows = export::json_rows(&members)?;
            let report = push::push(&name, members.run.version, members.run.build_id, &rows, &opts, |o| {
                if json {
                    return;
                }
                if o.delivered {
                    println!(
                        "批次 / batch {}: 已送达 / delivered {} members (attempts {})",
                        o.batch, o.members, o.attempts
                    );
                } else {
                    println!(
                        "批次 / batch {}: 失败 / failed after {} attempt(s): {}",
                        o.batch,
                        o.attempts,
                        o.error.as_deref().unwrap_or("")
                    );
                }
            })
            .await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            }
            let failed = report.failed();
            let delivered = report.delivered();
            if !json {
                println!(
                    "人群 / segment `{name}` build #{}: {} members, {} batches; 已送达 / delivered {}, 失败 / failed {}",
                    report.build_id,
                    report.members,
                    report.batches,
                    delivered.len(),
                    failed.len()
                );
            }
            if !failed.is_empty() {
                let list: Vec<String> = failed.iter().map(|b| b.to_string()).collect();
                bail!(
                    "{} of {} batches failed: {}; 重新发送 / resend them with --only-batches {}",
                    failed.len(),
                    report.outcomes.len(),
                    list.join(", "),
                    list.join(",")
                );
            }
        }
    }
    Ok(())
}

/// Writes data to stdout; a closed pipe (`| head`) ends the output quietly.
fn write_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Warns on stderr when the latest membership does not reflect the present.
async fn warn_if_stale(ws: &Workspace, name: &str) -> anyhow::Result<()> {
    if let Some(s) = catalog::summaries(ws).await?.into_iter().find(|s| s.name == name)
        && let Some(reason) = s.stale_reason
    {
        eprintln!(
            "注意 / note: `{name}` is STALE ({reason}); the members are those of build #{}; run `huaxiang build` to refresh",
            s.last_build_id.unwrap_or(0)
        );
    }
    Ok(())
}
