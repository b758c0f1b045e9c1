//! `huaxiang tag`: define, import, set, list, show and trace tags.

use std::path::{Path, PathBuf};

use huaxiang_store::Workspace;
use huaxiang_tags::assignments::{self, IdKind, ImportOptions, Issues};
use huaxiang_tags::lineage::{self, Node};
use huaxiang_tags::render::{percent, text_table};
use huaxiang_tags::status::{self, CoverageRow};
use huaxiang_tags::{Refresh, TagSpec, TagType, ValueType, catalog, manage};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    command: Sub,
}

#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

#[derive(clap::Args, Debug)]
struct DefArgs {
    /// Tag id: lowercase letters, digits and _ (its column in person_tags) / 标签 ID
    #[arg(long)]
    id: String,
    /// Chinese name / 中文名称
    #[arg(long = "name-zh")]
    name_zh: Option<String>,
    /// English name / 英文名称
    #[arg(long = "name-en")]
    name_en: Option<String>,
    /// Description / 描述
    #[arg(long)]
    description: Option<String>,
    /// Owner (default: the current user) / 负责人
    #[arg(long)]
    owner: Option<String>,
    /// rule, model, imported or manual (rfm is built in) / 类型
    #[arg(long = "type")]
    tag_type: Option<TagType>,
    /// bool, enum or number / 值类型
    #[arg(long = "value-type")]
    value_type: Option<ValueType>,
    /// build (every build) or manual (kept until `tag refresh`) / 刷新方式
    #[arg(long)]
    refresh: Option<Refresh>,
    /// SQL over features, person attributes and other tags: a condition, or a CASE giving labels / 表达式
    #[arg(long)]
    expr: Option<String>,
    /// Allowed labels of an enum tag, comma separated / 枚举取值
    #[arg(long, value_delimiter = ',')]
    values: Option<Vec<String>>,
    /// Output format / 输出格式
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
}

impl DefArgs {
    fn spec(&self, default_owner: bool) -> TagSpec {
        TagSpec {
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            description: self.description.clone(),
            owner: self.owner.clone().or_else(|| default_owner.then(user)),
            tag_type: self.tag_type,
            value_type: self.value_type,
            refresh: self.refresh,
            expression: self.expr.clone(),
            allowed_values: self.values.as_ref().map(|v| {
                v.iter()
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .collect()
            }),
        }
    }
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Define a new tag (validated against the data, previewed) / 新建标签
    Add(DefArgs),
    /// Save a new version of a tag (the old one is kept) / 修改标签（新版本）
    Edit(DefArgs),
    /// Every tag: names, type, version, last build, coverage, staleness / 标签列表
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// One tag: definition, versions, coverage by value / 标签详情
    Show {
        tag: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What a tag depends on, down to source columns / 标签血缘
    Lineage {
        tag: String,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Import values of an imported tag from a CSV file / 从 CSV 导入标签值
    Import {
        tag: String,
        file: PathBuf,
        /// Column holding the identifier (default: person_id, customer_id, phone or email, else the first) / 标识列
        #[arg(long = "id-column")]
        id_column: Option<String>,
        /// Column holding the value (default: `value`; bool tags may omit it) / 取值列
        #[arg(long = "value-column")]
        value_column: Option<String>,
        /// person_id, customer_id, phone or email (default: from the id column's name, else person_id) / 标识类型
        #[arg(long = "id-kind")]
        id_kind: Option<IdKind>,
        /// Keep the tag's earlier assignments instead of replacing them / 追加而非替换
        #[arg(long)]
        append: bool,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Set (or --clear) a manual or imported tag on one person / 手工设置标签
    Set {
        tag: String,
        person_id: String,
        /// The value (bool tags: default true) / 取值
        value: Option<String>,
        /// Remove the person's value / 清除
        #[arg(long, conflicts_with = "value")]
        clear: bool,
    },
    /// Recompute a manually refreshed tag at the next build / 请求刷新
    Refresh { tag: String },
}

fn user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn coverage_table(rows: &[CoverageRow]) -> anyhow::Result<String> {
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.value.clone().unwrap_or_else(|| "(any value / 有值)".into()),
                r.persons.to_string(),
                percent(r.share),
            ]
        })
        .collect();
    Ok(text_table(&["value / 取值", "persons / 人数", "share / 占比"], &body)?)
}

fn issues(title: &str, i: &Issues) {
    if i.count == 0 {
        return;
    }
    println!("{title}: {}", i.count);
    for e in &i.examples {
        let at = match (&e.file, e.line) {
            (Some(f), Some(l)) => format!("{f}:{l}"),
            (None, Some(l)) => format!("line / 行 {l}"),
            _ => String::new(),
        };
        let id = e.identifier.as_deref().map(|s| format!(" {s}")).unwrap_or_default();
        println!("  {at}{id}: {}", e.reason);
    }
    if i.count > i.examples.len() {
        println!("  … {} more / 更多", i.count - i.examples.len());
    }
}

