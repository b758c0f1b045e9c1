//! `huaxiang profile ID|phone|email`: one person's 360 in the terminal.

use std::path::Path;

use huaxiang_store::Workspace;
use huaxiang_store::sql::SqlEngine;
use serde_json::{Map, Value};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// A person id, a customer record id, a phone number or an e-mail / 客户编号、记录编号、手机号或邮箱
    id: String,
    /// How many timeline entries / 时间线条数
    #[arg(long, default_value_t = 20)]
    timeline: usize,
    /// Show every feature, not only the key ones / 显示全部特征
    #[arg(long)]
    all_features: bool,
    /// Show personal data in plain text (needs the key) / 显示明文个人信息
    #[arg(long)]
    reveal: bool,
    /// Print one JSON object / 输出 JSON
    #[arg(long)]
    json: bool,
}

/// The features shown by default, in this order.
const KEY_FEATURES: &[&str] = &[
    "recency_days",
    "frequency",
    "monetary",
    "aov",
    "tenure_days",
    "orders_90d",
    "spend_90d",
    "coupon_share",
    "refund_rate",
    "distinct_categories",
    "sessions",
    "view_to_cart_rate",
    "cart_to_purchase_rate",
    "ticket_count",
    "mean_rating",
];

fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "-".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => match n.as_f64() {
            Some(f) if n.is_f64() => format!("{f:.4}")
                .trim_end_matches('0')
                .trim_end_matches('.')
                .to_string(),
            _ => n.to_string(),
        },
        Some(other) => other.to_string(),
    }
}

fn pairs(m: &Map<String, Value>, keys: &[&str]) -> String {
    keys.iter()
        .filter(|k| m.contains_key(**k))
        .map(|k| format!("{k}={}", show(m.get(*k))))
        .collect::<Vec<_>>()
        .join("  ")
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let engine = SqlEngine::new(&ws, a.reveal).await?;
    let persons = huaxiang_profile::lookup(&ws, &engine, &a.id).await?;
    let pid = match persons.as_slice() {
        [one] => one.clone(),
        _ => {
            return Err(huaxiang_profile::Error::Ambiguous { query: a.id, persons }.into());
        }
    };
    let p = huaxiang_profile::profile(&ws, &engine, &pid, a.timeline).await?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&p)?);
        return Ok(());
    }
    let as_of = p.features.get("as_of").or_else(|| p.attributes.get("as_of"));
    println!("客户 / person {}   截止 / as of {}", p.person_id, show(as_of));
    println!("== 身份 / identifiers ({})", p.records.len());
    for r in &p.records {
        let r = r.as_object().cloned().unwrap_or_default();
        println!(
            "  {}:{}  {}  {}  {}  {}  {}  signup {}",
            show(r.get("source")),
            show(r.get("record_id")),
            show(r.get("rule")),
            show(r.get("name")),
            show(r.get("phone")),
            show(r.get("email")),
            show(r.get("city")),
            show(r.get("signup")),
        );
    }
    if !p.attributes.is_empty() {
        println!("== 属性 / attributes");
        println!(
            "  {}",
            pairs(
                &p.attributes,
                &[
                    "gender",
                    "age",
                    "age_band",
                    "city",
                    "city_tier",
                    "member_level",
                    "acquisition_channel",
                    "first_signup_time"
                ]
            )
        );
    }
    if p.features.is_empty() {
        println!("== 特征 / features: 未构建 / not built (huaxiang build)");
    } else {
        println!("== 关键特征 / key features");
        let keys: Vec<&str> = if a.all_features {
            p.features
                .keys()
                .map(String::as_str)
                .filter(|k| *k != "person_id" && *k != "as_of")
                .collect()
        } else {
            KEY_FEATURES.to_vec()
        };
        for chunk in keys.chunks(5) {
            println!("  {}", pairs(&p.features, chunk));
        }
    }
    println!("== 标签 / tags ({})", p.tags.len());
    for t in &p.tags {
        let t = t.as_object().cloned().unwrap_or_default();
        println!(
            "  {} {}/{} = {}  (v{}, build #{})",
            show(t.get("tag_id")),
            show(t.get("name_zh")),
            show(t.get("name_en")),
            show(t.get("value")),
            show(t.get("version")),
            show(t.get("build_id"))
        );
    }
    println!("== 分群 / segments ({})", p.segments.len());
    for s in &p.segments {
        let s = s.as_object().cloned().unwrap_or_default();
        println!(
            "  {}  (v{}, build #{})",
            show(s.get("segment")),
            show(s.get("version")),
            show(s.get("build_id"))
        );
    }
    println!("== 时间线 / timeline (latest {})", p.timeline.len());
    for e in &p.timeline {
        println!("  {}  {:<6} {}", e.time, e.kind, e.summary);
    }
    Ok(())
}
