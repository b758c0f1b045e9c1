//! `huaxiang ask`: a question in Chinese or English answered with a metric
//! query, its rows, a chart and one sentence (智能问答), offline; with an
//! `[ask.llm]` section, questions the parser refuses go to a model that writes
//! SQL, which is validated before it runs (see `huaxiang_nlq::llm`).

use std::fmt::Write as _;
use std::path::Path;

use huaxiang_store::Workspace;
use serde_json::Value;

#[derive(clap::Args, Debug)]
#[command(after_help = "Examples / 示例:\n  \
    huaxiang ask \"上个月的GMV是多少？\"\n  \
    huaxiang ask \"今年GMV最高的三个城市\"\n  \
    huaxiang ask --json \"Top 5 categories by sales this month\"\n  \
    huaxiang ask \"What was the refund rate last quarter?\"")]
pub struct Args {
    /// The question (Chinese or English) / 问题（中文或英文）
    #[arg(required = true, num_args = 1.., value_name = "QUESTION")]
    question: Vec<String>,
    /// Print one JSON object: intent, sql, columns, rows, chart, answer / 输出一个 JSON 对象
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let question = a.question.join(" ");
    let ans = huaxiang_nlq::answer(&ws, &question).await?;
    let mut text = String::new();
    if a.json {
        let _ = writeln!(text, "{}", serde_json::to_string(&ans)?);
        return crate::output::emit(&text);
    }
    let _ = writeln!(text, "{}", ans.answer);
    let status = ans.intent["status"].as_str().unwrap_or("");
    match status {
        "ok" => {
            let i = &ans.intent;
            if i["source"] == "llm" {
                let _ = writeln!(
                    text,
                    "\n来源 / source: 大模型 {} 编写、经校验后执行的 SQL / SQL written by the model, validated, then run  图表 / chart: {}",
                    i["model"].as_str().unwrap_or(""),
                    ans.chart["type"].as_str().unwrap_or("")
                );
            } else {
                let _ = writeln!(
                    text,
                    "\n理解 / understood: {} ({})  维度 / by: {}  范围 / range: {}  图表 / chart: {}",
                    i["metric_name"].as_str().unwrap_or(""),
                    i["metric"].as_str().unwrap_or(""),
                    join(&i["dimensions"]),
                    i["time"]["label"].as_str().unwrap_or(""),
                    ans.chart["type"].as_str().unwrap_or("")
                );
            }
            if let Some(sql) = &ans.sql {
                let _ = writeln!(
                    text,
                    "-- SQL（可用 huaxiang sql 复核 / check it with huaxiang sql）:\n{sql};\n"
                );
            }
            let _ = writeln!(text, "{}", ans.columns.join("\t"));
            for r in ans.rows.iter().flatten() {
                let cells: Vec<String> = r
                    .iter()
                    .map(|c| match c {
                        Value::String(s) => s.clone(),
                        Value::Null => "(unknown)".to_string(),
                        v => v.to_string(),
                    })
                    .collect();
                let _ = writeln!(text, "{}", cells.join("\t"));
            }
        }
        "ambiguous" => {
            let _ = writeln!(text, "\n候选理解 / candidate readings:");
            for c in ans.intent["candidates"].as_array().into_iter().flatten() {
                let _ = writeln!(
                    text,
                    "  - {} ({}) by [{}], {}",
                    c["metric_name"].as_str().unwrap_or(""),
                    c["metric"].as_str().unwrap_or(""),
                    join(&c["dimensions"]),
                    c["time"]["label"].as_str().unwrap_or("")
                );
            }
        }
        _ => {
            for s in ans.intent["suggestions"].as_array().into_iter().flatten().skip(1) {
                let _ = writeln!(text, "  {}", s.as_str().unwrap_or(""));
            }
        }
    }
    crate::output::emit(&text)
}

fn join(v: &Value) -> String {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}