/// The tree with feature and attribute nodes folded to one line (their source columns).
fn folded(n: &Node) -> Node {
    match n.kind {
        "feature" | "attribute" => {
            let mut cols = Vec::new();
            let mut stack: Vec<&Node> = n.children.iter().collect();
            while let Some(c) = stack.pop() {
                if c.kind == "column" {
                    cols.push(c.name.clone());
                }
                stack.extend(c.children.iter());
            }
            cols.sort();
            let name = if cols.is_empty() {
                n.name.clone()
            } else {
                format!("{} ← {}", n.name, cols.join(", "))
            };
            Node {
                kind: n.kind,
                name,
                children: Vec::new(),
            }
        }
        _ => Node {
            kind: n.kind,
            name: n.name.clone(),
            children: n.children.iter().map(folded).collect(),
        },
    }
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    match a.command {
        Sub::Add(d) => {
            let saved = manage::add(&ws, &d.id, d.spec(true)).await?;
            report_saved(&saved, d.format, "已新建标签 / added tag")?;
        }
        Sub::Edit(d) => {
            let saved = manage::edit(&ws, &d.id, d.spec(false)).await?;
            report_saved(&saved, d.format, "已保存新版本 / saved a new version of tag")?;
        }
        Sub::List { format } => {
            let list = status::list(&ws).await?;
            if format == Format::Json {
                return print_json(&list);
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        s.tag_id.clone(),
                        match (s.name_zh.is_empty(), s.name_en.is_empty()) {
                            (false, false) => format!("{} / {}", s.name_zh, s.name_en),
                            (false, true) => s.name_zh.clone(),
                            _ => s.name_en.clone(),
                        },
                        format!("{} ({})", s.tag_type, s.value_type),
                        format!("v{}", s.version),
                        s.last_build_id.map(|b| format!("#{b}")).unwrap_or_else(|| "-".into()),
                        match (s.persons, s.share) {
                            (Some(p), Some(sh)) => format!("{p} ({})", percent(sh)),
                            _ => "-".into(),
                        },
                        match &s.stale_reason {
                            Some(r) => format!("STALE: {r}"),
                            None => "ok".into(),
                        },
                    ]
                })
                .collect();
            println!(
                "{}",
                text_table(
                    &[
                        "tag / 标签",
                        "name / 名称",
                        "type / 类型",
                        "version / 版本",
                        "last build / 最近构建",
                        "coverage / 覆盖",
                        "status / 状态",
                    ],
                    &rows
                )?
            );
        }
        Sub::Show { tag, format } => {
            let d = status::show(&ws, &tag).await?;
            if format == Format::Json {
                return print_json(&d);
            }
            let def = &d.definition;
            println!(
                "标签 / tag {}  v{}  ({} 个版本 / versions)",
                def.tag_id,
                def.version,
                d.versions.len()
            );
            println!("名称 / name: {}", def.display_name());
            println!(
                "类型 / type: {}   值类型 / value type: {}   刷新 / refresh: {}   负责人 / owner: {}",
                def.tag_type, def.value_type, def.refresh, def.owner
            );
            if !def.description.is_empty() {
                println!("描述 / description: {}", def.description);
            }
            match (&def.expression, def.tag_type) {
                (Some(e), _) => println!("表达式 / expression: {e}"),
                (None, TagType::Rfm) => println!("表达式 / expression: (内置 RFM / built-in RFM computation)"),
                (None, _) => println!("取值来源 / values from: tag_assignments (import / set)"),
            }
            if !def.allowed_values.is_empty() {
                println!("取值 / allowed values: {}", def.allowed_values.join(", "));
            }
            if !d.reads_tags.is_empty() {
                println!("读取标签 / reads tags: {}", d.reads_tags.join(", "));
            }
            if !d.read_by.is_empty() {
                println!("被引用 / read by: {}", d.read_by.join(", "));
            }
            let s = &d.status;
            println!(
                "最近计算 / last computed: {}   状态 / status: {}",
                match (s.last_build_id, s.last_computed_at) {
                    (Some(b), Some(t)) => format!("build #{b} at {}", t.format("%Y-%m-%d %H:%M:%S UTC")),
                    _ => "-".into(),
                },
                s.stale_reason
                    .as_deref()
                    .map(|r| format!("STALE ({r})"))
                    .unwrap_or_else(|| "ok".into())
            );
            println!("\n版本 / versions:");
            let rows: Vec<Vec<String>> = d
                .versions
                .iter()
                .map(|v| {
                    vec![
                        format!("v{}", v.def.version),
                        if v.def.tag_type == TagType::Rfm && v.def.version == 1 {
                            "built-in / 内置".into()
                        } else {
                            v.def.created_at.format("%Y-%m-%d %H:%M:%S").to_string()
                        },
                        v.def.owner.clone(),
                        v.def.expression.clone().unwrap_or_else(|| "-".into()),
                        v.last_build_id.map(|b| format!("#{b}")).unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            println!(
                "{}",
                text_table(
                    &[
                        "version / 版本",
                        "created / 创建",
                        "owner / 负责人",
                        "expression / 表达式",
                        "last build / 最近构建"
                    ],
                    &rows
                )?
            );
            match s.last_build_id {
                Some(b) if !d.coverage.is_empty() => {
                    println!("\n覆盖 / coverage (build #{b}):");
                    println!("{}", coverage_table(&d.coverage)?);
                }
                _ => println!("\n覆盖 / coverage: 尚未计算 / not computed yet (run `huaxiang build`)"),
            }
        }
        Sub::Lineage { tag, format } => {
            let (tree, flat) = status::lineage(&ws, &tag).await?;
            if format == Format::Json {
                let deps: Vec<serde_json::Value> = flat
                    .iter()
                    .map(|(k, n)| serde_json::json!({"depends_on_kind": k, "depends_on": n}))
                    .collect();
                return print_json(&serde_json::json!({"tag_id": tag, "tree": tree, "dependencies": deps}));
            }
            let cat = huaxiang_tags::Catalog::load(&ws)?;
            let label = |n: &Node| match n.kind {
                "tag" => match cat.get(&n.name) {
                    Some(d) => format!("tag {}  [{} v{}]  {}", n.name, d.tag_type, d.version, d.display_name()),
                    None => format!("tag {}", n.name),
                },
                k => format!("{k} {}", n.name),
            };
            print!("{}", lineage::render(&folded(&tree), &label));
            let count = |k: &str| flat.iter().filter(|(kind, _)| *kind == k).count();
            println!(
                "依赖 / depends on: {} tags, {} features, {} attributes, {} tables, {} columns",
                count("tag"),
                count("feature"),
                count("attribute"),
                count("table"),
                count("column")
            );
        }
        Sub::Import {
            tag,
            file,
            id_column,
            value_column,
            id_kind,
            append,
            format,
        } => {
            let opts = ImportOptions {
                id_column,
                value_column,
                id_kind,
                append,
                user: user(),
            };
            let r = assignments::import(&ws, &tag, &file, &opts).await?;
            if format == Format::Json {
                return print_json(&r);
            }
            println!(
                "已导入 / imported {} of {} rows into tag {} (id column `{}` as {}{}; {})",
                r.stored,
                r.rows,
                r.tag_id,
                r.id_column,
                r.id_kind.as_str(),
                r.value_column
                    .as_deref()
                    .map(|v| format!(", values from `{v}`"))
                    .unwrap_or_else(|| ", value true".into()),
                if r.replaces {
                    "替换之前的导入 / replaces earlier values"
                } else {
                    "追加 / appended"
                }
            );
            issues("无效行 / invalid rows (not imported)", &r.invalid);
            if r.resolution.resolved {
                println!("匹配客户 / persons reached: {}", r.resolution.persons);
                issues("未匹配行 / rows that reach nobody", &r.resolution.unmatched);
            } else {
                println!("尚未构建身份 / identity is not built yet: rows are matched at the next `huaxiang build`");
            }
            println!("生效于下次构建 / the values apply from the next `huaxiang build`");
        }
        Sub::Set {
            tag,
            person_id,
            value,
            clear,
        } => {
            let value = match (clear, value) {
                (true, _) => None,
                (false, Some(v)) => Some(v),
                (false, None) => {
                    let cat = huaxiang_tags::Catalog::load(&ws)?;
                    match cat.require(&tag)?.value_type {
                        ValueType::Bool => Some("true".to_string()),
                        vt => anyhow::bail!("{vt} 标签需要取值 / a {vt} tag needs a VALUE (or --clear)"),
                    }
                }
            };
            let stored = assignments::set(&ws, &tag, &person_id, value.as_deref(), &user()).await?;
            match stored {
                Some(v) => println!("已设置 / set {tag} = {v} on {person_id}"),
                None => println!("已清除 / cleared {tag} on {person_id}"),
            }
            println!("生效于下次构建 / it applies from the next `huaxiang build`");
        }
        Sub::Refresh { tag } => {
            catalog::request_refresh(&ws, &tag, chrono::Utc::now())?;
            println!("已请求刷新 / refresh requested: {tag} is recomputed at the next `huaxiang build`");
        }
    }
    Ok(())
}

fn report_saved(saved: &manage::Saved, format: Format, what: &str) -> anyhow::Result<()> {
    if format == Format::Json {
        return print_json(saved);
    }
    let d = &saved.definition;
    println!(
        "{what} {} v{} ({}, {}, refresh {}): {}",
        d.tag_id,
        d.version,
        d.tag_type,
        d.value_type,
        d.refresh,
        d.display_name()
    );
    if let Some(rows) = &saved.preview {
        println!("预览 / preview on the current data ({} persons / 人):", saved.persons);
        println!("{}", coverage_table(rows)?);
    }
    if d.tag_type.is_assigned() {
        println!(
            "导入或设置取值 / give it values with `huaxiang tag import {} FILE.csv` or `huaxiang tag set {} PERSON_ID`",
            d.tag_id, d.tag_id
        );
    }
    println!("生效于下次构建 / values are snapshotted at the next `huaxiang build`");
    Ok(())
}
