//! `huaxiang metric`: compute a metric of the catalog, or list the catalog.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use huaxiang_metrics::{Catalog, RangeSpec, Request, Sort};
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples / 示例:\n  \
    huaxiang metric list\n  \
    huaxiang metric gmv --by city --last 30d\n  \
    huaxiang metric 复购率 --by city_tier --from 2025 --to 2025\n  \
    huaxiang metric orders --by month --by channel --last 1q --where \"city_tier = 1 AND channel = 'app'\"\n  \
    huaxiang metric category_gmv --by category --sort desc --limit 5 --show-sql")]
pub struct Args {
    /// Metric id, Chinese or English name or synonym; `list` shows the catalog / 指标名（list 列出指标目录）
    name: String,
    /// Break down by a dimension (repeatable): city, city_tier, channel, category, member_level, gender,
    /// age_band, acquisition_channel, segment, a tag id or tag:<id>, day, week, month, quarter, year, time
    /// / 分组维度
    #[arg(long = "by", value_name = "DIM")]
    by: Vec<String>,
    /// The last N days/weeks/months/quarters/years up to the as-of day: 30d, 2w, 3m, 1q, 1y / 最近 N 天/周/月/季/年
    #[arg(long, value_name = "N[d|w|m|q|y]", conflicts_with_all = ["from", "to"])]
    last: Option<String>,
    /// First local day (YYYY-MM-DD; or YYYY-MM, YYYY-Qn, YYYY for the first day of it) / 开始日期（含）
    #[arg(long, value_name = "DATE")]
    from: Option<String>,
    /// Last local day, inclusive (YYYY-MM-DD; or YYYY-MM, YYYY-Qn, YYYY for the last day of it) / 结束日期（含）
    #[arg(long, value_name = "DATE")]
    to: Option<String>,
    /// Filter over dimension names and the fact's columns, e.g. "city_tier = 1 AND channel = 'app'" / 过滤条件
    #[arg(long = "where", value_name = "EXPR")]
    filter: Option<String>,
    /// Order rows by the dimension labels, or by the value (desc: largest first) / 排序
    #[arg(long, value_enum, default_value = "label")]
    sort: SortArg,
    /// Keep the first N rows / 只显示前 N 行
    #[arg(long, value_name = "N")]
    limit: Option<usize>,
    /// Output format / 输出格式
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Print the generated SQL (to stderr with --format csv; always in the JSON object) / 显示生成的 SQL
    #[arg(long = "show-sql")]
    show_sql: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum Format {
    Table,
    Csv,
    Json,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug)]
enum SortArg {
    Label,
    Desc,
    Asc,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let catalog = Catalog::load(ws.dir()).context("加载指标目录失败 / cannot load the metric catalog")?;
    if a.name.trim() == "list" {
        return list(&catalog, a.format);
    }
    let range = match &a.last {
        Some(l) => RangeSpec::last(l)?,
        None => RangeSpec::between(a.from.as_deref(), a.to.as_deref())?,
    };
    let req = Request {
        metric: a.name.clone(),
        by: a.by.clone(),
        range,
        filter: a.filter.clone(),
        sort: match a.sort {
            SortArg::Label => Sort::Label,
            SortArg::Desc => Sort::Desc,
            SortArg::Asc => Sort::Asc,
        },
        limit: a.limit,
    };
    let out = huaxiang_metrics::compute_with(&ws, &catalog, &req).await?;
    let mut text = String::new();
    match a.format {
        Format::Json => {
            let _ = writeln!(text, "{}", serde_json::to_string_pretty(&out.json()?)?);
        }
        Format::Csv => {
            if a.show_sql {
                eprintln!("{};", out.sql);
            }
            text.push_str(&out.csv()?);
        }
        Format::Table => {
            let _ = writeln!(text, "{}", out.headline());
            if a.show_sql {
                let _ = writeln!(
                    text,
                    "-- SQL（可用 huaxiang sql 复核 / check it with huaxiang sql）:\n{};\n",
                    out.sql
                );
            }
            let _ = writeln!(text, "{}", out.table()?.trim_end());
            if out.has_unknown_labels() {
                let _ = writeln!(
                    text,
                    "{} = 该属性为空的人 / people whose attribute is empty",
                    huaxiang_metrics::result::UNKNOWN
                );
            }
        }
    }
    crate::output::emit(&text)
}

/// One CSV field, quoted when needed.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn list(catalog: &Catalog, format: Format) -> anyhow::Result<()> {
    let mut text = String::new();
    match format {
        Format::Json => {
            let _ = writeln!(text, "{}", serde_json::to_string_pretty(catalog.metrics())?);
        }
        Format::Csv => {
            let _ = writeln!(
                text,
                "id,name_zh,name_en,synonyms,fact,measure,dimensions,grain,description,origin"
            );
            for m in catalog.metrics() {
                let row = [
                    m.id.as_str(),
                    &m.name_zh,
                    &m.name_en,
                    &m.synonyms.join("|"),
                    m.fact.name(),
                    &m.measure,
                    &m.dimensions.join("|"),
                    m.grain.name(),
                    &m.description,
                    &m.origin,
                ];
                let _ = writeln!(text, "{}", row.iter().map(|f| field(f)).collect::<Vec<_>>().join(","));
            }
        }
        Format::Table => {
            let _ = writeln!(
                text,
                "指标目录 / metric catalog ({} metrics)\n",
                catalog.metrics().len()
            );
            for m in catalog.metrics() {
                let _ = writeln!(text, "{}  {} / {}", m.id, m.name_zh, m.name_en);
                let _ = writeln!(text, "    {}", m.description);
                if !m.synonyms.is_empty() {
                    let _ = writeln!(text, "    同义词 / synonyms: {}", m.synonyms.join(", "));
                }
                let stage = if m.per_person.is_empty() {
                    String::new()
                } else {
                    let pp: Vec<String> = m.per_person.iter().map(|(n, e)| format!("{e} AS {n}")).collect();
                    format!(" (per person: {})", pp.join(", "))
                };
                let filter = m.filter.as_deref().map(|f| format!(" WHERE {f}")).unwrap_or_default();
                let _ = writeln!(text, "    SQL: {}{stage} over {}{filter}", m.measure, m.fact.name());
                let _ = writeln!(
                    text,
                    "    维度 / dimensions: {}  (默认粒度 / default grain: {})",
                    m.dimensions.join(", "),
                    m.grain.name()
                );
                if m.origin != "built-in" {
                    let _ = writeln!(text, "    来源 / defined in: {}", m.origin);
                }
                let _ = writeln!(text);
            }
        }
    }
    crate::output::emit(&text)
}
