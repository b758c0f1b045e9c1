//! `huaxiang rules`: association rules over the baskets (FP-growth), table
//! `association_rules`, and cross-sell suggestions per person.

use std::fmt::Write as _;
use std::path::Path;

use huaxiang_analytics::rules::{Level, Request, run as mine};
use huaxiang_baskets::RuleParams;
use huaxiang_store::Workspace;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Items of a basket: product or category / 商品或品类
    #[arg(long, default_value = "product", value_parser = ["product", "category"])]
    level: String,
    /// Minimum support (share of baskets) / 最小支持度
    #[arg(long, default_value_t = 0.0005)]
    min_support: f64,
    /// Minimum confidence / 最小置信度
    #[arg(long, default_value_t = 0.1)]
    min_confidence: f64,
    /// Minimum lift / 最小提升度
    #[arg(long)]
    min_lift: Option<f64>,
    /// Longest itemset (antecedent + consequent) / 最大项集长度
    #[arg(long)]
    max_len: Option<usize>,
    /// Most items on the right-hand side (1 = the apriori convention) / 后件最多项数
    #[arg(long, default_value_t = 1)]
    max_consequent: usize,
    /// Cross-sell suggestions kept per person at each build / 每人交叉销售推荐数
    #[arg(long, default_value_t = 3)]
    cross_sell: usize,
    /// Rules printed (the table keeps all) / 打印条数
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Print one JSON object with every rule / 输出 JSON
    #[arg(long)]
    json: bool,
}

pub async fn run(ws: &Path, a: Args) -> anyhow::Result<()> {
    let ws = Workspace::open(ws)?;
    let mut params = RuleParams::new(a.min_support, a.min_confidence).with_max_consequent(a.max_consequent);
    if let Some(n) = a.max_len {
        params = params.with_max_len(n);
    }
    if let Some(l) = a.min_lift {
        params = params.with_min_lift(l);
    }
    let req = Request {
        level: Level::parse(&a.level)?,
        params,
        cross_sell_top: a.cross_sell,
    };
    let out = mine(&ws, &req, false).await?;
    // Every build re-mines these rules and refreshes the cross-sell suggestions and tag.
    huaxiang_analytics::rules::save_settings(&ws, &req)?;
    if a.json {
        return crate::output::emit(&format!("{}\n", serde_json::to_string_pretty(&out)?));
    }
    let mut t = String::new();
    writeln!(
        t,
        "关联规则 / association rules: {} rules from {} baskets of {} items (support ≥ {}, confidence ≥ {}) in {:.3}s",
        out.rules.len(),
        out.baskets,
        out.items,
        out.min_support,
        out.min_confidence,
        out.seconds.read + out.seconds.mine
    )?;
    writeln!(
        t,
        "{:>4}  {:<28} {:<14} {:>9} {:>10} {:>7}",
        "#", "antecedent", "consequent", "support", "confidence", "lift"
    )?;
    for r in out.rules.iter().take(a.top) {
        writeln!(
            t,
            "{:>4}  {:<28} {:<14} {:>9.5} {:>10.3} {:>7.2}",
            r.rule_id,
            r.rule.antecedent.join(" + "),
            r.rule.consequent.join(" + "),
            r.rule.support,
            r.rule.confidence,
            r.rule.lift
        )?;
    }
    writeln!(
        t,
        "交叉销售 / cross-sell: suggestions per person (table cross_sell, tag cross_sell) at the next `huaxiang build`"
    )?;
    writeln!(t, "表 / table: association_rules")?;
    crate::output::emit(&t)
}
